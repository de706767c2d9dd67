-- An annual assessment scored on its standard version's annual_assessment
-- table (STANDARDS.md §6) keeps the sheet it was suggested from: the
-- reviewer's judgements, the completion the computed lines read, and the
-- result (points per line with how they were reached, capped subtotals,
-- the total, vetoes and the table's grade). Who gave it and when are the
-- assessment's own reviewer_id and created_at. NULL for a grade made on
-- the completion bands (a version without the table, a year without a
-- report, and every grade made before this column).
ALTER TABLE assessments ADD COLUMN score_sheet JSONB;
