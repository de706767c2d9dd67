-- A built-in standard version is known by the number its file ships with
-- (`shipped_version`), kept beside the number it is stored under. The two
-- are the same unless an installation had already used the number for a
-- version of its own: an admin's copy of the active version takes the next
-- free number, so a new built-in version 5 may find a draft or a published
-- copy numbered 5. The built-in file then takes the next free number and
-- start-up recognises it by (code, shipped_version) ever after
-- (`db::standards::sync_builtin`); the installation's own version keeps its
-- number and its content.
ALTER TABLE standards ADD COLUMN shipped_version INTEGER CHECK (shipped_version >= 1);
UPDATE standards SET shipped_version = version WHERE builtin;
-- Fire the triggers the update queued (deferred ones) now: ALTER TABLE
-- refuses a table with pending trigger events, and an installation with
-- built-in rows has them.
SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE standards ADD CONSTRAINT standards_shipped_builtin CHECK (builtin = (shipped_version IS NOT NULL));
CREATE UNIQUE INDEX standards_shipped ON standards (code, shipped_version) WHERE builtin;

-- The guard of migration 20261124000200, with the new column among what
-- never changes once a version is used or published.
CREATE OR REPLACE FUNCTION standards_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
        OR NEW.builtin IS DISTINCT FROM OLD.builtin
        OR NEW.shipped_version IS DISTINCT FROM OLD.shipped_version THEN
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
