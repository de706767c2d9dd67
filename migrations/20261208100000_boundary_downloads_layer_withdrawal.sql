-- Boundaries (DESIGN.md "Boundaries"), issue 24's remainder.
--
-- 1. Downloads of a boundary's coordinates (`boundary.downloaded`) and of a
--    control-line layer version (`layer.downloaded`, admins only) are
--    audited like the materials' downloads; those audit rows change nothing
--    a page shows, so they do not empty the page cache either. The trigger
--    of migration 20261206010000 is replaced with one that skips all three.
DROP TRIGGER data_changed ON audit_log;
CREATE CONSTRAINT TRIGGER data_changed AFTER INSERT ON audit_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.action NOT IN ('material.downloaded', 'boundary.downloaded', 'layer.downloaded'))
    EXECUTE FUNCTION bump_data_version();

-- 2. A control-line layer can be withdrawn without a replacement: it is
--    retired (so no longer in force, no longer counted in checks) with
--    `withdrawn` set; its version and parcels are kept. A layer retired by
--    a newer upload of its kind is `withdrawn = false` (superseded). The
--    guard of migration 20261207040100 lets a row change only while it is
--    being retired, so `withdrawn` is set then or never.
ALTER TABLE control_layers ADD COLUMN withdrawn BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE control_layers ADD CONSTRAINT control_layers_withdrawn_retired
    CHECK (NOT withdrawn OR retired_at IS NOT NULL);
