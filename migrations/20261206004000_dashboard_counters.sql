-- The leaders' dashboard at 100,000 proposals (issue 19). Its six charts were
-- six queries over every proposal, one of them unpacking every latest
-- evaluation's findings JSON: 7 s per view. They are now counters per region,
-- kept by triggers in the same transaction as every change to a proposal,
-- like the queue's (`review_counters`), and the dashboard sums a few
-- thousand counter rows.

-- The latest evaluation's criteria, by computed verdict, kept on the
-- proposal when the evaluation is stored (as `latest_failing` is):
-- `latest_passed` the criteria that pass, `latest_judged` those judged pass,
-- warn or fail. Every finding counts once, as the JSON query counted them.
ALTER TABLE proposals
    ADD COLUMN latest_passed TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN latest_judged TEXT[] NOT NULL DEFAULT '{}';

CREATE OR REPLACE FUNCTION evaluations_set_latest() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE proposals p
    SET latest_evaluation_id = n.id, latest_overall = n.overall, latest_standard_code = n.standard_code,
        latest_failing = n.failing, latest_passed = n.passed, latest_judged = n.judged
    FROM (
        SELECT DISTINCT ON (proposal_id) proposal_id, id, overall, standard_code,
               ARRAY(SELECT DISTINCT f ->> 'criterion' FROM jsonb_array_elements(findings) f
                     WHERE f ->> 'verdict' = 'fail' ORDER BY 1) AS failing,
               ARRAY(SELECT f ->> 'criterion' FROM jsonb_array_elements(findings) f
                     WHERE f ->> 'verdict' = 'pass' AND f ->> 'criterion' IS NOT NULL) AS passed,
               ARRAY(SELECT f ->> 'criterion' FROM jsonb_array_elements(findings) f
                     WHERE f ->> 'verdict' IN ('pass', 'warn', 'fail') AND f ->> 'criterion' IS NOT NULL) AS judged
        FROM new_rows
        ORDER BY proposal_id, id DESC
    ) n
    WHERE p.id = n.proposal_id AND (p.latest_evaluation_id IS NULL OR p.latest_evaluation_id < n.id);
    RETURN NULL;
END;
$$;

-- Existing proposals: their latest evaluation's criteria (before the
-- counters' trigger exists; the counters are counted from scratch below).
UPDATE proposals p
SET latest_passed = ARRAY(SELECT f ->> 'criterion' FROM jsonb_array_elements(e.findings) f
                          WHERE f ->> 'verdict' = 'pass' AND f ->> 'criterion' IS NOT NULL),
    latest_judged = ARRAY(SELECT f ->> 'criterion' FROM jsonb_array_elements(e.findings) f
                          WHERE f ->> 'verdict' IN ('pass', 'warn', 'fail') AND f ->> 'criterion' IS NOT NULL)
FROM evaluations e
WHERE e.id = p.latest_evaluation_id;

-- Per region, `kind` and `key`: `n` proposals, and `amount` the sum of their
-- eligible investment (亿元) for kind `eligible`. Kinds:
--   status              key = status code
--   verdict             key = the latest evaluation's overall verdict
--   passed:<standard>   key = a criterion the latest evaluation (under that standard) passes
--   judged:<standard>   key = a criterion it judges pass, warn or fail
--   eligible            key = industry code ('' when none); submitted at least once, not withdrawn
--   month               key = 'YYYY-MM' of the latest submission, China Standard Time
-- A counter that falls to zero stays, with n = 0; readers skip it.
CREATE TABLE dashboard_counters (
    region_id BIGINT NOT NULL,
    kind      TEXT NOT NULL,
    key       TEXT NOT NULL,
    n         BIGINT NOT NULL DEFAULT 0,
    amount    NUMERIC NOT NULL DEFAULT 0,
    PRIMARY KEY (region_id, kind, key)
);

-- Like every table (migration 20261124000900): a change ends the kept pages.
CREATE CONSTRAINT TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE ON dashboard_counters
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_truncated AFTER TRUNCATE ON dashboard_counters
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();

-- What one proposal row contributes: (kind, key, amount), each counting one.
-- The expressions are the dashboard's former queries' (`src/db/dashboard.rs`).
CREATE FUNCTION dashboard_counter_terms(p proposals) RETURNS TABLE (kind TEXT, key TEXT, amount NUMERIC)
LANGUAGE sql STABLE AS $$
    SELECT 'status', p.status, 0::numeric
    UNION ALL
    SELECT 'verdict', p.latest_overall, 0 WHERE p.latest_overall IS NOT NULL
    UNION ALL
    SELECT 'passed:' || p.latest_standard_code, c, 0 FROM unnest(p.latest_passed) c
    WHERE p.latest_standard_code IS NOT NULL
    UNION ALL
    SELECT 'judged:' || p.latest_standard_code, c, 0 FROM unnest(p.latest_judged) c
    WHERE p.latest_standard_code IS NOT NULL
    UNION ALL
    SELECT 'eligible', coalesce(p.industry, ''),
           coalesce(p.investment_total_yi, 0) - coalesce(p.investment_residential_yi, 0)
               - coalesce(p.investment_commercial_complex_yi, 0)
    WHERE p.status NOT IN ('draft', 'withdrawn')
    UNION ALL
    SELECT 'month', to_char(date_trunc('month', p.submitted_at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM'), 0
    WHERE p.submitted_at IS NOT NULL
$$;

CREATE FUNCTION proposals_dashboard_counters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Keys in a fixed order, so that concurrent transactions lock the
    -- counter rows in the same order (no deadlock). A change that moves no
    -- counter (a draft saved again) writes nothing.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO dashboard_counters AS c (region_id, kind, key, n, amount)
        SELECT r.region_id, t.kind, t.key, count(*), sum(t.amount)
        FROM new_rows r, dashboard_counter_terms(r) t
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (region_id, kind, key) DO UPDATE SET n = c.n + EXCLUDED.n, amount = c.amount + EXCLUDED.amount;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO dashboard_counters AS c (region_id, kind, key, n, amount)
        SELECT region_id, kind, key, sum(d), sum(a) FROM (
            SELECT r.region_id, t.kind, t.key, 1 AS d, t.amount AS a FROM new_rows r, dashboard_counter_terms(r) t
            UNION ALL
            SELECT r.region_id, t.kind, t.key, -1, -t.amount FROM old_rows r, dashboard_counter_terms(r) t
        ) x
        GROUP BY 1, 2, 3 HAVING sum(d) <> 0 OR sum(a) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (region_id, kind, key) DO UPDATE SET n = c.n + EXCLUDED.n, amount = c.amount + EXCLUDED.amount;
    ELSE
        INSERT INTO dashboard_counters AS c (region_id, kind, key, n, amount)
        SELECT r.region_id, t.kind, t.key, -count(*), -sum(t.amount)
        FROM old_rows r, dashboard_counter_terms(r) t
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (region_id, kind, key) DO UPDATE SET n = c.n + EXCLUDED.n, amount = c.amount + EXCLUDED.amount;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER proposals_dashboard_counters_insert AFTER INSERT ON proposals
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION proposals_dashboard_counters();
CREATE TRIGGER proposals_dashboard_counters_update AFTER UPDATE ON proposals
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION proposals_dashboard_counters();
CREATE TRIGGER proposals_dashboard_counters_delete AFTER DELETE ON proposals
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION proposals_dashboard_counters();

-- Existing proposals, counted from scratch.
INSERT INTO dashboard_counters (region_id, kind, key, n, amount)
SELECT p.region_id, t.kind, t.key, count(*), sum(t.amount)
FROM proposals p, dashboard_counter_terms(p) t
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
