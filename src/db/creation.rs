//! The creation system's store: annual reports, assessments (grades),
//! acceptance decisions and the published result lists.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use sqlx::PgConnection;
use sqlx::types::Json;

use crate::db::proposals::ChangeRefused;
use crate::domain::creation::{AnnualFigures, Grade};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportRow {
    pub id: i64,
    pub proposal_id: i64,
    pub year: i32,
    pub investment_total_yi: Decimal,
    pub investment_residential_yi: Decimal,
    pub investment_commercial_complex_yi: Decimal,
    pub investment_characteristic_yi: Decimal,
    pub land_used_mu: Decimal,
    pub new_tax_wan: Decimal,
    pub province_tax_wan: Decimal,
    pub jobs: i32,
    pub annual_visitors: i32,
    pub enterprises: i32,
    pub public_service_app: bool,
    pub town_living_room: bool,
    pub scenic_level: i16,
    pub wifi_coverage_pct: Decimal,
    pub digital_management_pct: Decimal,
    pub status: String,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    /// A rebate year's rate and rebate, stored as the report arrives.
    pub tax_rebate_rate: Option<Decimal>,
    pub tax_rebate_wan: Option<Decimal>,
}

impl ReportRow {
    pub fn figures(&self) -> AnnualFigures {
        AnnualFigures {
            total_yi: self.investment_total_yi.normalize(),
            residential_yi: self.investment_residential_yi.normalize(),
            commercial_complex_yi: self.investment_commercial_complex_yi.normalize(),
            characteristic_yi: self.investment_characteristic_yi.normalize(),
            land_used_mu: self.land_used_mu.normalize(),
            new_tax_wan: self.new_tax_wan.normalize(),
            province_tax_wan: self.province_tax_wan.normalize(),
            jobs: self.jobs,
            annual_visitors: self.annual_visitors,
            enterprises: self.enterprises,
            public_service_app: self.public_service_app,
            town_living_room: self.town_living_room,
            scenic_level: i32::from(self.scenic_level),
            wifi_coverage_pct: self.wifi_coverage_pct.normalize(),
            digital_management_pct: self.digital_management_pct.normalize(),
        }
    }

    pub fn is_assessed(&self) -> bool {
        self.status == "assessed"
    }
}

const REPORT: &str = "SELECT id, proposal_id, year, investment_total_yi, investment_residential_yi,
        investment_commercial_complex_yi, investment_characteristic_yi, land_used_mu, new_tax_wan, province_tax_wan,
        jobs, annual_visitors, enterprises, public_service_app, town_living_room, scenic_level, wifi_coverage_pct,
        digital_management_pct, status, version, updated_at, tax_rebate_rate, tax_rebate_wan
    FROM annual_reports";

pub async fn insert_report(
    conn: &mut PgConnection,
    proposal_id: i64,
    year: i32,
    f: &AnnualFigures,
    user_id: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO annual_reports (proposal_id, year, investment_total_yi, investment_residential_yi,
             investment_commercial_complex_yi, investment_characteristic_yi, land_used_mu, new_tax_wan,
             province_tax_wan, jobs, annual_visitors, enterprises, public_service_app, town_living_room,
             scenic_level, wifi_coverage_pct, digital_management_pct, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
    )
    .bind(proposal_id)
    .bind(year)
    .bind(f.total_yi)
    .bind(f.residential_yi)
    .bind(f.commercial_complex_yi)
    .bind(f.characteristic_yi)
    .bind(f.land_used_mu)
    .bind(f.new_tax_wan)
    .bind(f.province_tax_wan)
    .bind(f.jobs)
    .bind(f.annual_visitors)
    .bind(f.enterprises)
    .bind(f.public_service_app)
    .bind(f.town_living_room)
    .bind(f.scenic_level as i16)
    .bind(f.wifi_coverage_pct)
    .bind(f.digital_management_pct)
    .bind(user_id)
    .fetch_one(conn)
    .await
}

/// Overwrites a report's figures if it is still `submitted` and at
/// `version`; answers the new version.
pub async fn update_report(
    conn: &mut PgConnection,
    id: i64,
    version: i32,
    f: &AnnualFigures,
) -> sqlx::Result<Result<i32, ChangeRefused>> {
    let Some(current) = lock_report(conn, id).await? else {
        return Ok(Err(ChangeRefused::NotFound));
    };
    if current.is_assessed() {
        return Ok(Err(ChangeRefused::WrongStatus));
    }
    if current.version != version {
        return Ok(Err(ChangeRefused::Stale));
    }
    let v = sqlx::query_scalar(
        "UPDATE annual_reports SET investment_total_yi = $2, investment_residential_yi = $3,
             investment_commercial_complex_yi = $4, investment_characteristic_yi = $5, land_used_mu = $6,
             new_tax_wan = $7, jobs = $8, annual_visitors = $9, enterprises = $10, public_service_app = $11,
             town_living_room = $12, scenic_level = $13, wifi_coverage_pct = $14, digital_management_pct = $15,
             province_tax_wan = $16, version = version + 1, updated_at = now()
         WHERE id = $1 RETURNING version",
    )
    .bind(id)
    .bind(f.total_yi)
    .bind(f.residential_yi)
    .bind(f.commercial_complex_yi)
    .bind(f.characteristic_yi)
    .bind(f.land_used_mu)
    .bind(f.new_tax_wan)
    .bind(f.jobs)
    .bind(f.annual_visitors)
    .bind(f.enterprises)
    .bind(f.public_service_app)
    .bind(f.town_living_room)
    .bind(f.scenic_level as i16)
    .bind(f.wifi_coverage_pct)
    .bind(f.digital_management_pct)
    .bind(f.province_tax_wan)
    .fetch_one(conn)
    .await?;
    Ok(Ok(v))
}

pub async fn lock_report(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<ReportRow>> {
    sqlx::query_as(&format!("{REPORT} WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn get_report(conn: &mut PgConnection, proposal_id: i64, year: i32) -> sqlx::Result<Option<ReportRow>> {
    sqlx::query_as(&format!("{REPORT} WHERE proposal_id = $1 AND year = $2"))
        .bind(proposal_id)
        .bind(year)
        .fetch_optional(conn)
        .await
}

/// A town's reports, oldest year first.
pub async fn reports_for(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Vec<ReportRow>> {
    sqlx::query_as(&format!("{REPORT} WHERE proposal_id = $1 ORDER BY year"))
        .bind(proposal_id)
        .fetch_all(conn)
        .await
}

/// Stores a rebate year's rate and rebate on its report.
pub async fn set_report_rebate(
    conn: &mut PgConnection,
    id: i64,
    rate: Decimal,
    rebate_wan: Decimal,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE annual_reports SET tax_rebate_rate = $2, tax_rebate_wan = $3 WHERE id = $1")
        .bind(id)
        .bind(rate)
        .bind(rebate_wan)
        .execute(conn)
        .await?;
    Ok(())
}

/// The calendar year (China time) in which the list batch that listed a
/// town was published.
pub async fn listing_year(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Option<i32>> {
    sqlx::query_scalar(
        "SELECT EXTRACT(YEAR FROM b.published_at AT TIME ZONE 'Asia/Shanghai')::int
         FROM batch_entries e JOIN batches b ON b.id = e.batch_id
         WHERE e.proposal_id = $1 AND b.kind = 'list' AND b.status = 'published'
         ORDER BY b.published_at LIMIT 1",
    )
    .bind(proposal_id)
    .fetch_optional(conn)
    .await
}

/// What places a listed town's years in its period — the standard and plan
/// of its latest evaluation and its listing year — for many towns in one
/// statement (the reviewers' list of overdue years reads hundreds).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PeriodRow {
    pub proposal_id: i64,
    pub standard_code: String,
    pub standard_version: i32,
    pub snapshot: serde_json::Value,
    pub listing_year: i32,
}

pub async fn period_rows(conn: &mut PgConnection, ids: &[i64]) -> sqlx::Result<Vec<PeriodRow>> {
    sqlx::query_as(
        "SELECT p.id AS proposal_id, e.standard_code, e.standard_version, e.snapshot, l.listing_year
         FROM unnest($1::bigint[]) AS p(id)
         CROSS JOIN LATERAL (
             SELECT standard_code, standard_version, snapshot FROM evaluations
             WHERE proposal_id = p.id ORDER BY id DESC LIMIT 1) e
         CROSS JOIN LATERAL (
             SELECT MIN(EXTRACT(YEAR FROM b.published_at AT TIME ZONE 'Asia/Shanghai'))::int AS listing_year
             FROM batch_entries be JOIN batches b ON b.id = be.batch_id
             WHERE be.proposal_id = p.id AND b.kind = 'list' AND b.status = 'published') l
         WHERE l.listing_year IS NOT NULL",
    )
    .bind(ids)
    .fetch_all(conn)
    .await
}

/// The towns still in their creation period (listed or demoted), by id.
pub async fn towns_in_period(conn: &mut PgConnection) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT id FROM proposals WHERE status IN ('listed', 'demoted') ORDER BY id")
        .fetch_all(conn)
        .await
}

pub async fn set_report_assessed(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE annual_reports SET status = 'assessed', version = version + 1, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The towns of a region in one of `statuses`, by name: the rows of the
/// annual reports' import template.
pub async fn towns_of_region(
    conn: &mut PgConnection,
    region_id: i64,
    statuses: &[&str],
) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT id, name FROM proposals WHERE region_id = $1 AND status = ANY($2) ORDER BY name, id")
        .bind(region_id)
        .bind(statuses)
        .fetch_all(conn)
        .await
}

/// A report waiting for its grade, for the reviewers' list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingRow {
    pub proposal_id: i64,
    pub town: String,
    pub region_name: String,
    pub year: i32,
}

pub async fn pending_reports(conn: &mut PgConnection) -> sqlx::Result<Vec<PendingRow>> {
    sqlx::query_as(
        "SELECT r.proposal_id, p.name AS town, g.name AS region_name, r.year
         FROM annual_reports r JOIN proposals p ON p.id = r.proposal_id JOIN regions g ON g.id = p.region_id
         WHERE r.status = 'submitted' AND p.status <> 'removed' ORDER BY r.year, p.name, r.id LIMIT 500",
    )
    .fetch_all(conn)
    .await
}

/// Years that may be overdue: for each town in its period, each calendar
/// year from its listing year up to `before` (at most five: the longest
/// period) with neither a report nor a grade. The caller checks each against
/// the town's own period and deadline.
pub async fn unreported_years(conn: &mut PgConnection, before: i32) -> sqlx::Result<Vec<PendingRow>> {
    sqlx::query_as(
        "WITH listed AS (
             SELECT p.id, p.name, p.region_id,
                    MIN(EXTRACT(YEAR FROM b.published_at AT TIME ZONE 'Asia/Shanghai'))::int AS listing_year
             FROM proposals p
             JOIN batch_entries e ON e.proposal_id = p.id
             JOIN batches b ON b.id = e.batch_id AND b.kind = 'list' AND b.status = 'published'
             WHERE p.status IN ('listed', 'demoted')
             GROUP BY p.id)
         SELECT l.id AS proposal_id, l.name AS town, g.name AS region_name, y.year
         FROM listed l
         JOIN regions g ON g.id = l.region_id
         CROSS JOIN LATERAL generate_series(l.listing_year, LEAST($1 - 1, l.listing_year + 4)) AS y(year)
         WHERE NOT EXISTS (SELECT 1 FROM annual_reports r WHERE r.proposal_id = l.id AND r.year = y.year)
           AND NOT EXISTS (SELECT 1 FROM assessments a WHERE a.proposal_id = l.id AND a.year = y.year)
         ORDER BY y.year, l.name, l.id LIMIT 500",
    )
    .bind(before)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssessmentRow {
    pub id: i64,
    pub proposal_id: i64,
    pub town: String,
    pub region_name: String,
    pub year: i32,
    pub indicators: Json<crate::domain::creation::Assessment>,
    pub suggested_grade: String,
    pub final_grade: String,
    pub reason: String,
    pub reviewer_name: String,
    pub list_id: Option<i64>,
    pub missing_report: bool,
    /// The annual table's sheet the grade was suggested from, if any.
    pub score_sheet: Option<Json<crate::standards::scoring::ScoreSheet>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl AssessmentRow {
    pub fn final_grade(&self) -> Grade {
        Grade::from_code(&self.final_grade).unwrap_or(Grade::Pass)
    }
    pub fn suggested_grade(&self) -> Grade {
        Grade::from_code(&self.suggested_grade).unwrap_or(Grade::Pass)
    }
}

const ASSESSMENT: &str = "SELECT a.id, a.proposal_id, p.name AS town, g.name AS region_name, a.year, a.indicators,
        a.suggested_grade, a.final_grade, a.reason, u.display_name AS reviewer_name, a.list_id, a.missing_report,
        a.score_sheet, a.created_at
    FROM assessments a JOIN proposals p ON p.id = a.proposal_id JOIN regions g ON g.id = p.region_id
        JOIN users u ON u.id = a.reviewer_id";

pub struct NewAssessment<'a> {
    /// None for a year without a report (未按时报送).
    pub report_id: Option<i64>,
    pub proposal_id: i64,
    pub year: i32,
    pub indicators: &'a crate::domain::creation::Assessment,
    pub final_grade: Grade,
    pub reason: &'a str,
    pub reviewer_id: i64,
    pub score_sheet: Option<&'a crate::standards::scoring::ScoreSheet>,
}

pub async fn insert_assessment(conn: &mut PgConnection, a: NewAssessment<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO assessments (report_id, proposal_id, year, indicators, suggested_grade, final_grade, reason,
             reviewer_id, missing_report, score_sheet)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $1 IS NULL, $9) RETURNING id",
    )
    .bind(a.report_id)
    .bind(a.proposal_id)
    .bind(a.year)
    .bind(Json(a.indicators))
    .bind(a.indicators.suggested.code())
    .bind(a.final_grade.code())
    .bind(a.reason)
    .bind(a.reviewer_id)
    .bind(a.score_sheet.map(Json))
    .fetch_one(conn)
    .await
}

/// A town's assessments, oldest year first; only published ones if asked.
pub async fn assessments_for(
    conn: &mut PgConnection,
    proposal_id: i64,
    published_only: bool,
) -> sqlx::Result<Vec<AssessmentRow>> {
    sqlx::query_as(&format!(
        "{ASSESSMENT} WHERE a.proposal_id = $1 AND (NOT $2 OR a.list_id IS NOT NULL) ORDER BY a.year"
    ))
    .bind(proposal_id)
    .bind(published_only)
    .fetch_all(conn)
    .await
}

/// A year's assessments; only published ones if asked.
pub async fn assessments_of_year(
    conn: &mut PgConnection,
    year: i32,
    published_only: bool,
) -> sqlx::Result<Vec<AssessmentRow>> {
    sqlx::query_as(&format!(
        "{ASSESSMENT} WHERE a.year = $1 AND (NOT $2 OR a.list_id IS NOT NULL) ORDER BY g.name, p.name"
    ))
    .bind(year)
    .bind(published_only)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListRow {
    pub id: i64,
    pub kind: String,
    pub year: i32,
    pub published_at: DateTime<Utc>,
}

pub async fn lists(conn: &mut PgConnection) -> sqlx::Result<Vec<ListRow>> {
    sqlx::query_as("SELECT id, kind, year, published_at FROM creation_lists ORDER BY year DESC, kind")
        .fetch_all(conn)
        .await
}

pub async fn list_of(conn: &mut PgConnection, kind: &str, year: i32) -> sqlx::Result<Option<ListRow>> {
    sqlx::query_as("SELECT id, kind, year, published_at FROM creation_lists WHERE kind = $1 AND year = $2")
        .bind(kind)
        .bind(year)
        .fetch_optional(conn)
        .await
}

/// Publishes a list: `grades` takes the year's confirmed assessments,
/// `named` the acceptance decisions not yet published (but none of a town
/// removed from the list since). Answers the list's id and how many rows it
/// took.
pub async fn publish_list(conn: &mut PgConnection, kind: &str, year: i32, user_id: i64) -> sqlx::Result<(i64, u64)> {
    let id: i64 =
        sqlx::query_scalar("INSERT INTO creation_lists (kind, year, published_by) VALUES ($1, $2, $3) RETURNING id")
            .bind(kind)
            .bind(year)
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?;
    let sql = if kind == "grades" {
        "UPDATE assessments SET list_id = $1 WHERE year = $2 AND list_id IS NULL"
    } else {
        "UPDATE acceptances c SET list_id = $1 FROM proposals p
         WHERE p.id = c.proposal_id AND p.status <> 'removed' AND c.list_id IS NULL AND $2::int IS NOT NULL"
    };
    let n = sqlx::query(sql)
        .bind(id)
        .bind(year)
        .execute(conn)
        .await?
        .rows_affected();
    Ok((id, n))
}

/// How many rows a list would take now.
pub async fn unpublished_count(conn: &mut PgConnection, kind: &str, year: i32) -> sqlx::Result<i64> {
    let sql = if kind == "grades" {
        "SELECT count(*) FROM assessments WHERE year = $1 AND list_id IS NULL"
    } else {
        "SELECT count(*) FROM acceptances c JOIN proposals p ON p.id = c.proposal_id
         WHERE p.status <> 'removed' AND c.list_id IS NULL AND $1::int IS NOT NULL"
    };
    sqlx::query_scalar(sql).bind(year).fetch_one(conn).await
}

/// A town graded in a published list, with its status and every published
/// final grade, oldest year first.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GradedTown {
    pub proposal_id: i64,
    pub status: String,
    pub grades: Vec<String>,
}

/// The towns graded in list `list_id`, their rows locked (in id order) for
/// a status change.
pub async fn graded_towns(conn: &mut PgConnection, list_id: i64) -> sqlx::Result<Vec<GradedTown>> {
    sqlx::query(
        "SELECT id FROM proposals WHERE id IN (SELECT proposal_id FROM assessments WHERE list_id = $1)
         ORDER BY id FOR UPDATE",
    )
    .bind(list_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query_as(
        "SELECT p.id AS proposal_id, p.status, array_agg(a.final_grade ORDER BY a.year) AS grades
         FROM proposals p JOIN assessments a ON a.proposal_id = p.id AND a.list_id IS NOT NULL
         WHERE p.id IN (SELECT proposal_id FROM assessments WHERE list_id = $1)
         GROUP BY p.id, p.status ORDER BY p.id",
    )
    .bind(list_id)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AcceptanceRow {
    pub id: i64,
    pub proposal_id: i64,
    pub town: String,
    pub region_name: String,
    pub industry: Option<String>,
    pub named: bool,
    pub reason: String,
    pub as_built: Json<Value>,
    pub settlement: Json<crate::domain::creation::Settlement>,
    pub land_quota_mu: Decimal,
    pub province_tax_wan: Decimal,
    pub tax_rebate_wan: Decimal,
    pub reviewer_name: String,
    pub decided_at: DateTime<Utc>,
    pub list_id: Option<i64>,
    /// The as-built evaluation's suggestion (None before it was recorded).
    pub suggested_named: Option<bool>,
    /// `acceptance`, or `eliminated` for the deduction of a town removed
    /// (淘汰) during its period.
    pub cause: String,
}

const ACCEPTANCE: &str = "SELECT c.id, c.proposal_id, p.name AS town, g.name AS region_name, p.industry, c.named,
        c.reason, c.as_built, c.settlement, c.land_quota_mu, c.province_tax_wan, c.tax_rebate_wan,
        u.display_name AS reviewer_name,
        c.decided_at, c.list_id, c.suggested_named, c.cause
    FROM acceptances c JOIN proposals p ON p.id = c.proposal_id JOIN regions g ON g.id = p.region_id
        JOIN users u ON u.id = c.reviewer_id";

pub struct NewAcceptance<'a> {
    pub proposal_id: i64,
    pub named: bool,
    pub reason: &'a str,
    pub as_built: Value,
    pub settlement: &'a crate::domain::creation::Settlement,
    pub reviewer_id: i64,
    pub suggested_named: Option<bool>,
    /// `acceptance` or `eliminated`.
    pub cause: &'a str,
}

pub async fn insert_acceptance(conn: &mut PgConnection, a: NewAcceptance<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO acceptances (proposal_id, named, reason, as_built, settlement, land_quota_mu, tax_rebate_wan,
             reviewer_id, province_tax_wan, suggested_named, cause)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(a.proposal_id)
    .bind(a.named)
    .bind(a.reason)
    .bind(Json(a.as_built))
    .bind(Json(a.settlement))
    .bind(a.settlement.land_quota_mu)
    .bind(a.settlement.tax_rebate_total_wan)
    .bind(a.reviewer_id)
    .bind(a.settlement.province_tax_total_wan)
    .bind(a.suggested_named)
    .bind(a.cause)
    .fetch_one(conn)
    .await
}

pub async fn acceptance_for(
    conn: &mut PgConnection,
    proposal_id: i64,
    published_only: bool,
) -> sqlx::Result<Option<AcceptanceRow>> {
    sqlx::query_as(&format!(
        "{ACCEPTANCE} WHERE c.proposal_id = $1 AND (NOT $2 OR c.list_id IS NOT NULL)"
    ))
    .bind(proposal_id)
    .bind(published_only)
    .fetch_optional(conn)
    .await
}

/// Every acceptance decision; only published ones if asked.
pub async fn acceptances(conn: &mut PgConnection, published_only: bool) -> sqlx::Result<Vec<AcceptanceRow>> {
    sqlx::query_as(&format!(
        "{ACCEPTANCE} WHERE (NOT $1 OR c.list_id IS NOT NULL) ORDER BY g.name, p.name"
    ))
    .bind(published_only)
    .fetch_all(conn)
    .await
}

/// Reward and penalty per county (region), over every decision. A named
/// town withdrawn from the list since (status `removed`: only a withdrawal
/// batch removes a named town) earns its county nothing: it is counted in
/// `withdrawn`, and its reward and rebate are left out of the sums. A
/// deduction always counts (a town not named is no longer on the list, so
/// cannot be withdrawn).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CountyRow {
    pub region_name: String,
    pub named: i64,
    pub not_named: i64,
    /// Towns removed during their period (淘汰, or withdrawn for missing
    /// their targets): deducted like towns not named (追惩制).
    pub eliminated: i64,
    /// Named towns withdrawn since: their rewards not counted.
    pub withdrawn: i64,
    pub land_quota_mu: Decimal,
    /// The rebates' base: the new tax the named towns paid to the province.
    pub province_tax_wan: Decimal,
    pub tax_rebate_wan: Decimal,
}

pub async fn county_summary(conn: &mut PgConnection) -> sqlx::Result<Vec<CountyRow>> {
    sqlx::query_as(
        "SELECT g.name AS region_name,
                count(*) FILTER (WHERE c.named AND p.status <> 'removed') AS named,
                count(*) FILTER (WHERE NOT c.named AND c.cause = 'acceptance') AS not_named,
                count(*) FILTER (WHERE c.cause <> 'acceptance') AS eliminated,
                count(*) FILTER (WHERE c.named AND p.status = 'removed') AS withdrawn,
                coalesce(sum(c.land_quota_mu) FILTER (WHERE NOT (c.named AND p.status = 'removed')), 0)
                    AS land_quota_mu,
                coalesce(sum(c.province_tax_wan + coalesce(later.province_wan, 0))
                    FILTER (WHERE NOT (c.named AND p.status = 'removed')), 0) AS province_tax_wan,
                coalesce(sum(c.tax_rebate_wan + coalesce(later.rebate_wan, 0))
                    FILTER (WHERE NOT (c.named AND p.status = 'removed')), 0) AS tax_rebate_wan
         FROM acceptances c JOIN proposals p ON p.id = c.proposal_id JOIN regions g ON g.id = p.region_id
         -- The rebate years after the period, stored as their reports arrived.
         LEFT JOIN LATERAL (
             SELECT sum(r.province_tax_wan) AS province_wan, sum(r.tax_rebate_wan) AS rebate_wan
             FROM annual_reports r WHERE r.proposal_id = c.proposal_id AND r.tax_rebate_wan IS NOT NULL
         ) later ON c.named
         GROUP BY g.name ORDER BY g.name",
    )
    .fetch_all(conn)
    .await
}
