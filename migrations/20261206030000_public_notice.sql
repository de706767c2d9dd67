-- Public notice (公示) before a list batch is published, and the objections
-- raised during it. A list batch goes draft → notice → published when its
-- `notice_required` is set; batches made before this migration keep false
-- (they were published, or are drafts, under the old rule) and withdrawal
-- batches never have a notice.
ALTER TABLE batches DROP CONSTRAINT batches_status_check;
ALTER TABLE batches ADD CONSTRAINT batches_status_check CHECK (status IN ('draft', 'notice', 'published'));
ALTER TABLE batches
    -- 文号, e.g. 浙特镇办〔2027〕3号; empty when none was given.
    ADD COLUMN document_number TEXT NOT NULL DEFAULT '' CHECK (char_length(document_number) <= 100),
    ADD COLUMN notice_required BOOLEAN NOT NULL DEFAULT false,
    -- China-time calendar dates; the notice ends at 24:00 of `notice_ends_on`.
    ADD COLUMN notice_starts_on DATE,
    ADD COLUMN notice_ends_on DATE,
    ADD COLUMN notice_started_at TIMESTAMPTZ,
    -- SHA-256 of the notice's canonical JSON, taken again whenever an upheld
    -- objection takes a town out.
    ADD COLUMN notice_hash TEXT,
    -- What changed because of upheld objections, as published (no personal
    -- data): [{proposal_id, name, region, reason, date}].
    ADD COLUMN notice_changes JSONB NOT NULL DEFAULT '[]',
    ADD CONSTRAINT batches_withdrawal_has_no_notice CHECK (kind = 'list' OR NOT notice_required),
    ADD CONSTRAINT batches_notice_dates CHECK (
        (notice_starts_on IS NULL) = (notice_ends_on IS NULL) AND (notice_ends_on IS NULL OR notice_ends_on >= notice_starts_on)),
    ADD CONSTRAINT batches_on_notice_is_frozen CHECK (
        status <> 'notice' OR (notice_ends_on IS NOT NULL AND notice_hash IS NOT NULL AND notice_required));

-- Files sent with objections (an organisation's letter with its seal, the
-- evidence): personal data, deleted when the objection is erased.
CREATE TABLE objection_files (
    id           BIGSERIAL PRIMARY KEY,
    sha256       TEXT NOT NULL CHECK (char_length(sha256) = 64),
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    size         INTEGER NOT NULL CHECK (size > 0 AND size <= 20971520),
    bytes        BYTEA NOT NULL
);

CREATE TABLE objections (
    id                BIGSERIAL PRIMARY KEY,
    -- What the objector keeps: unguessable, looked up with the phone number.
    reference         TEXT NOT NULL UNIQUE CHECK (char_length(reference) BETWEEN 8 AND 40),
    batch_id          BIGINT NOT NULL REFERENCES batches (id),
    proposal_id       BIGINT NOT NULL REFERENCES proposals (id),
    -- The town's name at the time (it may leave the batch).
    town_name         TEXT NOT NULL,
    objector_kind     TEXT NOT NULL CHECK (objector_kind IN ('person', 'organisation')),
    -- Personal data (masked in place when erased): a person's real name or
    -- an organisation's name, its contact person, a phone number.
    objector_name     TEXT NOT NULL CHECK (char_length(objector_name) BETWEEN 1 AND 100),
    contact_name      TEXT NOT NULL DEFAULT '' CHECK (char_length(contact_name) <= 50),
    phone             TEXT NOT NULL CHECK (char_length(phone) BETWEEN 1 AND 20),
    letter_file_id    BIGINT REFERENCES objection_files (id) ON DELETE SET NULL,
    evidence_file_id  BIGINT REFERENCES objection_files (id) ON DELETE SET NULL,
    grounds           TEXT NOT NULL CHECK (char_length(grounds) BETWEEN 1 AND 2000),
    -- SHA-256 of the sender's address under the form key: counts for the
    -- per-address limit without keeping the address itself.
    address_hash      TEXT,
    submitted_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    status            TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'dismissed')),
    -- For an upheld objection: the town went back to the reviewers or was rejected.
    outcome           TEXT CHECK (outcome IN ('returned', 'rejected')),
    resolution_reason TEXT NOT NULL DEFAULT '' CHECK (char_length(resolution_reason) <= 2000),
    reply             TEXT NOT NULL DEFAULT '' CHECK (char_length(reply) <= 2000),
    resolved_by       BIGINT REFERENCES users (id),
    resolved_at       TIMESTAMPTZ,
    erased_at         TIMESTAMPTZ,
    CHECK ((status = 'open') = (resolved_at IS NULL)),
    CHECK ((status = 'upheld') = (outcome IS NOT NULL))
);
CREATE INDEX objections_batch_idx ON objections (batch_id, submitted_at);
CREATE INDEX objections_address_idx ON objections (address_hash, submitted_at) WHERE address_hash IS NOT NULL;

-- The key that signs the objection form's tokens and hashes addresses:
-- random per database, so every instance sharing it agrees.
CREATE TABLE objection_form_key (
    id  BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
    key TEXT NOT NULL
);
INSERT INTO objection_form_key (key)
    VALUES (replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));

CREATE CONSTRAINT TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE ON objections
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_truncated AFTER TRUNCATE ON objections
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE CONSTRAINT TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE ON objection_files
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_truncated AFTER TRUNCATE ON objection_files
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE CONSTRAINT TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE ON objection_form_key
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_truncated AFTER TRUNCATE ON objection_form_key
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
