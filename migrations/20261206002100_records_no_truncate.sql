-- The audit log, evaluations and reviewers' overrides already refuse UPDATE
-- and DELETE row by row; TRUNCATE fires no row trigger, so each also gets a
-- statement trigger with the same message ("audit_log rows are immutable").
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER evaluations_no_truncate BEFORE TRUNCATE ON evaluations
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER finding_overrides_no_truncate BEFORE TRUNCATE ON finding_overrides
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
