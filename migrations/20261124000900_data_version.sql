-- One number that grows whenever a transaction that changed anything a page
-- shows commits. Pages rendered for a signed-in user are kept in memory under
-- it (src/page_cache.rs): a request reads it with its session, in the same
-- statement, and a page kept under an older number is never served again.
--
-- The bump is a deferred constraint trigger, so it runs at commit, after
-- every other lock the transaction takes: a transaction waiting for this row
-- holds nothing another one waits for (no deadlock), and the new number
-- becomes visible in the same instant as the change itself, on every server
-- sharing the database.
CREATE TABLE data_version (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    version   BIGINT NOT NULL
);
INSERT INTO data_version (version) VALUES (1);

CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction, however many rows it changed (a bulk import
    -- queues one event per row).
    IF current_setting('xiaozhen.data_version_bumped', TRUE) IS DISTINCT FROM 'yes' THEN
        UPDATE data_version SET version = version + 1;
        PERFORM set_config('xiaozhen.data_version_bumped', 'yes', TRUE);
    END IF;
    RETURN NULL;
END;
$$;

-- Every table but the sessions' own bookkeeping. A table added later needs
-- the same trigger: tests/api/page_cache.rs fails for one without it.
DO $$
DECLARE t TEXT;
BEGIN
    FOR t IN
        SELECT tablename FROM pg_tables
        WHERE schemaname = current_schema()
          AND tablename NOT IN ('sessions', 'login_attempts', 'data_version', '_sqlx_migrations')
        ORDER BY tablename
    LOOP
        EXECUTE format(
            'CREATE CONSTRAINT TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE ON %I
                 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version()', t);
        -- TRUNCATE fires no row trigger.
        EXECUTE format(
            'CREATE TRIGGER data_truncated AFTER TRUNCATE ON %I
                 FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t);
    END LOOP;
END;
$$;
