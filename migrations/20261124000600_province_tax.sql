-- The province's share of a town's new tax (STANDARDS.md §5: "the province
-- returns its share of the town's new tax: in full for years 1–3, half for
-- years 4–5"). The rebate is paid on the part of the town's new fiscal
-- revenue that goes to the province (新增财政收入上交省财政部分), not on the
-- whole new tax, so each annual report now states that part.
--
-- Existing reports get 0. They were filed before the form asked for the
-- share, so the true figure is unknown; 0 is the one value that can never
-- make the province return more than it received (a rebate on an invented
-- share would be money paid out on a guess). While a report is not yet
-- graded its official can correct the figure on the form or by import; a
-- graded report keeps 0 and its year adds nothing to a rebate. The creation
-- system came with the migration just before this one and had not been used
-- in production, so no real report is affected. The default is dropped
-- afterwards: every new or updated report states its share.
ALTER TABLE annual_reports
    ADD COLUMN province_tax_wan NUMERIC(14, 2) NOT NULL DEFAULT 0 CHECK (province_tax_wan >= 0);
ALTER TABLE annual_reports ALTER COLUMN province_tax_wan DROP DEFAULT;
ALTER TABLE annual_reports
    ADD CONSTRAINT annual_reports_province_tax_within_new_tax CHECK (province_tax_wan <= new_tax_wan);

-- The rebate's base recorded with each acceptance decision (the sum of the
-- province's shares over the period for a named town, 0 otherwise), for the
-- per-county summary. Decisions recorded before this column keep 0 and their
-- rebate as it was computed then: a decision is a record of what was decided.
ALTER TABLE acceptances ADD COLUMN province_tax_wan NUMERIC(16, 4) NOT NULL DEFAULT 0;
