-- The review workflow (issue 6): reviewers' overrides of single findings,
-- and what the reviewers' queue needs to answer fast with 100,000 proposals.

-- A reviewer's final verdict on one finding of an evaluation, with the
-- written reason. The evaluation itself is never modified: the report shows
-- the computed and the final verdict side by side. Append-only: a later
-- override of the same criterion supersedes an earlier one, which stays.
CREATE TABLE finding_overrides (
    id            BIGSERIAL PRIMARY KEY,
    evaluation_id BIGINT NOT NULL REFERENCES evaluations (id),
    criterion     TEXT NOT NULL CHECK (char_length(criterion) BETWEEN 1 AND 100),
    final_verdict TEXT NOT NULL CHECK (final_verdict IN ('pass', 'warn', 'fail', 'info', 'not_applicable', 'missing')),
    reason        TEXT NOT NULL CHECK (char_length(btrim(reason)) BETWEEN 1 AND 2000),
    reviewer_id   BIGINT NOT NULL REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX finding_overrides_evaluation_idx ON finding_overrides (evaluation_id, criterion, id DESC);
CREATE TRIGGER finding_overrides_immutable BEFORE UPDATE OR DELETE ON finding_overrides
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The latest evaluation of each proposal, kept on the proposal by a trigger
-- on evaluations, so that the queue filters and sorts by verdict or standard
-- without a per-row lookup. `latest_failing` lists the criteria whose
-- computed verdict is `fail`.
ALTER TABLE proposals
    ADD COLUMN latest_evaluation_id BIGINT,
    ADD COLUMN latest_overall       TEXT,
    ADD COLUMN latest_standard_code TEXT,
    ADD COLUMN latest_failing       TEXT[] NOT NULL DEFAULT '{}';

CREATE FUNCTION evaluations_set_latest() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE proposals p
    SET latest_evaluation_id = n.id, latest_overall = n.overall, latest_standard_code = n.standard_code,
        latest_failing = n.failing
    FROM (
        SELECT DISTINCT ON (proposal_id) proposal_id, id, overall, standard_code,
               ARRAY(SELECT DISTINCT f ->> 'criterion' FROM jsonb_array_elements(findings) f
                     WHERE f ->> 'verdict' = 'fail' ORDER BY 1) AS failing
        FROM new_rows
        ORDER BY proposal_id, id DESC
    ) n
    WHERE p.id = n.proposal_id AND (p.latest_evaluation_id IS NULL OR p.latest_evaluation_id < n.id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER evaluations_set_latest AFTER INSERT ON evaluations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION evaluations_set_latest();

-- The queue's counters, kept by triggers in the same transaction as every
-- change: `status:<code>` proposals per status, and `failing:<criterion>`
-- submitted proposals whose latest evaluation fails that criterion. Reading
-- them is one small statement whatever the number of proposals.
CREATE TABLE review_counters (
    key TEXT PRIMARY KEY,
    n   BIGINT NOT NULL DEFAULT 0
);

-- What a set of proposal rows contributes to the counters.
CREATE FUNCTION review_counter_terms(status TEXT, failing TEXT[]) RETURNS SETOF TEXT
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'status:' || status
    UNION ALL
    SELECT 'failing:' || c FROM unnest(failing) c WHERE status = 'submitted'
$$;

CREATE FUNCTION proposals_review_counters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Keys in a fixed order, so that concurrent transactions lock the
    -- counter rows in the same order (no deadlock).
    IF TG_OP = 'INSERT' THEN
        INSERT INTO review_counters (key, n)
        SELECT k, count(*) FROM new_rows, review_counter_terms(new_rows.status, new_rows.latest_failing) k
        GROUP BY k ORDER BY k
        ON CONFLICT (key) DO UPDATE SET n = review_counters.n + EXCLUDED.n;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO review_counters (key, n)
        SELECT k, sum(d) FROM (
            SELECT k, 1 AS d FROM new_rows, review_counter_terms(new_rows.status, new_rows.latest_failing) k
            UNION ALL
            SELECT k, -1 FROM old_rows, review_counter_terms(old_rows.status, old_rows.latest_failing) k
        ) t
        GROUP BY k HAVING sum(d) <> 0 ORDER BY k
        ON CONFLICT (key) DO UPDATE SET n = review_counters.n + EXCLUDED.n;
    ELSE
        INSERT INTO review_counters (key, n)
        SELECT k, -count(*) FROM old_rows, review_counter_terms(old_rows.status, old_rows.latest_failing) k
        GROUP BY k ORDER BY k
        ON CONFLICT (key) DO UPDATE SET n = review_counters.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER proposals_review_counters_insert AFTER INSERT ON proposals
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION proposals_review_counters();
CREATE TRIGGER proposals_review_counters_update AFTER UPDATE ON proposals
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION proposals_review_counters();
CREATE TRIGGER proposals_review_counters_delete AFTER DELETE ON proposals
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION proposals_review_counters();

-- Existing data: the latest evaluation of each proposal (the update trigger
-- counts the failing criteria), then the status counts from scratch.
UPDATE proposals p
SET latest_evaluation_id = e.id, latest_overall = e.overall, latest_standard_code = e.standard_code,
    latest_failing = ARRAY(SELECT DISTINCT f ->> 'criterion' FROM jsonb_array_elements(e.findings) f
                           WHERE f ->> 'verdict' = 'fail' ORDER BY 1)
FROM (SELECT DISTINCT ON (proposal_id) * FROM evaluations ORDER BY proposal_id, id DESC) e
WHERE e.proposal_id = p.id;
DELETE FROM review_counters;
INSERT INTO review_counters (key, n)
SELECT k, count(*) FROM proposals, review_counter_terms(proposals.status, proposals.latest_failing) k GROUP BY k;

-- The queue: every query names one status (the tab) and sorts by one of
-- these keys with the id as tie-breaker, so the first and the last page are
-- both short index scans (the last one read backwards).
CREATE INDEX proposals_queue_submitted_idx ON proposals (status, submitted_at, id);
CREATE INDEX proposals_queue_name_idx ON proposals (status, name, id);
CREATE INDEX proposals_queue_eligible_idx ON proposals (status,
    (investment_total_yi - COALESCE(investment_residential_yi, 0) - COALESCE(investment_commercial_complex_yi, 0)), id);
CREATE INDEX proposals_queue_verdict_idx ON proposals (status,
    (CASE latest_overall WHEN 'fail' THEN 0 WHEN 'pass_with_warnings' THEN 1 WHEN 'pass' THEN 2 ELSE 3 END),
    submitted_at, id);
CREATE INDEX proposals_queue_region_idx ON proposals (status, region_id, submitted_at, id);
CREATE INDEX proposals_queue_industry_idx ON proposals (status, industry, submitted_at, id);
CREATE INDEX proposals_queue_standard_idx ON proposals (status, latest_standard_code, submitted_at, id);

-- Substring search in names, Chinese included. Trigrams (pg_trgm) cannot
-- serve the usual two-character Chinese search (茶香), so names are indexed
-- by their characters and character pairs: a search for "茶香小镇" asks for
-- rows holding the pairs 茶香, 香小 and 小镇 (a one-character search for that
-- character), then checks the substring itself with ILIKE.
CREATE FUNCTION name_grams(t TEXT) RETURNS TEXT[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
        SELECT substr(lower(t), i, 1) AS g FROM generate_series(1, char_length(t)) i
        UNION ALL
        SELECT substr(lower(t), i, 2) FROM generate_series(1, char_length(t) - 1) i
    ) s
$$;
CREATE INDEX proposals_name_grams_idx ON proposals USING gin (name_grams(name));
