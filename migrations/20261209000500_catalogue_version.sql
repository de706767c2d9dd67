-- A second number beside data_version that changes only when regions,
-- standards or rounds change: the queue keeps those lists (its filters, and
-- the names of its rows' regions and rounds) in memory under it
-- (src/db/catalogue.rs), so a page rendered fresh after a write elsewhere
-- does not read and sort them again.
--
-- The number is the commit's clock in microseconds, kept above its last
-- value: it only ever grows within one database, and a server that kept
-- the lists of another database (one restored under it) does not take
-- them for this one's.
ALTER TABLE data_version ADD COLUMN catalogue BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION bump_catalogue_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction, as bump_data_version.
    IF current_setting('xiaozhen.catalogue_version_bumped', TRUE) IS DISTINCT FROM 'yes' THEN
        UPDATE data_version
        SET catalogue = GREATEST(catalogue + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);
        PERFORM set_config('xiaozhen.catalogue_version_bumped', 'yes', TRUE);
    END IF;
    RETURN NULL;
END;
$$;

-- Deferred to the commit like data_changed, for the same reason: the row of
-- data_version is locked only after every other lock the transaction takes.
DO $$
DECLARE t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['regions', 'standards', 'rounds'] LOOP
        EXECUTE format(
            'CREATE CONSTRAINT TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE ON %I
                 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_catalogue_version()', t);
        EXECUTE format(
            'CREATE TRIGGER catalogue_truncated AFTER TRUNCATE ON %I
                 FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_version()', t);
    END LOOP;
END;
$$;

UPDATE data_version SET catalogue = (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
