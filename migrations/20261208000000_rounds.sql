-- Review as provinces run it (DESIGN.md "Review as provinces run it"): the
-- region tree, the city and expert roles, rounds and a proposal's stage in
-- its round. Existing data becomes one round with every extra stage off:
-- today's single-reviewer path.

-- Regions form a tree: the province is the deployment, cities (地级市) are
-- roots, counties hang under a city. A county without a city is allowed
-- (the admin's home lists it as needing one) and skips the city stage.
ALTER TABLE regions
    ADD COLUMN kind TEXT NOT NULL DEFAULT 'county' CHECK (kind IN ('city', 'county')),
    ADD COLUMN parent_id BIGINT REFERENCES regions (id),
    ADD CONSTRAINT regions_city_is_root CHECK (kind = 'county' OR parent_id IS NULL);
CREATE INDEX regions_parent_idx ON regions (parent_id);

-- A county's parent must be a city; a city with counties stays a city.
CREATE FUNCTION regions_tree_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.parent_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM regions WHERE id = NEW.parent_id AND kind = 'city'
    ) THEN
        RAISE EXCEPTION 'a county''s parent must be a city' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.kind = 'county' AND EXISTS (SELECT 1 FROM regions WHERE parent_id = NEW.id) THEN
        RAISE EXCEPTION 'a region with counties must stay a city' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER regions_tree_guard BEFORE INSERT OR UPDATE ON regions
    FOR EACH ROW EXECUTE FUNCTION regions_tree_guard();

-- Two new roles. A `city` user acts for one city region; an expert's home
-- region (for conflicts of interest) lives with the expert's pool record,
-- so experts, reviewers and admins have no region here.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users DROP CONSTRAINT users_check;
ALTER TABLE users
    ADD CONSTRAINT users_role_check CHECK (role IN ('official', 'reviewer', 'admin', 'city', 'expert')),
    ADD CONSTRAINT users_region_by_role CHECK ((role IN ('official', 'city')) = (region_id IS NOT NULL));

-- An official's region is a county, a city user's a city.
CREATE FUNCTION users_region_kind_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.region_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM regions
        WHERE id = NEW.region_id
          AND kind = CASE NEW.role WHEN 'city' THEN 'city' ELSE 'county' END
    ) THEN
        RAISE EXCEPTION 'the region does not fit the role' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER users_region_kind_guard BEFORE INSERT OR UPDATE OF role, region_id ON users
    FOR EACH ROW EXECUTE FUNCTION users_region_kind_guard();

-- A round (申报批次): its deadline, the standard version and scoring table
-- its submissions are evaluated under, and which stages are on. Several may
-- be open at once.
CREATE TABLE rounds (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE CHECK (char_length(btrim(name)) BETWEEN 1 AND 100),
    -- NULL: no deadline (the round that holds the single-reviewer path).
    deadline      TIMESTAMPTZ,
    -- NULL: the active version at the time of each submission.
    standard_id   BIGINT REFERENCES standards (id),
    -- The code of a scoring table in that version's data; NULL: none.
    scoring_table TEXT CHECK (scoring_table ~ '^[a-z0-9_]{1,40}$'),
    city_stage    BOOLEAN NOT NULL DEFAULT false,
    formal_stage  BOOLEAN NOT NULL DEFAULT false,
    expert_stage  BOOLEAN NOT NULL DEFAULT false,
    notice_stage  BOOLEAN NOT NULL DEFAULT false,
    -- How many proposals each city may recommend; NULL: no quota.
    city_quota    INTEGER CHECK (city_quota BETWEEN 1 AND 1000),
    -- The round that holds proposals submitted without choosing one; at
    -- most one.
    is_default    BOOLEAN NOT NULL DEFAULT false,
    closed_at     TIMESTAMPTZ,
    created_by    BIGINT REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (scoring_table IS NULL OR standard_id IS NOT NULL)
);
CREATE UNIQUE INDEX rounds_one_default ON rounds ((true)) WHERE is_default;

INSERT INTO rounds (name, is_default) VALUES ('常规评审', true);

-- A proposal enters one round at its first submission and stays in it.
-- While it is submitted, `stage` says where in the round it is; it is NULL
-- for drafts and after the decision.
ALTER TABLE proposals
    ADD COLUMN round_id BIGINT REFERENCES rounds (id),
    ADD COLUMN stage TEXT CHECK (stage IN ('city', 'formal', 'expert', 'joint')),
    ADD CONSTRAINT proposals_stage_when_submitted CHECK (stage IS NULL OR status = 'submitted');

-- Leaving `submitted` (a decision, a return, a withdrawal) ends the stage,
-- whichever path made the change.
CREATE FUNCTION proposals_stage_ends() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'submitted' THEN
        NEW.stage := NULL;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER proposals_stage_ends BEFORE UPDATE OF status ON proposals
    FOR EACH ROW EXECUTE FUNCTION proposals_stage_ends();

UPDATE proposals
SET round_id = (SELECT id FROM rounds WHERE is_default),
    stage = CASE WHEN status = 'submitted' THEN 'joint' END
WHERE status <> 'draft' OR submitted_at IS NOT NULL;
-- Fire the deferred data_version triggers now, so later DDL in this
-- transaction is allowed on a database that holds data.
SET CONSTRAINTS ALL IMMEDIATE;

CREATE INDEX proposals_round_stage_idx ON proposals (round_id, stage) WHERE stage IS NOT NULL;

-- The city's recommendation of a proposal in its round: an opinion and a
-- rank among the city's recommendations (1 = first). A proposal the city
-- does not recommend is returned to its county instead.
CREATE TABLE city_recommendations (
    proposal_id BIGINT PRIMARY KEY REFERENCES proposals (id),
    round_id    BIGINT NOT NULL REFERENCES rounds (id),
    city_id     BIGINT NOT NULL REFERENCES regions (id),
    rank        INTEGER NOT NULL CHECK (rank BETWEEN 1 AND 1000),
    opinion     TEXT NOT NULL CHECK (char_length(btrim(opinion)) BETWEEN 1 AND 2000),
    decided_by  BIGINT NOT NULL REFERENCES users (id),
    decided_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (round_id, city_id, rank) DEFERRABLE INITIALLY IMMEDIATE
);

-- Pages show these tables: their writes empty the page cache like every
-- table's.
DO $$
DECLARE t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['rounds', 'city_recommendations'] LOOP
        EXECUTE format(
            'CREATE CONSTRAINT TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE ON %I
                 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version()', t);
        EXECUTE format(
            'CREATE TRIGGER data_truncated AFTER TRUNCATE ON %I
                 FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t);
    END LOOP;
END;
$$;
