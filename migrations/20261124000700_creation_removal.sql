-- The creation system's last grade (STANDARDS.md §5): a cultivation town
-- (降格为培育小镇, status `demoted`) graded below 合格 gets 淘汰 (`removed`)
-- and leaves the creation list when the year's grades are published
-- (services::creation::publish). The grade set of assessments widens by
-- that one code; which grade a town may get is checked by the service
-- (淘汰 only for a cultivation town).
ALTER TABLE assessments DROP CONSTRAINT assessments_suggested_grade_check;
ALTER TABLE assessments DROP CONSTRAINT assessments_final_grade_check;
ALTER TABLE assessments ADD CONSTRAINT assessments_suggested_grade_check
    CHECK (suggested_grade IN ('excellent', 'good', 'pass', 'warning', 'demoted', 'removed'));
ALTER TABLE assessments ADD CONSTRAINT assessments_final_grade_check
    CHECK (final_grade IN ('excellent', 'good', 'pass', 'warning', 'demoted', 'removed'));
