-- A county's self-assessment (自评) of its proposal on the creation-review
-- scoring table of the standard it will be submitted under: one row per
-- judged line, points for a judged line or yes/no for a judged veto, with a
-- comment. Editable while the proposal is a draft or returned.
CREATE TABLE self_assessments (
    proposal_id BIGINT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    line_code   TEXT NOT NULL CHECK (length(line_code) BETWEEN 1 AND 100),
    points      NUMERIC CHECK (points >= 0),
    veto        BOOLEAN,
    comment     TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    updated_by  BIGINT NOT NULL REFERENCES users (id),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (proposal_id, line_code),
    -- A line is either points or a veto answer; a comment may come first.
    CHECK (points IS NULL OR veto IS NULL)
);

-- The self-assessment as submitted, frozen with the evaluation of that
-- submission: a record, never changed (like the evaluation itself).
CREATE TABLE submitted_self_assessments (
    evaluation_id BIGINT NOT NULL REFERENCES evaluations (id),
    line_code     TEXT NOT NULL,
    points        NUMERIC,
    veto          BOOLEAN,
    comment       TEXT NOT NULL,
    PRIMARY KEY (evaluation_id, line_code)
);
CREATE TRIGGER submitted_self_assessments_immutable BEFORE UPDATE OR DELETE ON submitted_self_assessments
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE CONSTRAINT TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE ON self_assessments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_truncated AFTER TRUNCATE ON self_assessments
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE CONSTRAINT TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE ON submitted_self_assessments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_truncated AFTER TRUNCATE ON submitted_self_assessments
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
