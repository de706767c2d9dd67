-- One number that grows whenever a session is ended or its data changes
-- (issue 19). Each server keeps the sessions it has read, with the user,
-- the to-do count and the data version read with them (src/db/sessions.rs),
-- and reads a session again only when this number or `data_version` has
-- moved since: `data_version` covers the users, the regions and everything
-- a to-do count counts, this number the sessions themselves. Both are read
-- in the statement that would otherwise read the session, so a logout, a
-- deactivation or a role change on any server takes effect on the next
-- request everywhere, as before.
--
-- A session's expiry moving later (the sliding idle timeout, written about
-- once a minute per active session) does not count: a server that kept an
-- earlier expiry reads the session again once that one has passed. A new
-- session does not count either: no server has kept it.
CREATE TABLE session_version (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    version   BIGINT NOT NULL
);
INSERT INTO session_version (version) VALUES (1);

CREATE FUNCTION bump_session_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction, however many sessions it ended (the periodic
    -- removal of expired sessions ends many at once, or none).
    IF current_setting('xiaozhen.session_version_bumped', TRUE) IS DISTINCT FROM 'yes' THEN
        UPDATE session_version SET version = version + 1;
        PERFORM set_config('xiaozhen.session_version_bumped', 'yes', TRUE);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER session_changed AFTER UPDATE ON sessions
    FOR EACH ROW
    -- The stored record carries its expiry too: a touch changes only that.
    WHEN (OLD.data - 'expiry_date' IS DISTINCT FROM NEW.data - 'expiry_date'
          OR OLD.id IS DISTINCT FROM NEW.id OR NEW.expiry_date < OLD.expiry_date)
    EXECUTE FUNCTION bump_session_version();
CREATE TRIGGER session_ended AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION bump_session_version();
-- TRUNCATE fires no row trigger.
CREATE TRIGGER sessions_truncated AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_session_version();
