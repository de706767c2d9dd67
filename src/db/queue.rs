//! The reviewers' queue: one page of proposals of one status with filters,
//! search and sort, and the counters above it. Designed for 100,000
//! proposals (migration 20261124000300): the latest evaluation's verdict,
//! standard and failing criteria are columns of `proposals` kept by a
//! trigger, every sort key has an index led by the status, the last pages
//! are read backwards, and the counters are a small table kept by triggers.
//! The regions, standard codes and rounds it offers and names come from
//! [`super::catalogue`], kept across writes to proposals.

use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::catalogue::{Catalogue, CatalogueCache};
use super::kept::KeptAt;

pub const PAGE_SIZE: i64 = 50;

/// The statuses the queue's tabs show.
pub const TABS: [&str; 4] = ["submitted", "approved", "rejected", "returned"];

/// Eligible investment (total − residential − commercial complex), the same
/// expression as the index `proposals_queue_eligible_idx`.
const ELIGIBLE: &str = "(p.investment_total_yi - COALESCE(p.investment_residential_yi, 0) \
     - COALESCE(p.investment_commercial_complex_yi, 0))";
/// Overall verdict rank, worst first; the expression of `proposals_queue_verdict_idx`.
const VERDICT_RANK: &str = "(CASE p.latest_overall WHEN 'fail' THEN 0 WHEN 'pass_with_warnings' THEN 1 \
     WHEN 'pass' THEN 2 ELSE 3 END)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Submitted,
    Name,
    Eligible,
    Verdict,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Submitted, Sort::Name, Sort::Eligible, Sort::Verdict];

    pub fn code(self) -> &'static str {
        match self {
            Sort::Submitted => "submitted",
            Sort::Name => "name",
            Sort::Eligible => "eligible",
            Sort::Verdict => "verdict",
        }
    }

    pub fn from_code(code: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The ORDER BY keys (each followed by the direction), id last.
    fn keys(self) -> Vec<String> {
        match self {
            Sort::Submitted => vec!["p.submitted_at".into(), "p.id".into()],
            Sort::Name => vec!["p.name".into(), "p.id".into()],
            Sort::Eligible => vec![ELIGIBLE.into(), "p.id".into()],
            Sort::Verdict => vec![VERDICT_RANK.into(), "p.submitted_at".into(), "p.id".into()],
        }
    }
}

/// Overall verdict codes as the rank of `VERDICT_RANK`.
fn verdict_rank(code: &str) -> Option<i32> {
    match code {
        "fail" => Some(0),
        "pass_with_warnings" => Some(1),
        "pass" => Some(2),
        _ => None,
    }
}

#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// One of `TABS`.
    pub status: String,
    pub verdict: Option<String>,
    pub industry: Option<String>,
    pub region_id: Option<i64>,
    pub standard: Option<String>,
    /// A substring of the name.
    pub search: Option<String>,
    pub sort: Sort,
    pub descending: bool,
}

impl QueueFilter {
    /// The counter that holds this filter's count, when there is one: only
    /// the status narrows the list, or the status and the overall verdict.
    fn counter_key(&self) -> Option<String> {
        let others =
            self.industry.is_none() && self.region_id.is_none() && self.standard.is_none() && self.search.is_none();
        if !others {
            return None;
        }
        match self.verdict.as_deref() {
            None => Some(format!("status:{}", self.status)),
            Some(v) => verdict_rank(v).map(|_| format!("verdict:{}:{v}", self.status)),
        }
    }
}

/// A row of the queue's export: every column named.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub id: i64,
    pub name: String,
    pub region_name: String,
    pub industry: Option<String>,
    pub status: String,
    pub overall: Option<String>,
    pub standard_code: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub eligible: Option<Decimal>,
    /// Its round's name, and its stage there while submitted.
    pub round_name: Option<String>,
    pub stage: Option<String>,
}

/// By position, in the order of the columns of [`select`], and without
/// sqlx's check of each value's type against its column: the export
/// decodes 100,000 rows of eleven values, and looking each up by name and
/// checking it was a quarter of the work (issue 19). The statements are
/// fixed text; the queue's tests read every column.
impl sqlx::FromRow<'_, sqlx::postgres::PgRow> for QueueRow {
    fn from_row(row: &sqlx::postgres::PgRow) -> sqlx::Result<Self> {
        use sqlx::Row;
        Ok(Self {
            id: row.try_get_unchecked(0)?,
            name: row.try_get_unchecked(1)?,
            region_name: row.try_get_unchecked(2)?,
            industry: row.try_get_unchecked(3)?,
            status: row.try_get_unchecked(4)?,
            overall: row.try_get_unchecked(5)?,
            standard_code: row.try_get_unchecked(6)?,
            submitted_at: row.try_get_unchecked(7)?,
            eligible: row.try_get_unchecked(8)?,
            round_name: row.try_get_unchecked(9)?,
            stage: row.try_get_unchecked(10)?,
        })
    }
}

/// `%`, `_` and `\` typed by the user match themselves.
fn like_pattern(search: &str) -> String {
    let mut out = String::from("%");
    for c in search.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// What the name index is asked for: the character pairs of the search,
/// or its one character (lower-cased as `name_grams` does).
fn grams(search: &str) -> Vec<String> {
    let chars: Vec<char> = search.to_lowercase().chars().collect();
    let mut grams: Vec<String> = if chars.len() < 2 {
        chars.iter().map(|c| c.to_string()).collect()
    } else {
        chars.windows(2).map(|w| w.iter().collect()).collect()
    };
    grams.sort();
    grams.dedup();
    grams
}

fn push_where(b: &mut QueryBuilder<'_, Postgres>, f: &QueueFilter) {
    // A tab is written into the statement, not bound: a prepared statement's
    // generic plan for `status = $1` cannot use an index kept for one status
    // (the submitted tab's name search, migration 20261124001100).
    match TABS.into_iter().find(|tab| *tab == f.status) {
        Some(tab) => b.push(format!(" WHERE p.status = '{tab}'")),
        None => b.push(" WHERE p.status = ").push_bind(f.status.clone()),
    };
    if let Some(rank) = f.verdict.as_deref().and_then(verdict_rank) {
        b.push(format!(" AND {VERDICT_RANK} = ")).push_bind(rank);
    }
    if let Some(industry) = &f.industry {
        b.push(" AND p.industry = ").push_bind(industry.clone());
    }
    if let Some(region) = f.region_id {
        b.push(" AND p.region_id = ").push_bind(region);
    }
    if let Some(standard) = &f.standard {
        b.push(" AND p.latest_standard_code = ").push_bind(standard.clone());
    }
    if let Some(search) = &f.search {
        b.push(" AND name_grams(p.name) @> ").push_bind(grams(search));
        b.push(" AND p.name ILIKE ").push_bind(like_pattern(search));
    }
}

/// The number of proposals the filter selects. A tab's count, and a tab's
/// count by overall verdict, are counters, read from the page's `sidebar`.
async fn count(conn: &mut PgConnection, f: &QueueFilter, sidebar: &Sidebar) -> sqlx::Result<i64> {
    match f.counter_key() {
        Some(key) => Ok(sidebar.counter(&key)),
        None => {
            let mut b = QueryBuilder::new("SELECT count(*) FROM proposals p");
            push_where(&mut b, f);
            b.build_query_scalar().fetch_one(conn).await
        }
    }
}

/// A row of a queue page: its region and round by id, named from the
/// sidebar's catalogue ([`named`]); its status is the tab's.
#[derive(Debug, Clone)]
pub struct PageRow {
    pub id: i64,
    pub name: String,
    pub region_id: i64,
    pub industry: Option<String>,
    pub overall: Option<String>,
    pub standard_code: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub eligible: Option<Decimal>,
    pub round_id: Option<i64>,
    /// Its stage in its round while submitted.
    pub stage: Option<String>,
}

/// By position, in the order of the columns of [`page_of`], as
/// [`QueueRow`]. The eligible investment comes as text: PostgreSQL writes a
/// numeric with its scale, which parses to the same `Decimal` as the binary
/// form decodes to, for a tenth of the work.
impl sqlx::FromRow<'_, sqlx::postgres::PgRow> for PageRow {
    fn from_row(row: &sqlx::postgres::PgRow) -> sqlx::Result<Self> {
        use sqlx::Row;
        let eligible: Option<&str> = row.try_get_unchecked(7)?;
        Ok(Self {
            id: row.try_get_unchecked(0)?,
            name: row.try_get_unchecked(1)?,
            region_id: row.try_get_unchecked(2)?,
            industry: row.try_get_unchecked(3)?,
            overall: row.try_get_unchecked(4)?,
            standard_code: row.try_get_unchecked(5)?,
            submitted_at: row.try_get_unchecked(6)?,
            eligible: eligible
                .map(Decimal::from_str)
                .transpose()
                .map_err(|e| sqlx::Error::ColumnDecode {
                    index: "eligible".into(),
                    source: Box::new(e),
                })?,
            round_id: row.try_get_unchecked(8)?,
            stage: row.try_get_unchecked(9)?,
        })
    }
}

/// Page `page_no` (from 1) of the filtered list, given its `total`. Pages in
/// the second half are read in the reverse order from the end, so that the
/// last page costs what the first does.
pub async fn page(conn: &mut PgConnection, f: &QueueFilter, page_no: i64, total: i64) -> sqlx::Result<Vec<PageRow>> {
    let offset = (page_no.max(1) - 1) * PAGE_SIZE;
    if offset >= total {
        return Ok(Vec::new());
    }
    let limit = PAGE_SIZE.min(total - offset);
    let from_end = total - offset - limit;
    let backwards = from_end < offset;
    let descending = f.descending != backwards;
    let mut b = page_of(f, descending, limit, if backwards { from_end } else { offset }, false);
    let mut rows: Vec<PageRow> = b.build_query_as().fetch_all(conn).await?;
    if backwards {
        rows.reverse();
    }
    Ok(rows)
}

/// A page of the queue, the one asked for or the last there is, and how
/// many rows the filter selects.
pub struct Cut {
    pub total: i64,
    /// From 1; the one asked for, or the last when it asked for more.
    pub page_no: i64,
    pub rows: Vec<PageRow>,
}

/// Page `asked` (from 1) of the filtered list with its total. A tab's total,
/// and a verdict's within it, is a counter of the sidebar. A search's rows
/// are counted in the statement that cuts the page: the name can only be
/// checked on each matching row, so counting and sorting apart visited
/// every match twice (thousands of rows for a county's name). Other filters
/// are counted apart, so that their page is still cut from the index of
/// the sort without reading every match. Only a searched page past the end
/// needs the count first.
pub async fn cut(conn: &mut PgConnection, f: &QueueFilter, sidebar: &Sidebar, asked: i64) -> sqlx::Result<Cut> {
    let asked = asked.max(1);
    if f.search.is_some()
        && let Some((total, rows)) = counted_page(conn, f, asked).await?
    {
        return Ok(Cut {
            total,
            page_no: asked,
            rows,
        });
    }
    let total = count(conn, f, sidebar).await?;
    let page_no = asked.min(crate::domain::page_count(total, PAGE_SIZE));
    let rows = page(conn, f, page_no, total).await?;
    Ok(Cut { total, page_no, rows })
}

/// Page `page_no` of the filtered list and the number of rows the filter
/// selects, or `None` when the page is past the end (no row tells the
/// count then).
async fn counted_page(
    conn: &mut PgConnection,
    f: &QueueFilter,
    page_no: i64,
) -> sqlx::Result<Option<(i64, Vec<PageRow>)>> {
    let Some(offset) = (page_no - 1).checked_mul(PAGE_SIZE) else {
        return Ok(None);
    };
    let rows: Vec<CountedRow> = page_of(f, f.descending, PAGE_SIZE, offset, true)
        .build_query_as()
        .fetch_all(conn)
        .await?;
    let Some(total) = rows.first().map(|r| r.1) else {
        return Ok(None);
    };
    Ok(Some((total, rows.into_iter().map(|r| r.0).collect())))
}

/// A [`PageRow`] with the count of every row the filter selects.
struct CountedRow(PageRow, i64);

impl sqlx::FromRow<'_, sqlx::postgres::PgRow> for CountedRow {
    fn from_row(row: &sqlx::postgres::PgRow) -> sqlx::Result<Self> {
        use sqlx::Row;
        Ok(Self(
            <PageRow as sqlx::FromRow<_>>::from_row(row)?,
            row.try_get_unchecked(10)?,
        ))
    }
}

/// One page of the queue's rows, cut straight from the proposals' index of
/// the sort: the names of regions and rounds come from the catalogue, not
/// from a join, which cost PostgreSQL as much as the page itself (a hash
/// join and a sort to restore the order). `counted` adds the number of rows
/// the filter selects as an eleventh column.
fn page_of(
    f: &QueueFilter,
    descending: bool,
    limit: i64,
    offset: i64,
    counted: bool,
) -> QueryBuilder<'static, Postgres> {
    let dir = if descending { " DESC" } else { " ASC" };
    let total = if counted { ", count(*) OVER () AS total" } else { "" };
    let mut b = QueryBuilder::new(format!(
        "SELECT p.id, p.name, p.region_id, p.industry, p.latest_overall AS overall,
                p.latest_standard_code AS standard_code, p.submitted_at, {ELIGIBLE}::text AS eligible,
                p.round_id, p.stage{total}
         FROM proposals p"
    ));
    push_where(&mut b, f);
    let order: Vec<String> = f.sort.keys().into_iter().map(|k| format!("{k}{dir}")).collect();
    // LIMIT and OFFSET are written in, not bound: bound, they made
    // PostgreSQL plan the statement again on every call (a custom plan,
    // 170 µs, more than running it); written, a tab's first page is a
    // statement without parameters, planned once per connection. They are
    // numbers computed here.
    b.push(format!(" ORDER BY {} LIMIT {limit} OFFSET {offset}", order.join(", ")));
    b
}

/// The queue's rows for the filter, sorted; `descending` flips the order.
fn select(f: &QueueFilter, descending: bool) -> QueryBuilder<'static, Postgres> {
    let dir = if descending { " DESC" } else { " ASC" };
    // The region's name as a subquery, not a join: PostgreSQL evaluates it
    // after the sort and the limit, for the page's rows only, where a join
    // would look up every matching row's region before sorting.
    let mut b = QueryBuilder::new(format!(
        "SELECT p.id, p.name, (SELECT r.name FROM regions r WHERE r.id = p.region_id) AS region_name,
                p.industry, p.status, p.latest_overall AS overall,
                p.latest_standard_code AS standard_code, p.submitted_at, {ELIGIBLE} AS eligible,
                (SELECT ro.name FROM rounds ro WHERE ro.id = p.round_id) AS round_name, p.stage
         FROM proposals p"
    ));
    push_where(&mut b, f);
    let order: Vec<String> = f.sort.keys().into_iter().map(|k| format!("{k}{dir}")).collect();
    b.push(format!(" ORDER BY {}", order.join(", ")));
    b
}

/// Every row the filter selects, in the queue's order (all its pages at
/// once): the statement the queue's export streams ([`crate::db::export`]).
pub fn all(f: &QueueFilter) -> QueryBuilder<'static, Postgres> {
    select(f, f.descending)
}

/// What the queue page shows beside the rows: the counters, and the
/// catalogue of regions, standard codes and rounds its filters offer and
/// its rows name.
pub struct Sidebar {
    pub counters: Arc<[(String, i64)]>,
    pub catalogue: Arc<Catalogue>,
    /// The catalogue's version, read with the counters.
    version: i64,
}

impl Sidebar {
    /// A counter's value (absent counters are zero).
    pub fn counter(&self, key: &str) -> i64 {
        self.counters
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }
}

/// (key, n), decoded by position without a type check per value, as
/// [`QueueRow`]. The catalogue's version comes as the row without a key.
struct CounterRow(Option<String>, i64);

impl sqlx::FromRow<'_, sqlx::postgres::PgRow> for CounterRow {
    fn from_row(row: &sqlx::postgres::PgRow) -> sqlx::Result<Self> {
        use sqlx::Row;
        Ok(Self(row.try_get_unchecked(0)?, row.try_get_unchecked(1)?))
    }
}

/// The counters and the catalogue's version as a request last read them,
/// under the data version read with that request's session. The counters
/// are kept by triggers on tables that bump the data version, so while it
/// stands they stand; and read after the session, they are at least as new
/// as it. A later request whose session reads the same version takes them
/// without a statement.
pub type KeptCounters = KeptAt<(Arc<[(String, i64)]>, i64)>;

/// Every counter — `status:<code>`, `failing:<criterion>` (submitted
/// proposals whose latest evaluation fails it) and
/// `verdict:<status>:<overall>` — and the catalogue, which is read only
/// when `kept` holds another version than the one read with the counters.
/// The counters are read only when `counters` holds none under the data
/// version this request's session was read with.
pub async fn sidebar(conn: &mut PgConnection, kept: &CatalogueCache, counters: &KeptCounters) -> sqlx::Result<Sidebar> {
    let data_version = super::sessions::data_version();
    let (counters, version) = match data_version.and_then(|v| counters.at(v)) {
        Some(read) => read,
        None => {
            let rows: Vec<CounterRow> = sqlx::query_as(
                "SELECT key, n FROM review_counters WHERE n <> 0
                 UNION ALL SELECT NULL, catalogue FROM data_version",
            )
            .fetch_all(&mut *conn)
            .await?;
            let mut list = Vec::with_capacity(rows.len());
            let mut version = 0;
            for CounterRow(key, n) in rows {
                match key {
                    Some(key) => list.push((key, n)),
                    None => version = n,
                }
            }
            let read: (Arc<[(String, i64)]>, i64) = (list.into(), version);
            if let Some(v) = data_version {
                counters.keep(v, read.clone());
            }
            read
        }
    };
    let catalogue = kept.get(conn, version).await?;
    Ok(Sidebar {
        counters,
        catalogue,
        version,
    })
}

/// Makes the sidebar's catalogue name every region and round of the page's
/// `rows`. One it lacks was added after the catalogue's version was read:
/// the catalogue is then read again.
pub async fn named(
    conn: &mut PgConnection,
    sidebar: &mut Sidebar,
    kept: &CatalogueCache,
    rows: &[PageRow],
) -> sqlx::Result<()> {
    let known = |c: &Catalogue| {
        rows.iter()
            .all(|r| c.region_name(r.region_id).is_some() && r.round_id.is_none_or(|id| c.round_name(id).is_some()))
    };
    if !known(&sidebar.catalogue) {
        sidebar.catalogue = kept.refresh(conn, sidebar.version).await?;
    }
    Ok(())
}
