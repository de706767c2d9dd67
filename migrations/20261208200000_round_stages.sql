-- The city's and the formal review's acts on a proposal in its round
-- (DESIGN.md "Review as provinces run it"), and the to-do counts shown in
-- the navigation.

-- What the city (pre-review) or a provincial reviewer (formal review) did
-- with a proposal at its stage: passed it on, or returned it to its county
-- with a comment (and, for the formal review, the missing items). The
-- city's recommendation itself (rank and opinion) is `city_recommendations`;
-- this is the record the county reads.
CREATE TABLE stage_actions (
    id          BIGSERIAL PRIMARY KEY,
    proposal_id BIGINT NOT NULL REFERENCES proposals (id),
    round_id    BIGINT NOT NULL REFERENCES rounds (id),
    stage       TEXT NOT NULL CHECK (stage IN ('city', 'formal')),
    outcome     TEXT NOT NULL CHECK (outcome IN ('passed', 'returned')),
    comment     TEXT NOT NULL CHECK (char_length(comment) <= 2000),
    -- For a formal return: the items found missing, as shown (criterion
    -- codes with their labels at the time).
    missing     JSONB NOT NULL DEFAULT '[]'::jsonb,
    acted_by    BIGINT NOT NULL REFERENCES users (id),
    acted_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (outcome = 'passed' OR char_length(btrim(comment)) > 0)
);
CREATE INDEX stage_actions_proposal_idx ON stage_actions (proposal_id, id);

CREATE CONSTRAINT TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE ON stage_actions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_truncated AFTER TRUNCATE ON stage_actions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();

-- Rounds closing soon are looked up by deadline.
CREATE INDEX rounds_open_deadline_idx ON rounds (deadline) WHERE closed_at IS NULL;
-- Officials' returned proposals and drafts, per region.
CREATE INDEX proposals_region_status_idx ON proposals (region_id, status);

-- The to-do count (待办) of a user, read in the statement that loads the
-- session (src/db/sessions.rs), so the navigation's count costs no
-- statement of its own. Each role's count is a few index look-ups or a
-- counter, whatever the number of proposals. The lists behind the counts
-- are src/db/todo.rs; keep the two in step.

-- Officials: their region's returned proposals, plus each open round whose
-- deadline falls within 3 days while the region has drafts.
CREATE FUNCTION todo_count_official(region BIGINT) RETURNS BIGINT LANGUAGE sql STABLE AS $$
    SELECT (SELECT count(*) FROM proposals WHERE region_id = region AND status = 'returned')
         + CASE WHEN EXISTS (SELECT 1 FROM proposals WHERE region_id = region AND status = 'draft')
                THEN (SELECT count(*) FROM rounds
                      WHERE closed_at IS NULL AND deadline >= now() AND deadline <= now() + interval '3 days')
                ELSE 0 END
$$;

-- City users: their counties' proposals waiting for the city's
-- recommendation in open rounds.
CREATE FUNCTION todo_count_city(city BIGINT) RETURNS BIGINT LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM proposals p
    JOIN regions r ON r.id = p.region_id
    JOIN rounds ro ON ro.id = p.round_id
    WHERE p.stage = 'city' AND r.parent_id = city AND ro.closed_at IS NULL
$$;

-- Reviewers: formal checks and decisions, i.e. every submitted proposal
-- except those at the city or expert stage (the submitted count is the
-- queue's counter; the stages are a small partial index).
CREATE FUNCTION todo_count_reviewer() RETURNS BIGINT LANGUAGE sql STABLE AS $$
    SELECT GREATEST(0,
        COALESCE((SELECT n FROM review_counters WHERE key = 'status:submitted'), 0)
        - (SELECT count(*) FROM proposals WHERE stage IN ('city', 'expert')))
$$;

-- Admins: objections to handle and counties without a city.
CREATE FUNCTION todo_count_admin() RETURNS BIGINT LANGUAGE sql STABLE AS $$
    SELECT (SELECT count(*) FROM objections WHERE status = 'open')
         + (SELECT count(*) FROM regions WHERE kind = 'county' AND parent_id IS NULL)
$$;

-- Experts: their assigned proposals. The expert review replaces this
-- function (CREATE OR REPLACE) with its own count.
CREATE FUNCTION todo_count_expert(uid BIGINT) RETURNS BIGINT LANGUAGE sql STABLE AS $$
    SELECT 0::bigint
$$;

CREATE FUNCTION todo_count(uid BIGINT, role TEXT, region BIGINT) RETURNS BIGINT LANGUAGE sql STABLE AS $$
    SELECT CASE role
        WHEN 'official' THEN todo_count_official(region)
        WHEN 'city' THEN todo_count_city(region)
        WHEN 'reviewer' THEN todo_count_reviewer()
        WHEN 'admin' THEN todo_count_admin()
        WHEN 'expert' THEN todo_count_expert(uid)
        ELSE 0 END
$$;
