//! Proposals: typed columns ⇄ `ProposalInput`, region scoping in every
//! query, optimistic locking on every change.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::query_builder::Separated;
use sqlx::{PgConnection, Postgres, QueryBuilder};

use crate::domain::Status;
use crate::domain::proposal::{
    BenefitsInput, ClassicTrade, FunctionsInput, Industry, InvestmentInput, Location, ProposalInput,
};

/// Who may see which proposals: an official only their region's; a
/// reviewer every region's, but only once they reached the reviewers
/// (submitted, decided or listed — never an official's draft, nor one
/// withdrawn); a city user its counties' proposals from submission on
/// (never drafts, nor withdrawn ones); an admin all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Region(i64),
    Reviewable,
    /// The counties of this city (a region of kind `city`).
    City(i64),
    All,
}

impl Scope {
    pub(crate) fn region(self) -> Option<i64> {
        match self {
            Scope::Region(id) => Some(id),
            Scope::Reviewable | Scope::City(_) | Scope::All => None,
        }
    }

    /// The city whose counties the scope sees.
    pub(crate) fn city(self) -> Option<i64> {
        match self {
            Scope::City(id) => Some(id),
            Scope::Region(_) | Scope::Reviewable | Scope::All => None,
        }
    }

    /// The statuses this scope does not see.
    pub(crate) fn hidden(self) -> Vec<&'static str> {
        match self {
            Scope::Reviewable | Scope::City(_) => vec![Status::Draft.code(), Status::Withdrawn.code()],
            Scope::Region(_) | Scope::All => Vec::new(),
        }
    }
}

/// The condition on `p.region_id` of a city scope, `$n` bound to
/// [`Scope::city`].
fn in_city(n: u8) -> String {
    format!("(${n}::bigint IS NULL OR p.region_id IN (SELECT id FROM regions WHERE parent_id = ${n}))")
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProposalRow {
    pub id: i64,
    pub region_id: i64,
    pub region_name: String,
    pub name: String,
    pub developer: Option<String>,
    pub industry: Option<String>,
    pub classic_trade: Option<String>,
    pub location: Option<String>,
    pub accelerated_county: bool,
    pub planned_area_km2: Option<Decimal>,
    pub built_area_km2: Option<Decimal>,
    pub investment_total_yi: Option<Decimal>,
    pub investment_residential_yi: Option<Decimal>,
    pub investment_commercial_complex_yi: Option<Decimal>,
    pub investment_characteristic_yi: Option<Decimal>,
    pub investment_by_year_yi: Option<Vec<Option<Decimal>>>,
    pub functions_industry: bool,
    pub functions_culture: bool,
    pub functions_tourism: bool,
    pub functions_community: bool,
    pub functions_public_service_app: bool,
    pub functions_town_living_room: bool,
    pub functions_scenic_level: Option<i16>,
    pub functions_wifi_coverage_pct: Option<Decimal>,
    pub functions_digital_management_pct: Option<Decimal>,
    pub benefits_new_tax_wan: Option<Decimal>,
    pub benefits_jobs: Option<i32>,
    pub benefits_annual_visitors: Option<i32>,
    pub benefits_enterprises: Option<i32>,
    pub benefits_talents: Option<i32>,
    pub green_coverage_pct: Option<Decimal>,
    pub residential_land_pct: Option<Decimal>,
    pub labour_productivity_wan: Option<Decimal>,
    pub new_economy_share_pct: Option<Decimal>,
    pub rd_intensity_pct: Option<Decimal>,
    pub status: String,
    pub version: i32,
    pub revision: i32,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// The round it entered at its first submission.
    pub round_id: Option<i64>,
    /// Where it is in its round while submitted (`city`, `formal`, …).
    pub stage: Option<String>,
}

impl ProposalRow {
    pub fn status(&self) -> Status {
        // The column's CHECK constraint allows only known codes.
        Status::from_code(&self.status).unwrap_or(Status::Draft)
    }

    /// The stored data as the domain's draft type (the region by name).
    pub fn to_input(&self) -> ProposalInput {
        ProposalInput {
            name: Some(self.name.clone()),
            region: Some(self.region_name.clone()),
            developer: self.developer.clone(),
            industry: self.industry.as_deref().and_then(Industry::from_code),
            classic_trade: self.classic_trade.as_deref().and_then(ClassicTrade::from_code),
            location: self.location.as_deref().and_then(Location::from_code),
            accelerated_county: self.accelerated_county,
            planned_area_km2: self.planned_area_km2.map(|d| d.normalize()),
            built_area_km2: self.built_area_km2.map(|d| d.normalize()),
            investment: InvestmentInput {
                total_yi: self.investment_total_yi.map(|d| d.normalize()),
                residential_yi: self.investment_residential_yi.map(|d| d.normalize()),
                commercial_complex_yi: self.investment_commercial_complex_yi.map(|d| d.normalize()),
                characteristic_yi: self.investment_characteristic_yi.map(|d| d.normalize()),
                by_year_yi: self
                    .investment_by_year_yi
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|d| d.map(|d| d.normalize()))
                    .collect(),
            },
            functions: FunctionsInput {
                industry: self.functions_industry,
                culture: self.functions_culture,
                tourism: self.functions_tourism,
                community: self.functions_community,
                public_service_app: self.functions_public_service_app,
                town_living_room: self.functions_town_living_room,
                scenic_level: self.functions_scenic_level.map(i32::from),
                wifi_coverage_pct: self.functions_wifi_coverage_pct.map(|d| d.normalize()),
                digital_management_pct: self.functions_digital_management_pct.map(|d| d.normalize()),
            },
            benefits: BenefitsInput {
                new_tax_wan: self.benefits_new_tax_wan.map(|d| d.normalize()),
                jobs: self.benefits_jobs,
                annual_visitors: self.benefits_annual_visitors,
                enterprises: self.benefits_enterprises,
                talents: self.benefits_talents,
            },
            green_coverage_pct: self.green_coverage_pct.map(|d| d.normalize()),
            residential_land_pct: self.residential_land_pct.map(|d| d.normalize()),
            labour_productivity_wan: self.labour_productivity_wan.map(|d| d.normalize()),
            new_economy_share_pct: self.new_economy_share_pct.map(|d| d.normalize()),
            rd_intensity_pct: self.rd_intensity_pct.map(|d| d.normalize()),
        }
    }
}

/// The columns of a [`ProposalRow`] of `proposals p`, but the region's
/// name ([`REGION_NAME`] for one row, a join for many). Named rather than
/// `p.*`: the row's kept lists of criteria (`latest_passed`, …) are for the
/// counters, and encoding them cost every report its own share (issue 19).
pub(super) const ROW_COLUMNS: &str = "p.id, p.region_id, p.name, p.developer, p.industry, p.classic_trade, p.location,
    p.accelerated_county, p.planned_area_km2, p.built_area_km2, p.investment_total_yi, p.investment_residential_yi,
    p.investment_commercial_complex_yi, p.investment_characteristic_yi, p.investment_by_year_yi,
    p.functions_industry, p.functions_culture, p.functions_tourism, p.functions_community,
    p.functions_public_service_app, p.functions_town_living_room, p.functions_scenic_level,
    p.functions_wifi_coverage_pct, p.functions_digital_management_pct, p.benefits_new_tax_wan, p.benefits_jobs,
    p.benefits_annual_visitors, p.benefits_enterprises, p.benefits_talents, p.green_coverage_pct,
    p.residential_land_pct, p.labour_productivity_wan, p.new_economy_share_pct, p.rd_intensity_pct,
    p.status, p.version, p.revision, p.created_by, p.created_at, p.updated_at, p.submitted_at, p.round_id, p.stage";

/// The region's name of one proposal `p`, looked up by key: as a join,
/// PostgreSQL hashes the whole regions table for the one row.
pub(super) const REGION_NAME: &str = "(SELECT r.name FROM regions r WHERE r.id = p.region_id) AS region_name";

static SELECT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("SELECT {ROW_COLUMNS}, {REGION_NAME} FROM proposals p"));

/// The condition of [`get`]: the row `$1` when the scope bound to `$n`,
/// `$n+1` and `$n+2` ([`Scope::region`], [`Scope::hidden`], [`Scope::city`])
/// sees it.
pub(super) fn visible(n: u8) -> String {
    format!(
        "WHERE p.id = $1 AND (${n}::bigint IS NULL OR p.region_id = ${n}) AND NOT (p.status = ANY(${})) AND {}",
        n + 1,
        in_city(n + 2)
    )
}

/// The data columns written from a `ProposalInput`, in bind order.
const DATA_COLUMNS: [&str; 34] = [
    "name",
    "developer",
    "industry",
    "classic_trade",
    "location",
    "accelerated_county",
    "planned_area_km2",
    "built_area_km2",
    "investment_total_yi",
    "investment_residential_yi",
    "investment_commercial_complex_yi",
    "investment_characteristic_yi",
    "investment_by_year_yi",
    "functions_industry",
    "functions_culture",
    "functions_tourism",
    "functions_community",
    "functions_public_service_app",
    "functions_town_living_room",
    "functions_scenic_level",
    "functions_wifi_coverage_pct",
    "functions_digital_management_pct",
    "benefits_new_tax_wan",
    "benefits_jobs",
    "benefits_annual_visitors",
    "benefits_enterprises",
    "benefits_talents",
    "green_coverage_pct",
    "residential_land_pct",
    "labour_productivity_wan",
    "new_economy_share_pct",
    "rd_intensity_pct",
    "updated_by",
    "updated_at",
];

fn push_data_values(b: &mut QueryBuilder<'_, Postgres>, input: &ProposalInput, user_id: i64) {
    let mut s = b.separated(", ");
    push_data_binds(&mut s, input, user_id);
}

fn push_data_binds(s: &mut Separated<'_, '_, Postgres, &'static str>, input: &ProposalInput, user_id: i64) {
    let i = &input.investment;
    let f = &input.functions;
    let n = &input.benefits;
    s.push_bind(input.name.clone().unwrap_or_default().trim().to_owned());
    s.push_bind(input.developer.clone().map(|d| d.trim().to_owned()));
    s.push_bind(input.industry.map(|v| v.code()));
    s.push_bind(input.classic_trade.map(|v| v.code()));
    s.push_bind(input.location.map(|v| v.code()));
    s.push_bind(input.accelerated_county);
    s.push_bind(input.planned_area_km2);
    s.push_bind(input.built_area_km2);
    s.push_bind(i.total_yi);
    s.push_bind(i.residential_yi);
    s.push_bind(i.commercial_complex_yi);
    s.push_bind(i.characteristic_yi);
    s.push_bind((!i.by_year_yi.is_empty()).then(|| i.by_year_yi.clone()));
    s.push_bind(f.industry);
    s.push_bind(f.culture);
    s.push_bind(f.tourism);
    s.push_bind(f.community);
    s.push_bind(f.public_service_app);
    s.push_bind(f.town_living_room);
    s.push_bind(f.scenic_level.and_then(|v| i16::try_from(v).ok()));
    s.push_bind(f.wifi_coverage_pct);
    s.push_bind(f.digital_management_pct);
    s.push_bind(n.new_tax_wan);
    s.push_bind(n.jobs);
    s.push_bind(n.annual_visitors);
    s.push_bind(n.enterprises);
    s.push_bind(n.talents);
    s.push_bind(input.green_coverage_pct);
    s.push_bind(input.residential_land_pct);
    s.push_bind(input.labour_productivity_wan);
    s.push_bind(input.new_economy_share_pct);
    s.push_bind(input.rd_intensity_pct);
    s.push_bind(user_id);
    s.push("now()");
}

/// Inserts a draft; returns its id.
pub async fn insert(conn: &mut PgConnection, region_id: i64, input: &ProposalInput, user_id: i64) -> sqlx::Result<i64> {
    let mut b = QueryBuilder::new("INSERT INTO proposals (region_id, created_by, ");
    b.push(DATA_COLUMNS.join(", "));
    b.push(") VALUES (");
    b.push_bind(region_id);
    b.push(", ");
    b.push_bind(user_id);
    b.push(", ");
    push_data_values(&mut b, input, user_id);
    b.push(") RETURNING id");
    b.build_query_scalar().fetch_one(conn).await
}

/// A proposal written in bulk (generated data for load tests), already in
/// its final status.
pub struct BulkProposal<'a> {
    pub region_id: i64,
    pub input: &'a ProposalInput,
    pub status: Status,
    pub revision: i32,
    pub user_id: i64,
}

/// Inserts many proposals in one statement (keep it under ~1,500 rows: the
/// protocol allows 65,535 bound values); returns their ids in order.
pub async fn insert_many(conn: &mut PgConnection, rows: &[BulkProposal<'_>]) -> sqlx::Result<Vec<i64>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut b = QueryBuilder::new("INSERT INTO proposals (region_id, created_by, status, revision, submitted_at, ");
    b.push(DATA_COLUMNS.join(", "));
    b.push(") ");
    b.push_values(rows, |mut s, row| {
        s.push_bind(row.region_id);
        s.push_bind(row.user_id);
        s.push_bind(row.status.code());
        s.push_bind(row.revision);
        if row.revision > 0 {
            s.push("now() - random() * interval '365 days'");
        } else {
            s.push("NULL");
        }
        push_data_binds(&mut s, row.input, row.user_id);
    });
    b.push(" RETURNING id");
    b.build_query_scalar().fetch_all(conn).await
}

/// Why a change was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeRefused {
    /// Not there, or not in the caller's scope.
    NotFound,
    /// Someone saved it since the caller loaded `version`.
    Stale,
    /// Not in a status that allows the change.
    WrongStatus,
}

/// Overwrites the data of an editable proposal if it is still at `version`.
/// Returns the new version.
pub async fn update(
    conn: &mut PgConnection,
    id: i64,
    scope: Scope,
    version: i32,
    input: &ProposalInput,
    user_id: i64,
) -> sqlx::Result<Result<i32, ChangeRefused>> {
    let current = lock(conn, id, scope).await?;
    let Some(current) = current else {
        return Ok(Err(ChangeRefused::NotFound));
    };
    if current.version != version {
        return Ok(Err(ChangeRefused::Stale));
    }
    if !current.status().is_editable() {
        return Ok(Err(ChangeRefused::WrongStatus));
    }
    let mut b = QueryBuilder::new("UPDATE proposals SET (");
    b.push(DATA_COLUMNS.join(", "));
    b.push(", version) = (");
    push_data_values(&mut b, input, user_id);
    b.push(", version + 1) WHERE id = ");
    b.push_bind(id);
    b.push(" RETURNING version");
    let new_version: i32 = b.build_query_scalar().fetch_one(conn).await?;
    Ok(Ok(new_version))
}

/// The row, locked for the rest of the transaction (`FOR UPDATE`), so that
/// the checks a change makes hold until it commits.
pub async fn lock(conn: &mut PgConnection, id: i64, scope: Scope) -> sqlx::Result<Option<ProposalRow>> {
    visible_row(conn, id, scope, " FOR UPDATE OF p").await
}

pub async fn get(conn: &mut PgConnection, id: i64, scope: Scope) -> sqlx::Result<Option<ProposalRow>> {
    visible_row(conn, id, scope, "").await
}

async fn visible_row(
    conn: &mut PgConnection,
    id: i64,
    scope: Scope,
    suffix: &str,
) -> sqlx::Result<Option<ProposalRow>> {
    sqlx::query_as(&format!("{} {}{suffix}", *SELECT, visible(2)))
        .bind(id)
        .bind(scope.region())
        .bind(scope.hidden())
        .bind(scope.city())
        .fetch_optional(conn)
        .await
}

/// Moves a locked row to `to`, bumping the version (and the revision and
/// submission time on a submission).
pub async fn set_status(conn: &mut PgConnection, id: i64, to: Status, user_id: i64) -> sqlx::Result<ProposalRow> {
    let submitting = to == Status::Submitted;
    sqlx::query(
        "UPDATE proposals SET status = $2, version = version + 1, updated_by = $3, updated_at = now(),
             revision = revision + CASE WHEN $4 THEN 1 ELSE 0 END,
             submitted_at = CASE WHEN $4 THEN now() ELSE submitted_at END
         WHERE id = $1",
    )
    .bind(id)
    .bind(to.code())
    .bind(user_id)
    .bind(submitting)
    .execute(&mut *conn)
    .await?;
    sqlx::query_as(&format!("{} WHERE p.id = $1", *SELECT))
        .bind(id)
        .fetch_one(conn)
        .await
}

/// An approved proposal back to `submitted` (a re-evaluation), keeping its
/// revision and submission time: the data did not change, the evaluation
/// did. It goes back to the decision (the joint stage of its round).
/// `false` when it was not approved.
pub async fn reopen_approved(conn: &mut PgConnection, id: i64, user_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE proposals SET status = 'submitted', stage = 'joint', version = version + 1, updated_by = $2,
             updated_at = now()
         WHERE id = $1 AND status = 'approved'",
    )
    .bind(id)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A line of the proposals list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListRow {
    pub id: i64,
    pub name: String,
    pub region_name: String,
    pub industry: Option<String>,
    pub status: String,
    pub overall: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// Its round's name and its stage there.
    pub round_name: Option<String>,
    pub stage: Option<String>,
}

/// The round and stage columns of a list line (the round's name read for
/// the page's rows only).
const ROUND_COLUMNS: &str = "(SELECT ro.name FROM rounds ro WHERE ro.id = p.round_id) AS round_name, p.stage";

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub region_id: Option<i64>,
    pub status: Option<Status>,
}

/// Every proposal in scope that the list's filters select, in the list's
/// order: the statement the list's export streams ([`crate::db::export`]).
/// The latest overall verdict is the column the evaluations' trigger keeps.
pub fn list_all(scope: Scope, filter: &ListFilter) -> QueryBuilder<'static, Postgres> {
    let mut b = QueryBuilder::new(format!(
        "SELECT p.id, p.name, r.name AS region_name, p.industry, p.status, p.latest_overall AS overall, p.updated_at,
                {ROUND_COLUMNS}
         FROM proposals p JOIN regions r ON r.id = p.region_id WHERE true"
    ));
    if let Some(region) = scope.region().or(filter.region_id) {
        b.push(" AND p.region_id = ").push_bind(region);
    }
    if let Some(city) = scope.city() {
        b.push(" AND p.region_id IN (SELECT id FROM regions WHERE parent_id = ")
            .push_bind(city)
            .push(")");
    }
    let hidden = scope.hidden();
    if !hidden.is_empty() {
        b.push(" AND NOT (p.status = ANY(").push_bind(hidden).push("))");
    }
    if let Some(status) = filter.status {
        b.push(" AND p.status = ").push_bind(status.code());
    }
    b.push(" ORDER BY p.updated_at DESC, p.id DESC");
    b
}

/// One page of proposals in scope, newest change first, with the latest
/// evaluation's overall verdict; and the total count.
pub async fn list(
    conn: &mut PgConnection,
    scope: Scope,
    filter: &ListFilter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<ListRow>, i64)> {
    let region = scope.region().or(filter.region_id);
    let status = filter.status.map(|s| s.code());
    let rows = sqlx::query_as(&format!(
        "SELECT p.id, p.name, r.name AS region_name, p.industry, p.status, e.overall, p.updated_at, {ROUND_COLUMNS}
         FROM proposals p
         JOIN regions r ON r.id = p.region_id
         LEFT JOIN LATERAL (SELECT overall FROM evaluations WHERE proposal_id = p.id ORDER BY id DESC LIMIT 1) e ON true
         WHERE ($1::bigint IS NULL OR p.region_id = $1) AND ($2::text IS NULL OR p.status = $2)
           AND ($3::bigint IS NULL OR p.region_id = $3) AND NOT (p.status = ANY($6))
           AND {}
         ORDER BY p.updated_at DESC, p.id DESC
         LIMIT $4 OFFSET $5",
        in_city(7)
    ))
    .bind(region)
    .bind(status)
    .bind(scope.region())
    .bind(limit)
    .bind(offset)
    .bind(scope.hidden())
    .bind(scope.city())
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM proposals p
         WHERE ($1::bigint IS NULL OR p.region_id = $1) AND ($2::text IS NULL OR p.status = $2)
           AND ($3::bigint IS NULL OR p.region_id = $3) AND NOT (p.status = ANY($4)) AND {}",
        in_city(5)
    ))
    .bind(region)
    .bind(status)
    .bind(scope.region())
    .bind(scope.hidden())
    .bind(scope.city())
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}
