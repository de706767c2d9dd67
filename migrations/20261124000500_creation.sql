-- The creation system (issue 11, STANDARDS.md §5): what happens to a town
-- after it is listed. Officials report each year's actual figures; reviewers
-- confirm (or change, with a reason) the suggested annual grade and decide
-- acceptance (named or not); admins publish each year's grades and the named
-- list. Only published rows are public. Every change writes an audit row in
-- the same transaction (services::creation).

-- Published result lists: a year's grades, or the named towns of a year.
-- A published list never changes.
CREATE TABLE creation_lists (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('grades', 'named')),
    year         INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    published_by BIGINT NOT NULL REFERENCES users (id),
    published_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (kind, year)
);
CREATE TRIGGER creation_lists_immutable BEFORE UPDATE OR DELETE ON creation_lists
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- A listed town's actual figures of one calendar year, typed as the
-- proposal's columns. `version` for optimistic locking; a report is editable
-- while `submitted` and frozen once its grade is confirmed (`assessed`).
CREATE TABLE annual_reports (
    id                               BIGSERIAL PRIMARY KEY,
    proposal_id                      BIGINT NOT NULL REFERENCES proposals (id),
    year                             INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    investment_total_yi              NUMERIC(12, 4) NOT NULL CHECK (investment_total_yi >= 0),
    investment_residential_yi        NUMERIC(12, 4) NOT NULL CHECK (investment_residential_yi >= 0),
    investment_commercial_complex_yi NUMERIC(12, 4) NOT NULL CHECK (investment_commercial_complex_yi >= 0),
    investment_characteristic_yi     NUMERIC(12, 4) NOT NULL CHECK (investment_characteristic_yi >= 0),
    land_used_mu                     NUMERIC(12, 4) NOT NULL CHECK (land_used_mu >= 0),
    new_tax_wan                      NUMERIC(14, 2) NOT NULL CHECK (new_tax_wan >= 0),
    jobs                             INTEGER NOT NULL CHECK (jobs >= 0),
    annual_visitors                  INTEGER NOT NULL CHECK (annual_visitors >= 0),
    enterprises                      INTEGER NOT NULL CHECK (enterprises >= 0),
    public_service_app               BOOLEAN NOT NULL,
    town_living_room                 BOOLEAN NOT NULL,
    scenic_level                     SMALLINT NOT NULL CHECK (scenic_level BETWEEN 0 AND 5),
    wifi_coverage_pct                NUMERIC(5, 2) NOT NULL CHECK (wifi_coverage_pct BETWEEN 0 AND 100),
    digital_management_pct           NUMERIC(5, 2) NOT NULL CHECK (digital_management_pct BETWEEN 0 AND 100),
    status                           TEXT NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'assessed')),
    version                          INTEGER NOT NULL DEFAULT 1,
    created_by                       BIGINT NOT NULL REFERENCES users (id),
    created_at                       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                       TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (proposal_id, year)
);

-- The grade of one report: the system's suggestion (with the indicators it
-- was computed from) and the reviewer's final grade and reason. `list_id` is
-- set when the year's grades are published.
CREATE TABLE assessments (
    id              BIGSERIAL PRIMARY KEY,
    report_id       BIGINT NOT NULL UNIQUE REFERENCES annual_reports (id),
    proposal_id     BIGINT NOT NULL REFERENCES proposals (id),
    year            INTEGER NOT NULL,
    indicators      JSONB NOT NULL,
    suggested_grade TEXT NOT NULL CHECK (suggested_grade IN ('excellent', 'good', 'pass', 'warning', 'demoted')),
    final_grade     TEXT NOT NULL CHECK (final_grade IN ('excellent', 'good', 'pass', 'warning', 'demoted')),
    reason          TEXT NOT NULL DEFAULT '' CHECK (char_length(reason) <= 2000),
    -- A changed grade needs its reason.
    CHECK (final_grade = suggested_grade OR char_length(btrim(reason)) > 0),
    reviewer_id     BIGINT NOT NULL REFERENCES users (id),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    list_id         BIGINT REFERENCES creation_lists (id)
);
CREATE INDEX assessments_year_idx ON assessments (year, list_id);
CREATE INDEX assessments_proposal_idx ON assessments (proposal_id, year);

-- Acceptance (验收命名): one decision per town, with the as-built evaluation
-- it was made on and the settlement (reward or deduction) it implies.
CREATE TABLE acceptances (
    id          BIGSERIAL PRIMARY KEY,
    proposal_id BIGINT NOT NULL UNIQUE REFERENCES proposals (id),
    named       BOOLEAN NOT NULL,
    reason      TEXT NOT NULL DEFAULT '' CHECK (char_length(reason) <= 2000),
    as_built    JSONB NOT NULL,
    settlement  JSONB NOT NULL,
    land_quota_mu   NUMERIC(14, 4) NOT NULL,
    tax_rebate_wan  NUMERIC(16, 4) NOT NULL,
    reviewer_id BIGINT NOT NULL REFERENCES users (id),
    decided_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    list_id     BIGINT REFERENCES creation_lists (id)
);
