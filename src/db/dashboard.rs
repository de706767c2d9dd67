//! The dashboard's figures, read from the counters that triggers keep per
//! region (migration `20261206004000_dashboard_counters`): a sum over a few
//! thousand small rows whatever the number of proposals.

use rust_decimal::Decimal;
use sqlx::PgConnection;

use crate::db::proposals::Scope;

/// The counters of the proposals in scope, summed over their regions.
#[derive(Debug, Default)]
pub struct Counters {
    /// (kind, key, proposals, amount), the non-zero ones, ordered by kind and key.
    rows: Vec<(String, String, i64, Decimal)>,
}

impl Counters {
    fn kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a (String, String, i64, Decimal)> + 'a {
        self.rows.iter().filter(move |(k, ..)| k == kind)
    }

    /// (status code, count), every status that occurs.
    pub fn by_status(&self) -> Vec<(String, i64)> {
        self.kind("status").map(|(_, key, n, _)| (key.clone(), *n)).collect()
    }

    /// (overall verdict of the latest evaluation, count); proposals never
    /// evaluated (drafts) are not counted.
    pub fn by_verdict(&self) -> Vec<(String, i64)> {
        self.kind("verdict").map(|(_, key, n, _)| (key.clone(), *n)).collect()
    }

    /// Per criterion of the latest evaluations made under `standard_code`:
    /// (criterion, passed, judged) where judged counts pass, warn and fail.
    pub fn criterion_pass(&self, standard_code: &str) -> Vec<(String, i64, i64)> {
        let passed = format!("passed:{standard_code}");
        let judged = format!("judged:{standard_code}");
        self.kind(&judged)
            .map(|(_, criterion, n, _)| {
                let p = self.kind(&passed).find(|(_, c, ..)| c == criterion).map_or(0, |r| r.2);
                (criterion.clone(), p, *n)
            })
            .collect()
    }

    /// (industry code or "", eligible investment in 亿元) of the proposals
    /// submitted at least once and not withdrawn, largest first.
    pub fn eligible_by_industry(&self) -> Vec<(String, Decimal)> {
        let mut out: Vec<(String, Decimal)> = self.kind("eligible").map(|(_, key, _, a)| (key.clone(), *a)).collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }

    /// ("YYYY-MM", submissions) by the month of each proposal's latest
    /// submission, from `since` ("YYYY-MM") on, in order.
    pub fn submissions_by_month(&self, since: &str) -> Vec<(String, i64)> {
        self.kind("month")
            .filter(|(_, month, ..)| month.as_str() >= since)
            .map(|(_, key, n, _)| (key.clone(), *n))
            .collect()
    }
}

/// Every counter of the scope, summed over its regions. One statement. A
/// city's sums leave out its counties' drafts and withdrawn proposals (a
/// city never sees drafts).
pub async fn counters(conn: &mut PgConnection, scope: Scope) -> sqlx::Result<Counters> {
    let rows = sqlx::query_as(
        "SELECT kind, key, sum(n)::bigint, sum(amount) FROM dashboard_counters
         WHERE ($1::bigint IS NULL OR region_id = $1)
           AND ($2::bigint IS NULL OR (region_id IN (SELECT id FROM regions WHERE parent_id = $2)
                                       AND NOT (kind = 'status' AND key IN ('draft', 'withdrawn'))))
         GROUP BY kind, key HAVING sum(n) > 0 ORDER BY kind, key",
    )
    .bind(scope.region())
    .bind(scope.city())
    .fetch_all(conn)
    .await?;
    Ok(Counters { rows })
}

/// (region name, eligible investment in 亿元) of the proposals submitted at
/// least once and not withdrawn, largest first.
pub async fn eligible_by_region(conn: &mut PgConnection, scope: Scope) -> sqlx::Result<Vec<(String, Decimal)>> {
    sqlx::query_as(
        "SELECT r.name, sum(c.amount) FROM dashboard_counters c JOIN regions r ON r.id = c.region_id
         WHERE c.kind = 'eligible' AND ($1::bigint IS NULL OR c.region_id = $1)
           AND ($2::bigint IS NULL OR r.parent_id = $2)
         GROUP BY r.name HAVING sum(c.n) > 0 ORDER BY 2 DESC, 1",
    )
    .bind(scope.region())
    .bind(scope.city())
    .fetch_all(conn)
    .await
}
