-- The to-do count read with every session (src/db/sessions.rs) as one
-- PL/pgSQL function. The SQL functions it replaces were not inlined (a
-- CASE over calls to functions holding subqueries), so PostgreSQL planned
-- their bodies again on every call: the session's statement took 260 µs
-- instead of 90 µs, on every page of a signed-in user (issue 19). PL/pgSQL
-- keeps each query's plan for the connection's life. The counts are those
-- of 20261208200000 and 20261208510000, unchanged; the lists behind them
-- are src/db/todo.rs, to be kept in step.

CREATE OR REPLACE FUNCTION todo_count(uid BIGINT, role TEXT, region BIGINT) RETURNS BIGINT
LANGUAGE plpgsql STABLE AS $$
DECLARE
    n BIGINT;
BEGIN
    CASE role
    WHEN 'official' THEN
        -- Their region's returned proposals, plus each open round whose
        -- deadline falls within 3 days while the region has drafts.
        SELECT count(*) INTO n FROM proposals WHERE region_id = region AND status = 'returned';
        IF EXISTS (SELECT 1 FROM proposals WHERE region_id = region AND status = 'draft') THEN
            n := n + (SELECT count(*) FROM rounds
                      WHERE closed_at IS NULL AND deadline >= now() AND deadline <= now() + interval '3 days');
        END IF;
        RETURN n;
    WHEN 'city' THEN
        -- Their counties' proposals waiting for the city's recommendation
        -- in open rounds.
        RETURN (SELECT count(*) FROM proposals p
                JOIN regions r ON r.id = p.region_id
                JOIN rounds ro ON ro.id = p.round_id
                WHERE p.stage = 'city' AND r.parent_id = region AND ro.closed_at IS NULL);
    WHEN 'reviewer' THEN
        -- Formal checks and decisions: every submitted proposal except
        -- those at the city or expert stage.
        RETURN GREATEST(0,
            COALESCE((SELECT c.n FROM review_counters c WHERE c.key = 'status:submitted'), 0)
            - (SELECT count(*) FROM proposals WHERE stage IN ('city', 'expert')));
    WHEN 'admin' THEN
        -- Objections to handle and counties without a city.
        RETURN (SELECT count(*) FROM objections WHERE status = 'open')
             + (SELECT count(*) FROM regions WHERE kind = 'county' AND parent_id IS NULL);
    WHEN 'expert' THEN
        -- The proposals assigned to them, not recused or declined, at the
        -- expert stage, whose latest score sheet is not submitted.
        RETURN (SELECT count(*)
            FROM expert_assignments a
            JOIN experts x ON x.id = a.expert_id
            JOIN proposals p ON p.id = a.proposal_id
            WHERE x.user_id = uid AND a.recusal IS NULL AND NOT a.declined AND p.stage = 'expert'
              AND NOT EXISTS (
                  SELECT 1 FROM score_sheets s
                  WHERE s.proposal_id = a.proposal_id AND s.expert_id = a.expert_id
                    AND s.submitted_at IS NOT NULL
                    AND s.version = (SELECT max(s2.version) FROM score_sheets s2
                                     WHERE s2.proposal_id = a.proposal_id AND s2.expert_id = a.expert_id)));
    ELSE
        RETURN 0;
    END CASE;
END
$$;

DROP FUNCTION todo_count_official(BIGINT);
DROP FUNCTION todo_count_city(BIGINT);
DROP FUNCTION todo_count_reviewer();
DROP FUNCTION todo_count_admin();
DROP FUNCTION todo_count_expert(BIGINT);
