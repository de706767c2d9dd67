-- An expert's to-do count (the navigation's 待办, read with the session):
-- the proposals assigned to them, not recused or declined, at the expert
-- stage, whose latest score sheet is not submitted. It replaces the
-- placeholder of 20261208200000, written before the expert review's tables.
CREATE OR REPLACE FUNCTION todo_count_expert(uid BIGINT) RETURNS BIGINT LANGUAGE sql STABLE AS $$
    SELECT count(*)
    FROM expert_assignments a
    JOIN experts x ON x.id = a.expert_id
    JOIN proposals p ON p.id = a.proposal_id
    WHERE x.user_id = uid AND a.recusal IS NULL AND NOT a.declined AND p.stage = 'expert'
      AND NOT EXISTS (
          SELECT 1 FROM score_sheets s
          WHERE s.proposal_id = a.proposal_id AND s.expert_id = a.expert_id AND s.submitted_at IS NOT NULL
            AND s.version = (SELECT max(s2.version) FROM score_sheets s2
                             WHERE s2.proposal_id = a.proposal_id AND s2.expert_id = a.expert_id))
$$;
