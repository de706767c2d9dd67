//! The dashboard's figures, each one query over the proposals in scope
//! (an official's region, or all).

use rust_decimal::Decimal;
use sqlx::PgConnection;

use crate::db::proposals::Scope;

fn region(scope: Scope) -> Option<i64> {
    match scope {
        Scope::Region(id) => Some(id),
        // The dashboard counts; it shows no proposal's data.
        Scope::Reviewable | Scope::All => None,
    }
}

/// (status code, count), every status that occurs.
pub async fn by_status(conn: &mut PgConnection, scope: Scope) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "SELECT status, count(*) FROM proposals WHERE ($1::bigint IS NULL OR region_id = $1)
         GROUP BY status ORDER BY status",
    )
    .bind(region(scope))
    .fetch_all(conn)
    .await
}

/// (overall verdict of the latest evaluation, count); proposals never
/// evaluated (drafts) are not counted.
pub async fn by_verdict(conn: &mut PgConnection, scope: Scope) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "SELECT e.overall, count(*) FROM proposals p
         JOIN LATERAL (SELECT overall FROM evaluations WHERE proposal_id = p.id ORDER BY id DESC LIMIT 1) e ON true
         WHERE ($1::bigint IS NULL OR p.region_id = $1)
         GROUP BY e.overall ORDER BY e.overall",
    )
    .bind(region(scope))
    .fetch_all(conn)
    .await
}

/// Per criterion of the latest evaluations made under `standard_code`:
/// (criterion, passed, judged) where judged counts pass, warn and fail.
pub async fn criterion_pass(
    conn: &mut PgConnection,
    scope: Scope,
    standard_code: &str,
) -> sqlx::Result<Vec<(String, i64, i64)>> {
    sqlx::query_as(
        "SELECT f->>'criterion' AS criterion,
                count(*) FILTER (WHERE f->>'verdict' = 'pass') AS passed,
                count(*) FILTER (WHERE f->>'verdict' IN ('pass', 'warn', 'fail')) AS judged
         FROM proposals p
         JOIN LATERAL (SELECT findings, standard_code FROM evaluations WHERE proposal_id = p.id ORDER BY id DESC LIMIT 1) e
              ON true
         CROSS JOIN LATERAL jsonb_array_elements(e.findings) f
         WHERE ($1::bigint IS NULL OR p.region_id = $1) AND e.standard_code = $2
         GROUP BY 1",
    )
    .bind(region(scope))
    .bind(standard_code)
    .fetch_all(conn)
    .await
}

/// Proposals counted in the investment figures: submitted at least once and
/// not withdrawn.
const COUNTED: &str = "p.status NOT IN ('draft', 'withdrawn')";

/// (industry code or "", eligible investment in 亿元).
pub async fn eligible_by_industry(conn: &mut PgConnection, scope: Scope) -> sqlx::Result<Vec<(String, Decimal)>> {
    sqlx::query_as(&format!(
        "SELECT coalesce(p.industry, ''), sum(coalesce(p.investment_total_yi, 0) - coalesce(p.investment_residential_yi, 0)
                - coalesce(p.investment_commercial_complex_yi, 0))
         FROM proposals p WHERE ($1::bigint IS NULL OR p.region_id = $1) AND {COUNTED}
         GROUP BY 1 ORDER BY 2 DESC, 1"
    ))
    .bind(region(scope))
    .fetch_all(conn)
    .await
}

/// (region name, eligible investment in 亿元).
pub async fn eligible_by_region(conn: &mut PgConnection, scope: Scope) -> sqlx::Result<Vec<(String, Decimal)>> {
    sqlx::query_as(&format!(
        "SELECT r.name, sum(coalesce(p.investment_total_yi, 0) - coalesce(p.investment_residential_yi, 0)
                - coalesce(p.investment_commercial_complex_yi, 0))
         FROM proposals p JOIN regions r ON r.id = p.region_id
         WHERE ($1::bigint IS NULL OR p.region_id = $1) AND {COUNTED}
         GROUP BY r.name ORDER BY 2 DESC, 1"
    ))
    .bind(region(scope))
    .fetch_all(conn)
    .await
}

/// ("YYYY-MM", submissions) over the last `months` months with any, by
/// the month of each proposal's latest submission.
pub async fn submissions_by_month(
    conn: &mut PgConnection,
    scope: Scope,
    months: i32,
) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "SELECT to_char(date_trunc('month', submitted_at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM') AS month, count(*)
         FROM proposals
         WHERE ($1::bigint IS NULL OR region_id = $1) AND submitted_at IS NOT NULL
           AND (submitted_at AT TIME ZONE 'Asia/Shanghai') >= date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') - make_interval(months => $2 - 1)
         GROUP BY 1 ORDER BY 1",
    )
    .bind(region(scope))
    .bind(months)
    .fetch_all(conn)
    .await
}
