-- Acceptance decisions record their reward or deduction exactly (STANDARDS.md
-- §5, issue 11: "reward and penalty arithmetic in exact decimals").
--
-- The land quota is the land used (4 decimals) × r, and r is a parameter of
-- the standard (0.6, 0.5, or what a version states): 300.0003 亩 × 0.6 is
-- 180.00018, one decimal more than NUMERIC(14, 4) holds, so the column
-- rounded it to 180.0002 while the settlement stored beside it (JSONB) kept
-- the exact figure; the per-county summary and the public named list read
-- the column. The rebate (the province's share, 2 decimals, × a year's rate)
-- can outgrow 4 decimals the same way with a rate a version states. Both
-- columns become NUMERIC without a scale: exact, whatever the factor.
ALTER TABLE acceptances ALTER COLUMN land_quota_mu TYPE NUMERIC;
ALTER TABLE acceptances ALTER COLUMN tax_rebate_wan TYPE NUMERIC;

-- Decisions recorded before: the exact figures from their settlement (the
-- decimals are stored there as strings). Nothing changes for a figure that
-- fitted.
UPDATE acceptances
   SET land_quota_mu = (settlement ->> 'land_quota_mu')::numeric
 WHERE settlement ? 'land_quota_mu';
UPDATE acceptances
   SET tax_rebate_wan = (settlement ->> 'tax_rebate_total_wan')::numeric
 WHERE settlement ? 'tax_rebate_total_wan';
