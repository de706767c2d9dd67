-- Expert review (DESIGN.md "Experts" and "Aggregation"): the pool of
-- experts, the panels drawn for a round, each proposal's assigned experts
-- with their recusals, the experts' signed score sheets, the chair's notes
-- on the flags, and the panel's result frozen when the chair closes the
-- expert stage of a proposal.

-- The pool: one row per expert account (role `expert`), with the field in
-- which the expert sits on a panel, the employer and the home region that
-- conflicts of interest are read from. An inactive expert is never drawn.
CREATE TABLE experts (
    id             BIGSERIAL PRIMARY KEY,
    user_id        BIGINT NOT NULL UNIQUE REFERENCES users (id),
    field          TEXT NOT NULL CHECK (field IN ('planning', 'industry', 'authority', 'research', 'tourism', 'other')),
    employer       TEXT NOT NULL CHECK (char_length(btrim(employer)) BETWEEN 1 AND 200),
    home_region_id BIGINT REFERENCES regions (id),
    active         BOOLEAN NOT NULL DEFAULT true,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A panel of a round (or of a group of its proposals): the parameters the
-- admin set, and what replays the draw — the 32-byte seed, the algorithm's
-- version and the ordered candidate list (expert ids with their fields as
-- they were at the draw). `next_stream` numbers the replacement draws.
CREATE TABLE panels (
    id               BIGSERIAL PRIMARY KEY,
    round_id         BIGINT NOT NULL REFERENCES rounds (id),
    name             TEXT NOT NULL CHECK (char_length(btrim(name)) BETWEEN 1 AND 100),
    size             INTEGER NOT NULL CHECK (size BETWEEN 3 AND 9),
    mix              JSONB NOT NULL,
    min_scorers      INTEGER NOT NULL CHECK (min_scorers BETWEEN 3 AND 9),
    due_at           TIMESTAMPTZ,
    seed             BYTEA NOT NULL CHECK (octet_length(seed) = 32),
    algorithm        TEXT NOT NULL,
    candidates       BIGINT[] NOT NULL,
    candidate_fields TEXT[] NOT NULL CHECK (cardinality(candidate_fields) = cardinality(candidates)),
    next_stream      BIGINT NOT NULL DEFAULT 1,
    drawn_by         BIGINT NOT NULL REFERENCES users (id),
    drawn_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (round_id, name)
);

-- The proposals a panel scores: each proposal is scored by one panel.
CREATE TABLE panel_proposals (
    proposal_id BIGINT PRIMARY KEY REFERENCES proposals (id),
    panel_id    BIGINT NOT NULL REFERENCES panels (id)
);
CREATE INDEX panel_proposals_panel_idx ON panel_proposals (panel_id);

-- A panel's seats in the order drawn. `proposal_id` is set for a seat drawn
-- to replace a recused expert for that proposal only; `replaces` names the
-- seat a replacement stands for; a declined seat keeps its row.
CREATE TABLE panel_seats (
    id             BIGSERIAL PRIMARY KEY,
    panel_id       BIGINT NOT NULL REFERENCES panels (id),
    position       INTEGER NOT NULL,
    expert_id      BIGINT NOT NULL REFERENCES experts (id),
    field          TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('drawn', 'decline_replacement', 'conflict_replacement')),
    stream         BIGINT,
    proposal_id    BIGINT REFERENCES proposals (id),
    replaces       BIGINT REFERENCES panel_seats (id),
    declined_at    TIMESTAMPTZ,
    decline_reason TEXT CHECK (decline_reason IS NULL OR char_length(decline_reason) <= 2000),
    UNIQUE (panel_id, position),
    CHECK ((kind = 'conflict_replacement') = (proposal_id IS NOT NULL)),
    CHECK ((kind = 'drawn') = (stream IS NULL))
);

-- Who scores which proposal. A recused expert keeps the row with the
-- conflict; a declined seat's rows are marked declined.
CREATE TABLE expert_assignments (
    proposal_id  BIGINT NOT NULL REFERENCES proposals (id),
    expert_id    BIGINT NOT NULL REFERENCES experts (id),
    panel_id     BIGINT NOT NULL REFERENCES panels (id),
    seat_id      BIGINT NOT NULL REFERENCES panel_seats (id),
    recusal      TEXT CHECK (recusal IN ('home_region', 'employer', 'declared')),
    recusal_note TEXT NOT NULL DEFAULT '' CHECK (char_length(recusal_note) <= 2000),
    declined     BOOLEAN NOT NULL DEFAULT false,
    assigned_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (proposal_id, expert_id)
);
CREATE INDEX expert_assignments_expert_idx ON expert_assignments (expert_id);

-- An expert's score sheet of one proposal, by version: version 1, then a
-- correction (or a re-score the chair asked for) with its reason. Once
-- submitted it is signed — who, when, the SHA-256 of its canonical
-- content — and never changes.
CREATE TABLE score_sheets (
    id           BIGSERIAL PRIMARY KEY,
    proposal_id  BIGINT NOT NULL REFERENCES proposals (id),
    expert_id    BIGINT NOT NULL REFERENCES experts (id),
    version      INTEGER NOT NULL CHECK (version >= 1),
    judged       JSONB NOT NULL DEFAULT '{}',
    reason       TEXT NOT NULL DEFAULT '' CHECK (char_length(reason) <= 2000),
    total        NUMERIC,
    sha256       TEXT CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    signed_by    BIGINT REFERENCES users (id),
    submitted_at TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (proposal_id, expert_id, version),
    CHECK (version = 1 OR char_length(btrim(reason)) > 0),
    CHECK ((submitted_at IS NULL) = (sha256 IS NULL) AND (submitted_at IS NULL) = (signed_by IS NULL))
);

CREATE FUNCTION score_sheets_signed_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.submitted_at IS NOT NULL THEN
            RAISE EXCEPTION 'a submitted score sheet is immutable' USING ERRCODE = 'check_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.submitted_at IS NOT NULL THEN
        RAISE EXCEPTION 'a submitted score sheet is immutable' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER score_sheets_signed_guard BEFORE UPDATE OR DELETE ON score_sheets
    FOR EACH ROW EXECUTE FUNCTION score_sheets_signed_guard();

-- The chair's outcome of each flag: a divergent expert (`expert_id`) or a
-- tied veto (`line_code`) — it stands, with the reason, or the expert is
-- asked to score again.
CREATE TABLE chair_notes (
    id          BIGSERIAL PRIMARY KEY,
    proposal_id BIGINT NOT NULL REFERENCES proposals (id),
    kind        TEXT NOT NULL CHECK (kind IN ('divergent', 'veto_tie')),
    expert_id   BIGINT REFERENCES experts (id),
    line_code   TEXT,
    sheet_id    BIGINT REFERENCES score_sheets (id),
    outcome     TEXT NOT NULL CHECK (outcome IN ('stands', 'rescore')),
    reason      TEXT NOT NULL CHECK (char_length(btrim(reason)) BETWEEN 1 AND 2000),
    chair_id    BIGINT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((kind = 'divergent') = (expert_id IS NOT NULL)),
    CHECK ((kind = 'veto_tie') = (line_code IS NOT NULL))
);
CREATE INDEX chair_notes_proposal_idx ON chair_notes (proposal_id);

-- The panel's result of a proposal, frozen when the chair closes its
-- expert stage: the aggregated judgements, the total and maximum on the
-- round's table, the vetoes that hold, and the sheets it rests on.
CREATE TABLE panel_results (
    proposal_id BIGINT PRIMARY KEY REFERENCES proposals (id),
    panel_id    BIGINT NOT NULL REFERENCES panels (id),
    judged      JSONB NOT NULL,
    total       NUMERIC NOT NULL,
    maximum     NUMERIC NOT NULL,
    vetoes      TEXT[] NOT NULL,
    sheet_ids   BIGINT[] NOT NULL,
    closed_by   BIGINT NOT NULL REFERENCES users (id),
    closed_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

DO $$
DECLARE t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['experts', 'panels', 'panel_proposals', 'panel_seats', 'expert_assignments',
                             'score_sheets', 'chair_notes', 'panel_results'] LOOP
        EXECUTE format(
            'CREATE CONSTRAINT TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE ON %I
                 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version()', t);
        EXECUTE format(
            'CREATE TRIGGER data_truncated AFTER TRUNCATE ON %I
                 FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t);
    END LOOP;
END;
$$;
