-- The whole data model of DESIGN.md. Integer ids everywhere; money and areas
-- are NUMERIC with the scale of STANDARDS.md §1's limits, so a value the
-- application validated is stored exactly and an unvalidated one is refused.

-- Counties and districts that apply (申报单位所在县市区).
CREATE TABLE regions (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE CHECK (char_length(btrim(name)) BETWEEN 1 AND 50),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id                   BIGSERIAL PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.-]{2,40}$'),
    display_name         TEXT NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 100),
    role                 TEXT NOT NULL CHECK (role IN ('official', 'reviewer', 'admin')),
    -- Officials act for exactly one region; the other roles for none.
    region_id            BIGINT REFERENCES regions (id),
    password_hash        TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT false,
    active               BOOLEAN NOT NULL DEFAULT true,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((role = 'official') = (region_id IS NOT NULL))
);
CREATE INDEX users_region_idx ON users (region_id);

-- Server-side sessions (tower-sessions records stored as JSON by
-- auth::store), so several instances share them and logout ends them here.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    data        JSONB NOT NULL,
    expiry_date TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry_date);

-- Login attempts, for throttling per account and per address.
CREATE TABLE login_attempts (
    id         BIGSERIAL PRIMARY KEY,
    username   TEXT NOT NULL,
    address    TEXT NOT NULL,
    succeeded  BOOLEAN NOT NULL,
    at         TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_username_idx ON login_attempts (username, at);
CREATE INDEX login_attempts_address_idx ON login_attempts (address, at);

-- Standard versions: the rule book as data (STANDARDS.md §2). A version is
-- identified by (code, version); its definition is the engine's JSON.
CREATE TABLE standards (
    id             BIGSERIAL PRIMARY KEY,
    code           TEXT NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{0,31}$'),
    version        INTEGER NOT NULL CHECK (version >= 1),
    name_zh        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    effective_from DATE,
    definition     JSONB NOT NULL,
    -- SHA-256 of the canonical definition: start-up compares built-in files
    -- against it so that a used version can never change silently.
    content_hash   TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'published', 'active')),
    builtin        BOOLEAN NOT NULL DEFAULT false,
    created_by     BIGINT REFERENCES users (id),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    activated_at   TIMESTAMPTZ,
    UNIQUE (code, version)
);
-- Exactly one active version in the whole system (at most one here; the
-- application keeps at least one).
CREATE UNIQUE INDEX standards_one_active ON standards ((true)) WHERE status = 'active';

-- Town proposals: every field of STANDARDS.md §1 as a typed column. Nullable
-- because drafts may be saved incomplete; submission validates completeness.
CREATE TABLE proposals (
    id                               BIGSERIAL PRIMARY KEY,
    region_id                        BIGINT NOT NULL REFERENCES regions (id),
    name                             TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    developer                        TEXT CHECK (char_length(developer) <= 200),
    industry                         TEXT CHECK (industry IN ('information_economy', 'environmental_protection', 'health',
                                         'tourism', 'fashion', 'finance', 'high_end_equipment', 'historic_classic', 'other')),
    classic_trade                    TEXT CHECK (classic_trade IN ('tea', 'silk', 'yellow_wine', 'chinese_medicine', 'celadon',
                                         'wood_carving', 'root_carving', 'stone_carving', 'study_treasures', 'sword')),
    location                         TEXT CHECK (location IN ('urban_rural_fringe', 'independent', 'built_up_center')),
    accelerated_county               BOOLEAN NOT NULL DEFAULT false,
    planned_area_km2                 NUMERIC(8, 4) CHECK (planned_area_km2 > 0 AND planned_area_km2 <= 1000),
    built_area_km2                   NUMERIC(8, 4) CHECK (built_area_km2 > 0 AND built_area_km2 <= 1000),
    investment_total_yi              NUMERIC(10, 4) CHECK (investment_total_yi BETWEEN 0 AND 100000),
    investment_residential_yi        NUMERIC(10, 4) CHECK (investment_residential_yi BETWEEN 0 AND 100000),
    investment_commercial_complex_yi NUMERIC(10, 4) CHECK (investment_commercial_complex_yi BETWEEN 0 AND 100000),
    investment_characteristic_yi     NUMERIC(10, 4) CHECK (investment_characteristic_yi BETWEEN 0 AND 100000),
    -- Three (five for an accelerated county) yearly amounts; NULL elements
    -- are years a draft has not filled yet.
    investment_by_year_yi            NUMERIC(10, 4)[] CHECK (cardinality(investment_by_year_yi) <= 5),
    functions_industry               BOOLEAN NOT NULL DEFAULT false,
    functions_culture                BOOLEAN NOT NULL DEFAULT false,
    functions_tourism                BOOLEAN NOT NULL DEFAULT false,
    functions_community              BOOLEAN NOT NULL DEFAULT false,
    functions_public_service_app     BOOLEAN NOT NULL DEFAULT false,
    functions_town_living_room       BOOLEAN NOT NULL DEFAULT false,
    functions_scenic_level           SMALLINT CHECK (functions_scenic_level BETWEEN 0 AND 5),
    functions_wifi_coverage_pct      NUMERIC(5, 2) CHECK (functions_wifi_coverage_pct BETWEEN 0 AND 100),
    functions_digital_management_pct NUMERIC(5, 2) CHECK (functions_digital_management_pct BETWEEN 0 AND 100),
    benefits_new_tax_wan             NUMERIC(12, 2) CHECK (benefits_new_tax_wan BETWEEN 0 AND 1000000000),
    benefits_jobs                    INTEGER CHECK (benefits_jobs >= 0),
    benefits_annual_visitors         INTEGER CHECK (benefits_annual_visitors >= 0),
    benefits_enterprises             INTEGER CHECK (benefits_enterprises >= 0),
    benefits_talents                 INTEGER CHECK (benefits_talents >= 0),
    green_coverage_pct               NUMERIC(5, 2) CHECK (green_coverage_pct BETWEEN 0 AND 100),
    residential_land_pct             NUMERIC(5, 2) CHECK (residential_land_pct BETWEEN 0 AND 100),
    labour_productivity_wan          NUMERIC(12, 2) CHECK (labour_productivity_wan BETWEEN 0 AND 1000000000),
    new_economy_share_pct            NUMERIC(5, 2) CHECK (new_economy_share_pct BETWEEN 0 AND 100),
    rd_intensity_pct                 NUMERIC(5, 2) CHECK (rd_intensity_pct BETWEEN 0 AND 100),
    status                           TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'returned',
                                         'approved', 'rejected', 'withdrawn', 'listed',
                                         'named', 'not_named', 'demoted', 'removed')),
    -- Optimistic locking: every change increments it; a save must name the
    -- version it was edited from.
    version                          INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    -- How many times it has been submitted (each submission is a revision).
    revision                         INTEGER NOT NULL DEFAULT 0 CHECK (revision >= 0),
    created_by                       BIGINT NOT NULL REFERENCES users (id),
    updated_by                       BIGINT NOT NULL REFERENCES users (id),
    created_at                       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                       TIMESTAMPTZ NOT NULL DEFAULT now(),
    submitted_at                     TIMESTAMPTZ,
    CHECK (built_area_km2 IS NULL OR planned_area_km2 IS NULL OR built_area_km2 <= planned_area_km2),
    CHECK (classic_trade IS NULL OR industry = 'historic_classic')
);
CREATE INDEX proposals_region_idx ON proposals (region_id, updated_at DESC);
CREATE INDEX proposals_status_idx ON proposals (status, submitted_at DESC);
CREATE INDEX proposals_industry_idx ON proposals (industry);

-- Evaluations are immutable records: the standard version, the proposal
-- exactly as evaluated and every finding, so a report reads the same years later.
CREATE TABLE evaluations (
    id                BIGSERIAL PRIMARY KEY,
    proposal_id       BIGINT NOT NULL REFERENCES proposals (id),
    proposal_revision INTEGER NOT NULL,
    standard_id       BIGINT NOT NULL REFERENCES standards (id),
    standard_code     TEXT NOT NULL,
    standard_version  INTEGER NOT NULL,
    snapshot          JSONB NOT NULL,
    -- The engine's structured findings, and the same rendered in both
    -- languages as they were shown: a later change of wording never alters
    -- an old report.
    findings          JSONB NOT NULL,
    rendered          JSONB NOT NULL,
    overall           TEXT NOT NULL CHECK (overall IN ('pass', 'pass_with_warnings', 'fail')),
    created_by        BIGINT REFERENCES users (id),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX evaluations_proposal_idx ON evaluations (proposal_id, id DESC);
CREATE INDEX evaluations_standard_idx ON evaluations (standard_id);

-- Reviewers' decisions, with any findings they overrode and why.
CREATE TABLE reviews (
    id            BIGSERIAL PRIMARY KEY,
    proposal_id   BIGINT NOT NULL REFERENCES proposals (id),
    evaluation_id BIGINT REFERENCES evaluations (id),
    reviewer_id   BIGINT NOT NULL REFERENCES users (id),
    decision      TEXT NOT NULL CHECK (decision IN ('approve', 'reject', 'return')),
    comment       TEXT NOT NULL DEFAULT '' CHECK (char_length(comment) <= 5000),
    overrides     JSONB NOT NULL DEFAULT '[]',
    final_overall TEXT CHECK (final_overall IN ('pass', 'pass_with_warnings', 'fail')),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX reviews_proposal_idx ON reviews (proposal_id, id DESC);

-- Batches of the creation list. A list batch adds approved towns; a
-- withdrawal batch removes towns of an earlier published batch.
CREATE TABLE batches (
    id                  BIGSERIAL PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN ('list', 'withdrawal')),
    title               TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    introduction        TEXT NOT NULL DEFAULT '' CHECK (char_length(introduction) <= 10000),
    withdraws_batch_id  BIGINT REFERENCES batches (id),
    status              TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    content_hash        TEXT,
    published_at        TIMESTAMPTZ,
    published_by        BIGINT REFERENCES users (id),
    created_by          BIGINT NOT NULL REFERENCES users (id),
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((kind = 'withdrawal') = (withdraws_batch_id IS NOT NULL)),
    CHECK ((status = 'published') = (published_at IS NOT NULL AND content_hash IS NOT NULL))
);
CREATE INDEX batches_published_idx ON batches (published_at DESC) WHERE status = 'published';

CREATE TABLE batch_entries (
    id             BIGSERIAL PRIMARY KEY,
    batch_id       BIGINT NOT NULL REFERENCES batches (id),
    proposal_id    BIGINT NOT NULL REFERENCES proposals (id),
    -- The evaluation the town was approved on, frozen with the final
    -- verdicts at publication.
    evaluation_id  BIGINT REFERENCES evaluations (id),
    position       INTEGER NOT NULL DEFAULT 0,
    final_overall  TEXT CHECK (final_overall IN ('pass', 'pass_with_warnings', 'fail')),
    final_findings JSONB,
    -- For withdrawal batches: why the town is removed.
    reason         TEXT NOT NULL DEFAULT '' CHECK (char_length(reason) <= 5000),
    UNIQUE (batch_id, proposal_id)
);
CREATE INDEX batch_entries_proposal_idx ON batch_entries (proposal_id);

-- Append-only audit trail: every state change writes one row in the same
-- transaction as the change.
CREATE TABLE audit_log (
    id        BIGSERIAL PRIMARY KEY,
    actor_id  BIGINT REFERENCES users (id),
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id BIGINT,
    before    JSONB,
    after     JSONB,
    at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC);

-- The audit log and evaluations are records: refuse changes in SQL too, so
-- that no code path (or hand-typed statement) can rewrite history.
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER audit_log_immutable BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER evaluations_immutable BEFORE UPDATE OR DELETE ON evaluations
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
