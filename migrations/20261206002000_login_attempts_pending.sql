-- Login throttling counts an attempt before its password is checked: the row
-- is written as pending (succeeded NULL, counted as a failure) under a lock
-- per address, then updated with the outcome. Concurrent attempts can no
-- longer all pass the check before any of them is recorded.
ALTER TABLE login_attempts ALTER COLUMN succeeded DROP NOT NULL;
COMMENT ON COLUMN login_attempts.succeeded IS 'NULL while the password is being checked (counted as a failure)';
