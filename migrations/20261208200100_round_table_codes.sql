-- Scoring table codes have dots (`zj.creation_review`, `cn.creation_review`):
-- the check of 20261208000000 refused every real table code.
ALTER TABLE rounds DROP CONSTRAINT rounds_scoring_table_check;
ALTER TABLE rounds ADD CONSTRAINT rounds_scoring_table_check
    CHECK (scoring_table ~ '^[a-z0-9_.]{1,60}$');
