-- The session's statement (src/db/sessions.rs) runs on every request of a
-- signed-in user. It took the user a session names out of the session's
-- JSON with a path and a regular expression on every read; as a generated
-- column that is done once, when the session is written (issue 19). The
-- expression is the one the statement used: axum-login's user id when it
-- is a plain integer of at most 18 digits, else no one.
ALTER TABLE sessions ADD COLUMN user_id BIGINT GENERATED ALWAYS AS (
    CASE WHEN data #>> '{data,axum-login.data,user_id}' ~ '^[0-9]{1,18}$'
         THEN (data #>> '{data,axum-login.data,user_id}')::bigint END) STORED;
