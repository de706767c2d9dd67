-- A standard version that an evaluation used never changes (STANDARDS.md §2),
-- and only drafts are edited at all. The application checks both before it
-- writes; this trigger refuses the same in SQL, so that no code path and no
-- hand-typed statement can rewrite a rule book that a report was based on.
--
-- What may change on a used or non-draft row: its status (draft → published
-- → active → published) and the activation's date and time. Its content —
-- code, version, names, definition, content hash — may not.

CREATE FUNCTION standards_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' OR EXISTS (SELECT 1 FROM evaluations WHERE standard_id = OLD.id) THEN
            RAISE EXCEPTION 'standard % version % is not a draft or is used by evaluations; it cannot be deleted',
                OLD.code, OLD.version USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.code IS DISTINCT FROM OLD.code
        OR NEW.version IS DISTINCT FROM OLD.version
        OR NEW.name_zh IS DISTINCT FROM OLD.name_zh
        OR NEW.name_en IS DISTINCT FROM OLD.name_en
        OR NEW.definition IS DISTINCT FROM OLD.definition
        OR NEW.content_hash IS DISTINCT FROM OLD.content_hash
        OR NEW.builtin IS DISTINCT FROM OLD.builtin THEN
        IF EXISTS (SELECT 1 FROM evaluations WHERE standard_id = OLD.id) THEN
            RAISE EXCEPTION 'standard % version % is used by evaluations; its content never changes',
                OLD.code, OLD.version USING ERRCODE = 'restrict_violation';
        END IF;
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'standard % version % is %; only drafts are edited',
                OLD.code, OLD.version, OLD.status USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    -- A version once published never goes back to draft.
    IF OLD.status <> 'draft' AND NEW.status = 'draft' THEN
        RAISE EXCEPTION 'standard % version % cannot return to draft', OLD.code, OLD.version
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER standards_guard BEFORE UPDATE OR DELETE ON standards
    FOR EACH ROW EXECUTE FUNCTION standards_guard();

