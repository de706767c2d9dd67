-- Application materials (申报材料, DESIGN.md "Materials"): the files a
-- proposal is submitted with, kept in PostgreSQL so that one backup holds
-- everything.
--
-- A file's content is stored once, by its SHA-256 (a file uploaded twice, by
-- anyone, is one row), in chunks of a table of its own: lists read
-- `materials` and `material_files`, never the chunks.
CREATE TABLE material_files (
    sha256     TEXT PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size       BIGINT NOT NULL CHECK (size BETWEEN 1 AND 20971520),
    kind       TEXT NOT NULL CHECK (kind IN ('pdf', 'png', 'jpeg', 'docx', 'xlsx', 'pptx')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The content, in order; written once with its file and never changed.
CREATE TABLE material_chunks (
    sha256 TEXT NOT NULL REFERENCES material_files (sha256),
    seq    INTEGER NOT NULL CHECK (seq >= 0),
    data   BYTEA NOT NULL,
    PRIMARY KEY (sha256, seq)
);
CREATE TRIGGER material_chunks_immutable BEFORE UPDATE OR DELETE ON material_chunks
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER material_files_immutable BEFORE UPDATE OR DELETE ON material_files
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- One upload of one material of a proposal. Replacing or removing it
-- retires the row (it stays, because a submission may have frozen it); the
-- current file of a type is the one not retired.
CREATE TABLE materials (
    id            BIGSERIAL PRIMARY KEY,
    proposal_id   BIGINT NOT NULL REFERENCES proposals (id),
    material_type TEXT NOT NULL CHECK (material_type IN
                      ('concept_plan', 'investment_plan', 'developer_profile', 'support_policy', 'basic_info')),
    file_name     TEXT NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
    sha256        TEXT NOT NULL REFERENCES material_files (sha256),
    uploaded_by   BIGINT NOT NULL REFERENCES users (id),
    uploaded_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    retired_at    TIMESTAMPTZ,
    retired_by    BIGINT REFERENCES users (id),
    CHECK ((retired_at IS NULL) = (retired_by IS NULL))
);
CREATE UNIQUE INDEX materials_current ON materials (proposal_id, material_type) WHERE retired_at IS NULL;
CREATE INDEX materials_proposal ON materials (proposal_id, id);

-- What an upload was never changes; only its retirement is recorded, once.
CREATE FUNCTION materials_only_retire() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.retired_at IS NOT NULL
       OR (NEW.proposal_id, NEW.material_type, NEW.file_name, NEW.sha256, NEW.uploaded_by, NEW.uploaded_at)
          IS DISTINCT FROM (OLD.proposal_id, OLD.material_type, OLD.file_name, OLD.sha256, OLD.uploaded_by, OLD.uploaded_at)
    THEN
        RAISE EXCEPTION 'materials rows are immutable but for their retirement';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER materials_immutable BEFORE UPDATE OR DELETE ON materials
    FOR EACH ROW EXECUTE FUNCTION materials_only_retire();

-- The exact materials a submission (an evaluation) was made with: a record.
CREATE TABLE submitted_materials (
    evaluation_id BIGINT NOT NULL REFERENCES evaluations (id),
    material_id   BIGINT NOT NULL REFERENCES materials (id),
    PRIMARY KEY (evaluation_id, material_id)
);
CREATE TRIGGER submitted_materials_immutable BEFORE UPDATE OR DELETE ON submitted_materials
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

DO $$
DECLARE t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['material_files', 'material_chunks', 'materials', 'submitted_materials']
    LOOP
        EXECUTE format(
            'CREATE CONSTRAINT TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE ON %I
                 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version()', t);
        EXECUTE format(
            'CREATE TRIGGER data_truncated AFTER TRUNCATE ON %I
                 FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t);
    END LOOP;
END;
$$;

-- Every download of a private file is audited; those audit rows change
-- nothing a page shows, so they do not empty the page cache (a reviewer
-- opening files one after another would otherwise re-render every page).
DROP TRIGGER data_changed ON audit_log;
CREATE CONSTRAINT TRIGGER data_changed AFTER INSERT ON audit_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.action <> 'material.downloaded')
    EXECUTE FUNCTION bump_data_version();
CREATE CONSTRAINT TRIGGER data_changed_rows AFTER UPDATE OR DELETE ON audit_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version();
