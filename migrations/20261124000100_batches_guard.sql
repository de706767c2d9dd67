-- Published batches are public records: once a batch is published neither it
-- nor its entries change, whatever code path (or hand-typed statement) tries.
-- Publishing itself is the last permitted change: the entries are frozen
-- first (while the batch is still a draft), then the batch row moves from
-- draft to published in the same transaction.

-- A published batch row refuses UPDATE and DELETE.
CREATE FUNCTION batches_refuse_published_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'published' THEN
        RAISE EXCEPTION 'batch % is published and cannot change', OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER batches_published_immutable BEFORE UPDATE OR DELETE ON batches
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_published_change();

-- Entries of a published batch refuse INSERT, UPDATE and DELETE (and no entry
-- may be moved into or out of a published batch).
CREATE FUNCTION batch_entries_refuse_published_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE')
       AND EXISTS (SELECT 1 FROM batches WHERE id = OLD.batch_id AND status = 'published') THEN
        RAISE EXCEPTION 'entries of published batch % cannot change', OLD.batch_id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE')
       AND EXISTS (SELECT 1 FROM batches WHERE id = NEW.batch_id AND status = 'published') THEN
        RAISE EXCEPTION 'entries of published batch % cannot change', NEW.batch_id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER batch_entries_published_immutable BEFORE INSERT OR UPDATE OR DELETE ON batch_entries
    FOR EACH ROW EXECUTE FUNCTION batch_entries_refuse_published_change();

-- A proposal is in at most one published list batch: checked when a list
-- batch becomes published (the application checks it first and says so in
-- words; this is the second line of defence).
CREATE FUNCTION batches_one_list_per_proposal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'published' AND NEW.kind = 'list' AND EXISTS (
        SELECT 1
        FROM batch_entries mine
        JOIN batch_entries other ON other.proposal_id = mine.proposal_id AND other.batch_id <> mine.batch_id
        JOIN batches b ON b.id = other.batch_id
        WHERE mine.batch_id = NEW.id AND b.kind = 'list' AND b.status = 'published'
    ) THEN
        RAISE EXCEPTION 'a proposal of batch % is already in a published list batch', NEW.id
            USING ERRCODE = 'unique_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER batches_one_list_per_proposal BEFORE UPDATE ON batches
    FOR EACH ROW EXECUTE FUNCTION batches_one_list_per_proposal();

-- A withdrawal batch removes towns of an earlier *list* batch.
CREATE FUNCTION batches_withdraws_a_list() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.withdraws_batch_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM batches WHERE id = NEW.withdraws_batch_id AND kind = 'list' AND status = 'published') THEN
        RAISE EXCEPTION 'batch % must withdraw from a published list batch', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER batches_withdraws_a_list BEFORE INSERT ON batches
    FOR EACH ROW EXECUTE FUNCTION batches_withdraws_a_list();

-- Positions are 1, 2, … within a batch (ordering is by position, then id).
CREATE INDEX batch_entries_batch_idx ON batch_entries (batch_id, position, id);
CREATE INDEX batches_status_idx ON batches (status, created_at DESC);
-- Filters of the audit log page.
CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC);
