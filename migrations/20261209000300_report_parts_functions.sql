-- The parts of a report that most proposals do not have yet: the
-- overrides in force on an evaluation, the self-assessment submitted with
-- it, and the decisions on a proposal. For the reason given in
-- `20261209000200_frozen_files_functions.sql` (a sub-query is started
-- with its statement, needed or not), the report's statement calls these
-- only when an index probe finds something to read; the statements that
-- read one part alone call them too, so each is written once.

-- The latest override per criterion, by criterion.
CREATE FUNCTION overrides_in_force(evaluation BIGINT) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT COALESCE(json_agg(o), '[]')
            FROM (SELECT DISTINCT ON (o.criterion) o.id, o.evaluation_id, o.criterion, o.final_verdict,
                         o.reason, o.reviewer_id, u.display_name AS reviewer_name, o.created_at
                  FROM finding_overrides o JOIN users u ON u.id = o.reviewer_id
                  WHERE o.evaluation_id = evaluation ORDER BY o.criterion, o.id DESC) o);
END
$$;

-- Points as text: JSON numbers would pass through binary floating point.
CREATE FUNCTION submitted_judgements(evaluation BIGINT) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT COALESCE(json_agg(json_build_object('line_code', j.line_code, 'points', j.points::text,
                                     'veto', j.veto, 'comment', j.comment)), '[]')
            FROM submitted_self_assessments j WHERE j.evaluation_id = evaluation);
END
$$;

-- Newest first.
CREATE FUNCTION proposal_decisions(proposal BIGINT) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT COALESCE(json_agg(d ORDER BY d.id DESC), '[]')
            FROM (SELECT v.id, v.proposal_id, v.evaluation_id, u.display_name AS reviewer_name, v.decision,
                         v.comment, v.overrides, v.final_overall, v.created_at
                  FROM reviews v JOIN users u ON u.id = v.reviewer_id
                  WHERE v.proposal_id = proposal) d);
END
$$;
