-- A batch on public notice (公示) is frozen as publication freezes a batch
-- (see the batches_guard migration): its entries are fixed when the notice
-- starts (while the batch is still a draft, the row then moving to
-- 'notice' in the same transaction) and the notice's hash is taken over
-- them. From then on nothing may insert, change or delete an entry of it,
-- whatever code path (or hand-typed statement) tries — except the one
-- permitted change: an upheld objection takes a town out, renumbers the
-- towns left and takes the hash again. That path says so explicitly for
-- its own transaction only:
--
--     SELECT set_config('xiaozhen.notice_removal', 'on', true);
--
-- and even then an entry may only be deleted or renumbered (its position),
-- never inserted, moved or given other frozen data.

CREATE FUNCTION notice_removal_allowed() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('xiaozhen.notice_removal', true), '') = 'on'
$$;

CREATE FUNCTION batch_entries_refuse_notice_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_on_notice boolean := TG_OP IN ('UPDATE', 'DELETE')
        AND EXISTS (SELECT 1 FROM batches WHERE id = OLD.batch_id AND status = 'notice');
    new_on_notice boolean := TG_OP IN ('INSERT', 'UPDATE')
        AND EXISTS (SELECT 1 FROM batches WHERE id = NEW.batch_id AND status = 'notice');
BEGIN
    IF old_on_notice OR new_on_notice THEN
        IF NOT (notice_removal_allowed() AND (
                TG_OP = 'DELETE'
                OR (TG_OP = 'UPDATE' AND to_jsonb(NEW) - 'position' = to_jsonb(OLD) - 'position'))) THEN
            RAISE EXCEPTION 'entries of batch % are on public notice and cannot change',
                CASE WHEN TG_OP = 'INSERT' THEN NEW.batch_id ELSE OLD.batch_id END
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER batch_entries_notice_frozen BEFORE INSERT OR UPDATE OR DELETE ON batch_entries
    FOR EACH ROW EXECUTE FUNCTION batch_entries_refuse_notice_change();

-- The batch row on notice: it goes on to 'published' (never back to a
-- draft, which would unfreeze its entries), its published text stays as
-- the hash was taken over, and its hash and list of changes move only on
-- the upheld-objection path. (Its dates are not guarded here.)
CREATE FUNCTION batches_refuse_notice_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'notice' THEN
        IF TG_OP = 'DELETE' OR NEW.status NOT IN ('notice', 'published')
           OR (NEW.kind, NEW.title, NEW.introduction, NEW.withdraws_batch_id, NEW.document_number, NEW.notice_required)
              IS DISTINCT FROM
              (OLD.kind, OLD.title, OLD.introduction, OLD.withdraws_batch_id, OLD.document_number, OLD.notice_required)
           OR ((NEW.notice_hash, NEW.notice_changes) IS DISTINCT FROM (OLD.notice_hash, OLD.notice_changes)
               AND NOT notice_removal_allowed()) THEN
            RAISE EXCEPTION 'batch % is on public notice and cannot change so', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER batches_notice_frozen BEFORE UPDATE OR DELETE ON batches
    FOR EACH ROW EXECUTE FUNCTION batches_refuse_notice_change();
