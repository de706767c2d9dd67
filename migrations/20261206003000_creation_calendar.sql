-- The creation system read as STANDARDS.md §5 states it (issue 17).
--
-- A town's period years now come from the calendar and its listing year (the
-- year, China time, in which the list batch that listed it was published),
-- read from `batches` whenever they are needed: every existing town's period
-- is re-derived from its listing year without copying anything. Stored
-- grades and settlements are records and stay as they are; their JSON says
-- which rules made them (an assessment without `basis` was made by the
-- first rules, see `domain::creation::Basis`).

-- A year with no report when its grades are published is graded 警告
-- (未按时报送): an assessment without a report.
ALTER TABLE assessments ALTER COLUMN report_id DROP NOT NULL;
ALTER TABLE assessments ADD COLUMN missing_report BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE assessments ADD CONSTRAINT assessments_report_or_missing
    CHECK ((report_id IS NULL) = missing_report);
-- One grade per town and year (a report already had one year and one grade).
CREATE UNIQUE INDEX assessments_one_per_year ON assessments (proposal_id, year);

-- Acceptance: the as-built evaluation's suggestion (NULL for decisions made
-- before it was recorded), and why the row exists: an acceptance decision,
-- or the 追惩制 deduction of a town removed during its period, by its grades
-- (淘汰) or by a withdrawal batch for missing its targets.
ALTER TABLE acceptances ADD COLUMN suggested_named BOOLEAN;
ALTER TABLE acceptances ADD COLUMN cause TEXT NOT NULL DEFAULT 'acceptance'
    CHECK (cause IN ('acceptance', 'eliminated', 'withdrawn'));
ALTER TABLE acceptances ADD CONSTRAINT acceptances_eliminated_not_named
    CHECK (cause = 'acceptance' OR NOT named);

-- The rebate of a year after a 3-year period (years 4–5 from the listing
-- year), computed and stored as the named town's report arrives.
ALTER TABLE annual_reports ADD COLUMN tax_rebate_rate NUMERIC;
ALTER TABLE annual_reports ADD COLUMN tax_rebate_wan NUMERIC;
ALTER TABLE annual_reports ADD CONSTRAINT annual_reports_rebate_together
    CHECK ((tax_rebate_rate IS NULL) = (tax_rebate_wan IS NULL));

-- A withdrawal batch states for each town whether it leaves for missing its
-- targets (追惩制 applies when the batch is published) or for another reason.
ALTER TABLE batch_entries ADD COLUMN missed_targets BOOLEAN NOT NULL DEFAULT false;
