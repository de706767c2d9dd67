//! The creation system's use cases (STANDARDS.md §5): officials report a
//! listed town's actual figures each year; reviewers confirm the suggested
//! grade and decide acceptance; admins publish a year's grades and the named
//! list. Each is one transaction with its audit row.

// Field errors are the cold path, as in the proposal module.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use super::ServiceError;
use crate::auth::User;
use crate::db::creation::{self as store, NewAcceptance, NewAssessment, ReportRow};
use crate::db::proposals::{self, ProposalRow, Scope};
use chrono::Datelike;

use crate::db::{audit, evaluations};
use crate::domain::Status;
use crate::domain::creation::{
    self, AcceptanceState, AnnualFigures, Assessment, Grade, Period, ReportYear, Settlement, StandardRef,
};
use crate::domain::proposal::{ErrorCode, FieldError, Proposal};
use crate::standards::scoring::{self, AnnualScore, Judgements, ScoreError, ScoreSheet};
use crate::standards::{CreationRules as CreationRulesOf, Evaluation, Overall, Standard, evaluate};

/// Longest reason accepted.
pub const MAX_TEXT: usize = 2000;

/// Statuses of a town that was listed: in its creation period (listed,
/// demoted to a cultivation town), decided (named, not named) or removed
/// from the list (淘汰 or withdrawn; its record stays readable, nothing more
/// is reported, graded or decided).
fn in_creation(status: Status) -> bool {
    matches!(
        status,
        Status::Listed | Status::Named | Status::NotNamed | Status::Demoted | Status::Removed
    )
}

/// Statuses of a town whose reports its officials may still save.
pub fn accepts_reports(status: Status) -> bool {
    in_creation(status) && status != Status::Removed
}

/// Why nothing more happens to a removed town.
pub const REMOVED: &str = "creation.conflict.removed";
/// Why acceptance waits.
pub const TOO_EARLY: &str = "creation.conflict.period";
/// Why a year's grades wait for its report deadline.
pub const BEFORE_DEADLINE: &str = "creation.conflict.deadline";
/// Why a year is graded in order: an earlier year has no grade yet.
pub const EARLIER_YEAR: &str = "creation.conflict.earlier_year";

/// A listed town with the plan it was approved on and that plan's standard.
pub struct Town {
    pub row: ProposalRow,
    pub plan: Proposal,
    pub standard: Arc<Standard>,
    /// Its period in calendar years, from its listing year and the
    /// standard version it was approved under.
    pub period: Period,
}

impl Town {
    fn standard_ref(&self) -> StandardRef {
        StandardRef {
            code: self.standard.code.clone(),
            version: self.standard.version,
        }
    }
}

/// Today in China, for the report deadlines.
fn today() -> chrono::NaiveDate {
    creation::china_today(chrono::Utc::now())
}

async fn town(conn: &mut PgConnection, id: i64, scope: Scope, lock: bool) -> Result<Town, ServiceError> {
    let row = if lock {
        proposals::lock(conn, id, scope).await?
    } else {
        proposals::get(conn, id, scope).await?
    };
    let row = row.filter(|r| in_creation(r.status())).ok_or(ServiceError::NotFound)?;
    let latest = evaluations::latest(conn, id).await?.ok_or(ServiceError::NotFound)?;
    let standard = crate::db::standards::definition(conn, &latest.standard_code, latest.standard_version)
        .await?
        .ok_or(ServiceError::NoActiveStandard)?;
    // The plan was checked under this version: its period, not the default.
    let plan = Proposal::from_json_under(&latest.snapshot, standard.periods()).map_err(|_| ServiceError::NotFound)?;
    let listing_year = store::listing_year(conn, id).await?.ok_or(ServiceError::NotFound)?;
    let period = standard.creation_period(plan.accelerated_county(), listing_year);
    Ok(Town {
        row,
        plan,
        standard,
        period,
    })
}

/// A town in its creation period as `scope` may see it.
pub async fn load_town(db: &PgPool, id: i64, scope: Scope) -> Result<Town, ServiceError> {
    let mut conn = crate::db::acquire(db).await?;
    town(&mut conn, id, scope, false).await
}

/// The year field of a report form.
pub fn parse_year(raw: &str) -> Result<i32, FieldError> {
    match raw.trim().parse::<i32>() {
        Ok(y) if (2000..=2100).contains(&y) => Ok(y),
        Ok(_) => Err(FieldError::new("year", ErrorCode::TooLarge).with(|p| p.limit = Some(2100.into()))),
        Err(_) if raw.trim().is_empty() => Err(FieldError::new("year", ErrorCode::Required)),
        Err(_) => Err(FieldError::new("year", ErrorCode::NotWholeNumber)),
    }
}

/// The catalogue key of a year error's message (form and import alike).
pub fn year_error_key(e: &FieldError) -> &'static str {
    match e.code {
        ErrorCode::Required => "creation.error.year_required",
        ErrorCode::ByYearGap => "creation.error.year_order",
        ErrorCode::ByYearLength => "creation.error.year_period",
        _ => "creation.error.year",
    }
}

/// Which report a save changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveAs {
    /// The form: a new report (`None`), or the one at this version.
    Form(Option<i32>),
    /// An imported row: a new report, or the year's report at its current
    /// version (locked in the import's transaction) if not yet graded.
    Import,
}

/// A saved report.
#[derive(Debug, Clone)]
pub struct Saved {
    pub report_id: i64,
    pub version: i32,
    pub created: bool,
    /// The town's name, as stored.
    pub town: String,
}

/// Creates (no `version`) or updates (at `version`) a town's report of
/// `year`. Returns the report's version.
pub async fn save_report(
    db: &PgPool,
    user: &User,
    region_id: i64,
    proposal_id: i64,
    year: i32,
    version: Option<i32>,
    figures: &AnnualFigures,
) -> Result<i32, ServiceError> {
    let mut tx = crate::db::begin(db).await?;
    let saved = save_report_in(
        &mut tx,
        user,
        region_id,
        proposal_id,
        year,
        SaveAs::Form(version),
        figures,
    )
    .await?;
    tx.commit().await?;
    Ok(saved.version)
}

/// [`save_report`] inside the caller's transaction: the town locked, the
/// rules checked, the report written with its audit row. Nothing is written
/// when it answers an error.
pub async fn save_report_in(
    conn: &mut PgConnection,
    user: &User,
    region_id: i64,
    proposal_id: i64,
    year: i32,
    how: SaveAs,
    figures: &AnnualFigures,
) -> Result<Saved, ServiceError> {
    let t = town(conn, proposal_id, Scope::Region(region_id), true).await?;
    if t.row.status() == Status::Removed {
        return Err(ServiceError::Refused(REMOVED));
    }
    let all = store::reports_for(conn, proposal_id).await?;
    let version = match how {
        SaveAs::Form(version) => version,
        SaveAs::Import => all.iter().find(|r| r.year == year).map(|r| r.version),
    };
    // A report is for a calendar year of the period (or, for a named
    // town, a rebate year after it), never before the listing year.
    let kind = t
        .period
        .report_year(year, t.row.status() == Status::Named)
        .map_err(|_| ServiceError::Invalid(vec![FieldError::new("year", ErrorCode::ByYearLength)]))?;
    if version.is_none() {
        // Years are reported in order; a year already graded (未按时报送
        // included) takes no report.
        let graded = store::assessments_for(conn, proposal_id, false)
            .await?
            .iter()
            .any(|a| a.year == year);
        if graded || all.iter().any(|r| r.year > year) {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "year",
                ErrorCode::ByYearGap,
            )]));
        }
    }
    let existing = all.into_iter().find(|r| r.year == year);
    let (id, new_version, before, action) = match (existing, version) {
        (None, None) => {
            let id = store::insert_report(conn, proposal_id, year, figures, user.id).await?;
            (id, 1, None, "creation.report_created")
        }
        // A report of this year exists already: someone else made it.
        (Some(_), None) => return Err(ServiceError::Stale),
        (None, Some(_)) => return Err(ServiceError::NotFound),
        (Some(row), Some(v)) => {
            let new_version = store::update_report(conn, row.id, v, figures).await??;
            (
                row.id,
                new_version,
                Some(json!(row.figures())),
                "creation.report_updated",
            )
        }
    };
    if let ReportYear::Rebate(_) = kind {
        // A rebate year's rebate is computed and stored as its report
        // arrives (STANDARDS.md §5).
        let rate = t.standard.creation_rules().reward.rebate_rate_of(&t.period, year);
        store::set_report_rebate(conn, id, rate, figures.province_tax_wan * rate).await?;
    }
    audit::record(
        conn,
        audit::Entry {
            actor_id: Some(user.id),
            action,
            entity: "annual_report",
            entity_id: Some(id),
            before,
            after: Some(json!({"proposal_id": proposal_id, "year": year, "figures": figures})),
        },
    )
    .await?;
    Ok(Saved {
        report_id: id,
        version: new_version,
        created: action == "creation.report_created",
        town: t.row.name,
    })
}

/// The system's assessment of period year `year` of a town, from its
/// reports up to that year and the final grades of the years before it
/// (one per year, oldest first; `None` when an earlier year has none yet).
async fn assess_year(conn: &mut PgConnection, t: &Town, year: i32) -> Result<Option<Assessment>, ServiceError> {
    Ok(assess_scored(conn, t, year, None).await?.map(|y| y.assessment))
}

/// A year's assessment with what the version's annual table makes of it.
pub struct YearScore {
    /// Its `suggested` is the table's when the year is scored on one.
    pub assessment: Assessment,
    /// What the completion bands alone suggest.
    pub by_completion: Grade,
    /// The year on the annual table (a year with a report, under a version
    /// that has one), scored with the judgements that fit it.
    pub scored: Option<AnnualScore>,
    /// The judgements the table refused (left out of `scored`).
    pub problems: Vec<ScoreError>,
}

/// [`assess_year`] with the year scored on the version's annual table, if
/// it has one and the year has a report (a year without one is 警告,
/// 未按时报送, as before): the table's grade under the creation rules is
/// the suggestion.
async fn assess_scored(
    conn: &mut PgConnection,
    t: &Town,
    year: i32,
    judged: Option<&Judgements>,
) -> Result<Option<YearScore>, ServiceError> {
    let k = t.period.year_of(year).ok_or(ServiceError::NotFound)?;
    let reports: Vec<ReportRow> = store::reports_for(conn, t.row.id)
        .await?
        .into_iter()
        .filter(|r| r.year <= year)
        .collect();
    let assessed = store::assessments_for(conn, t.row.id, false).await?;
    let earlier: Vec<Grade> = assessed
        .iter()
        .filter(|a| a.year < year && a.year >= t.period.listing_year)
        .map(|a| a.final_grade())
        .collect();
    if earlier.len() + 1 != k as usize {
        return Ok(None);
    }
    let figures: Vec<AnnualFigures> = reports.iter().map(ReportRow::figures).collect();
    let this_year = reports.iter().position(|r| r.year == year).map(|i| &figures[i]);
    let bands = t.standard.creation_rules().bands;
    let mut a = creation::assess(
        &t.plan,
        k,
        &figures.iter().collect::<Vec<_>>(),
        this_year,
        &earlier,
        &bands,
    );
    a.standard = Some(t.standard_ref());
    let on_table = |judged: Option<&Judgements>| {
        scoring::score_year(&t.standard, &t.plan, k, &figures, &earlier, judged).filter(|_| this_year.is_some())
    };
    let (scored, problems) = match on_table(judged) {
        None => (None, Vec::new()),
        Some(Ok(s)) => (Some(s), Vec::new()),
        Some(Err(problems)) => {
            // The running total goes on with what fits; the form says why
            // the rest does not.
            let unfit: Vec<String> = problems.iter().map(ScoreError::line).collect();
            let mut fit = judged.cloned().unwrap_or_default();
            fit.retain(|code, _| !unfit.contains(code));
            (on_table(Some(&fit)).and_then(Result::ok), problems)
        }
    };
    let by_completion = a.suggested;
    if let Some(s) = &scored {
        a.suggested = s.suggested;
    }
    Ok(Some(YearScore {
        by_completion,
        assessment: a,
        scored,
        problems,
    }))
}

/// Whether year `year` of a town may be graded without a report: its
/// deadline has passed (未按时报送).
fn missing_may_be_graded(t: &Town, year: i32) -> bool {
    deadline_passed(&t.standard, year)
}

fn deadline_passed(standard: &Standard, year: i32) -> bool {
    standard.creation_rules().deadline.has_passed(year, today())
}

/// The years whose report is overdue (未按时报送): in a town's period, past
/// the version's deadline, with neither a report nor a grade — the
/// reviewers' list shows them beside the filed reports, to be graded 警告.
/// A constant number of statements however many towns are listed: the
/// periods of every candidate town are read at once.
pub async fn overdue_years(db: &PgPool) -> Result<Vec<store::PendingRow>, ServiceError> {
    let mut conn = crate::db::acquire(db).await?;
    let candidates = store::unreported_years(&mut conn, today().year() + 1).await?;
    let ids: Vec<i64> = candidates
        .iter()
        .map(|c| c.proposal_id)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut standards: HashMap<(String, i32), Arc<Standard>> = HashMap::new();
    let mut periods: HashMap<i64, (Period, Arc<Standard>)> = HashMap::new();
    for r in store::period_rows(&mut conn, &ids).await? {
        let key = (r.standard_code, r.standard_version);
        let standard = match standards.get(&key) {
            Some(s) => s.clone(),
            None => {
                let s = crate::db::standards::definition(&mut conn, &key.0, key.1)
                    .await?
                    .ok_or(ServiceError::NoActiveStandard)?;
                standards.insert(key, s.clone());
                s
            }
        };
        // A plan that cannot be read has no period to check (as `town`).
        if let Ok(plan) = Proposal::from_json_under(&r.snapshot, standard.periods()) {
            let period = standard.creation_period(plan.accelerated_county(), r.listing_year);
            periods.insert(r.proposal_id, (period, standard));
        }
    }
    Ok(candidates
        .into_iter()
        .filter(|c| {
            periods
                .get(&c.proposal_id)
                .is_some_and(|(period, standard)| period.year_of(c.year).is_some() && deadline_passed(standard, c.year))
        })
        .collect())
}

/// The system's assessment of a town's year (not stored), with the year's
/// report if there is one: a year without a report has a suggestion (警告,
/// 未按时报送) once its deadline has passed.
pub async fn suggestion(
    db: &PgPool,
    proposal_id: i64,
    year: i32,
) -> Result<(Town, Option<ReportRow>, Assessment), ServiceError> {
    let (t, report, y) = suggestion_scored(db, proposal_id, year, None).await?;
    Ok((t, report, y.assessment))
}

/// [`suggestion`] with the year scored on the version's annual table with
/// `judged` (the reviewer's sheet as typed).
pub async fn suggestion_scored(
    db: &PgPool,
    proposal_id: i64,
    year: i32,
    judged: Option<&Judgements>,
) -> Result<(Town, Option<ReportRow>, YearScore), ServiceError> {
    let mut conn = crate::db::acquire(db).await?;
    suggestion_scored_in(&mut conn, proposal_id, year, judged).await
}

/// [`suggestion_scored`] on a connection the caller holds: a page that
/// reads with one connection must not wait for a second from the pool
/// (with every connection held by such pages, none would come).
pub async fn suggestion_scored_in(
    conn: &mut PgConnection,
    proposal_id: i64,
    year: i32,
    judged: Option<&Judgements>,
) -> Result<(Town, Option<ReportRow>, YearScore), ServiceError> {
    let t = town(conn, proposal_id, Scope::All, false).await?;
    let report = store::get_report(conn, proposal_id, year).await?;
    if report.is_none() && !missing_may_be_graded(&t, year) {
        return Err(ServiceError::NotFound);
    }
    let y = assess_scored(conn, &t, year, judged)
        .await?
        .ok_or(ServiceError::Refused(EARLIER_YEAR))?;
    Ok((t, report, y))
}

/// A reviewer confirms (or changes, with a reason) the grade of a town's
/// year — its report's, or 警告 (未按时报送) for a year without one after
/// its deadline. 淘汰 is only for a cultivation town, and a cultivation town
/// is not warned or demoted again (an error on `final_grade` otherwise).
pub async fn confirm_grade(
    db: &PgPool,
    user: &User,
    proposal_id: i64,
    year: i32,
    grade: Option<Grade>,
    reason: &str,
) -> Result<Grade, ServiceError> {
    confirm_scored(db, user, proposal_id, year, grade, reason, None).await
}

/// [`confirm_grade`] with the reviewer's sheet: under a version with an
/// annual table, a year with a report is scored on it, every judged line
/// and veto must be given (`points.<line>` / `veto.<line>` errors
/// otherwise, and for judgements the table refuses), the table's grade
/// under the creation rules is the suggestion, and the sheet is stored with
/// the assessment.
pub async fn confirm_scored(
    db: &PgPool,
    user: &User,
    proposal_id: i64,
    year: i32,
    grade: Option<Grade>,
    reason: &str,
    judged: Option<&Judgements>,
) -> Result<Grade, ServiceError> {
    let reason = reason.trim();
    let mut errors = Vec::new();
    if grade.is_none() {
        errors.push(FieldError::new("final_grade", ErrorCode::InvalidChoice));
    }
    if reason.chars().count() > MAX_TEXT {
        errors.push(FieldError::new("reason", ErrorCode::TooLong).with(|p| {
            p.expected = Some(MAX_TEXT);
            p.count = Some(reason.chars().count());
        }));
    }
    let mut tx = crate::db::begin(db).await?;
    let t = town(&mut tx, proposal_id, Scope::All, true).await?;
    if t.row.status() == Status::Removed {
        return Err(ServiceError::Refused(REMOVED));
    }
    t.period.year_of(year).ok_or(ServiceError::NotFound)?;
    let report = match store::get_report(&mut tx, proposal_id, year).await? {
        Some(r) => Some(store::lock_report(&mut tx, r.id).await?.ok_or(ServiceError::NotFound)?),
        None if missing_may_be_graded(&t, year) => None,
        None => return Err(ServiceError::NotFound),
    };
    // Graded once, and in year order (the two-warnings rule reads the
    // earlier years' final grades).
    if report.as_ref().is_some_and(ReportRow::is_assessed)
        || store::assessments_for(&mut tx, proposal_id, false)
            .await?
            .iter()
            .any(|a| a.year == year)
    {
        return Err(ServiceError::WrongState);
    }
    let y = assess_scored(&mut tx, &t, year, judged)
        .await?
        .ok_or(ServiceError::Refused(EARLIER_YEAR))?;
    errors.extend(sheet_errors(&t.standard, &y));
    let a = y.assessment;
    if let Some(g) = grade
        && !Grade::allowed(a.cultivation).contains(&g)
    {
        errors.push(FieldError::new("final_grade", ErrorCode::InvalidChoice));
    }
    if let Some(g) = grade
        && g != a.suggested
        && reason.is_empty()
    {
        errors.push(FieldError::new("reason", ErrorCode::Required));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let grade = grade.unwrap_or(a.suggested);
    let report_id = report.as_ref().map(|r| r.id);
    let sheet = y.scored.map(|s| s.sheet);
    record_grade(&mut tx, user, &t, year, report_id, &a, grade, reason, sheet.as_ref()).await?;
    if let Some(report_id) = report_id {
        store::set_report_assessed(&mut tx, report_id).await?;
    }
    tx.commit().await?;
    Ok(grade)
}

/// What keeps a scored year from being confirmed: each judgement the table
/// refused, and each judged line or veto not given, on its form field
/// (`points.<line>` or `veto.<line>`).
fn sheet_errors(s: &Standard, y: &YearScore) -> Vec<FieldError> {
    let field = |line: &str| {
        let veto = s
            .tables
            .iter()
            .find_map(|t| t.line(line))
            .is_some_and(|l| matches!(l.kind, scoring::LineKind::Veto { .. }));
        format!("{}.{line}", if veto { "veto" } else { "points" })
    };
    let refused = y
        .problems
        .iter()
        .map(|p| FieldError::new(field(&p.line()), ErrorCode::InvalidNumber));
    let refused_lines: Vec<String> = y.problems.iter().map(ScoreError::line).collect();
    let pending = y
        .scored
        .iter()
        .flat_map(|s| s.pending())
        .filter(|line| !refused_lines.contains(line))
        .map(|line| FieldError::new(field(line), ErrorCode::Required));
    refused.chain(pending).collect()
}

/// Stores a grade with its audit row.
#[allow(clippy::too_many_arguments)]
async fn record_grade(
    conn: &mut PgConnection,
    user: &User,
    t: &Town,
    year: i32,
    report_id: Option<i64>,
    a: &Assessment,
    grade: Grade,
    reason: &str,
    sheet: Option<&ScoreSheet>,
) -> Result<i64, ServiceError> {
    let id = store::insert_assessment(
        conn,
        NewAssessment {
            report_id,
            proposal_id: t.row.id,
            year,
            indicators: a,
            final_grade: grade,
            reason,
            reviewer_id: user.id,
            score_sheet: sheet,
        },
    )
    .await?;
    audit::record(
        conn,
        audit::Entry {
            actor_id: Some(user.id),
            action: "creation.graded",
            entity: "assessment",
            entity_id: Some(id),
            before: None,
            after: Some(json!({
                "proposal_id": t.row.id, "year": year, "suggested": a.suggested.code(),
                "final": grade.code(), "reason": reason, "missing_report": report_id.is_none(),
                "score": sheet.map(|s| json!({
                    "tables": s.result.tables, "total": s.result.total,
                    "grade": s.result.grade.as_ref().map(|g| g.code.as_str()), "vetoes": s.result.vetoes,
                })),
            })),
        },
    )
    .await?;
    Ok(id)
}

/// The plan and the as-built proposal of a town, each evaluated with the
/// standard its proposal was approved on; with the settlement each
/// decision would imply.
pub struct AsBuilt {
    pub town: Town,
    pub reports: Vec<ReportRow>,
    pub planned: Evaluation,
    pub built: Result<(Proposal, Evaluation), Vec<FieldError>>,
    /// The as-built verdict's suggestion: 命名 (pass, with or without
    /// warnings) or 不予命名 (fail, or a town that may not be named).
    pub suggested_named: bool,
    pub if_named: Settlement,
    pub if_not_named: Settlement,
}

/// A town's reports of the years of its period, by calendar year.
fn period_reports(t: &Town, reports: &[ReportRow]) -> Vec<(i32, AnnualFigures)> {
    reports
        .iter()
        .filter(|r| t.period.year_of(r.year).is_some())
        .map(|r| (r.year, r.figures()))
        .collect()
}

async fn as_built_in(conn: &mut PgConnection, proposal_id: i64, lock: bool) -> Result<AsBuilt, ServiceError> {
    let t = town(conn, proposal_id, Scope::All, lock).await?;
    let reports = store::reports_for(conn, proposal_id).await?;
    let in_period = period_reports(&t, &reports);
    let figures: Vec<AnnualFigures> = in_period.iter().map(|(_, f)| f.clone()).collect();
    let planned = evaluate(&t.plan, &t.standard);
    let built = creation::as_built(&t.plan, &figures).map(|p| {
        let e = evaluate(&p, &t.standard);
        (p, e)
    });
    let rules = t.standard.creation_rules().reward;
    let industry = t.plan.industry();
    let passes = built.as_ref().ok().map(|(_, e)| e.overall != Overall::Fail);
    let may_name = t.row.status() != Status::Demoted;
    Ok(AsBuilt {
        suggested_named: creation::suggested_naming(passes, may_name),
        if_named: creation::settle(industry, &in_period, &t.period, true, &rules),
        if_not_named: creation::settle(industry, &in_period, &t.period, false, &rules),
        town: t,
        reports,
        planned,
        built,
    })
}

pub async fn as_built(db: &PgPool, proposal_id: i64) -> Result<AsBuilt, ServiceError> {
    let mut conn = crate::db::acquire(db).await?;
    as_built_in(&mut conn, proposal_id, false).await
}

/// A reviewer's acceptance decision (验收命名): named or not, on the
/// as-built evaluation, recording the reward or deduction it implies. Only
/// once the grade of every year of the town's period is published
/// ([`creation::acceptance_state`]); a cultivation town (demoted) can only
/// be not named (an error on `named`); a removed town not at all.
pub async fn decide_acceptance(
    db: &PgPool,
    user: &User,
    proposal_id: i64,
    named: Option<bool>,
    reason: &str,
) -> Result<bool, ServiceError> {
    let reason = reason.trim();
    let mut errors = Vec::new();
    if named.is_none() {
        errors.push(FieldError::new("named", ErrorCode::InvalidChoice));
    }
    if reason.chars().count() > MAX_TEXT {
        errors.push(FieldError::new("reason", ErrorCode::TooLong).with(|p| {
            p.expected = Some(MAX_TEXT);
            p.count = Some(reason.chars().count());
        }));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let named = named.unwrap_or(false);
    let mut tx = crate::db::begin(db).await?;
    let a = as_built_in(&mut tx, proposal_id, true).await?;
    let published = store::assessments_for(&mut tx, proposal_id, true)
        .await?
        .iter()
        .filter(|g| a.town.period.year_of(g.year).is_some())
        .count() as u32;
    match creation::acceptance_state(a.town.row.status(), a.town.period.years, published) {
        AcceptanceState::Decided => return Err(ServiceError::WrongState),
        AcceptanceState::Removed => return Err(ServiceError::Refused(REMOVED)),
        AcceptanceState::TooEarly { .. } => return Err(ServiceError::Refused(TOO_EARLY)),
        AcceptanceState::Open { may_name: false } if named => {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "named",
                ErrorCode::InvalidChoice,
            )]));
        }
        AcceptanceState::Open { .. } => {}
    }
    if store::acceptance_for(&mut tx, proposal_id, false).await?.is_some() {
        return Err(ServiceError::WrongState);
    }
    // Deciding against the as-built evaluation needs a written reason.
    creation::check_acceptance_reason(named, a.suggested_named, reason).map_err(|e| ServiceError::Invalid(vec![e]))?;
    let as_built = match &a.built {
        Ok((p, e)) => json!({"proposal": p.to_json(), "evaluation": e}),
        Err(_) => json!({"proposal": null, "evaluation": null}),
    };
    let settlement = if named { &a.if_named } else { &a.if_not_named };
    // The proposal leaves `listed` or `demoted` (DESIGN.md's workflow with
    // the creation system).
    let from = a.town.row.status();
    let to = if named { Status::Named } else { Status::NotNamed };
    proposals::set_status(&mut tx, proposal_id, to, user.id).await?;
    let id = store::insert_acceptance(
        &mut tx,
        NewAcceptance {
            proposal_id,
            named,
            reason,
            as_built,
            settlement,
            reviewer_id: user.id,
            suggested_named: Some(a.suggested_named),
            cause: "acceptance",
        },
    )
    .await?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: Some(user.id),
            action: "creation.accepted",
            entity: "acceptance",
            entity_id: Some(id),
            before: None,
            after: Some(json!({
                "proposal_id": proposal_id, "named": named, "suggested_named": a.suggested_named, "reason": reason,
                "from": from.code(), "status": to.code(),
                "land_quota_mu": settlement.land_quota_mu, "province_tax_wan": settlement.province_tax_total_wan,
                "tax_rebate_wan": settlement.tax_rebate_total_wan,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(named)
}

/// What an admin publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Grades,
    Named,
}

impl ListKind {
    pub fn code(self) -> &'static str {
        match self {
            ListKind::Grades => "grades",
            ListKind::Named => "named",
        }
    }
    pub fn from_code(code: &str) -> Option<ListKind> {
        [ListKind::Grades, ListKind::Named]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

/// Publishes a year's grades or the named list. Refused (wrong state) when
/// that list exists already or would be empty. Publishing grades also moves
/// each graded town to where its published grades put it
/// ([`creation::standing`]): a 降格 demotes a listed town to a cultivation
/// town (`demoted`), a cultivation town's 淘汰 removes it (`removed`) — each
/// with its audit row, in the same transaction. Returns the list's id.
pub async fn publish(db: &PgPool, user: &User, kind: ListKind, year: i32) -> Result<i64, ServiceError> {
    let mut tx = crate::db::begin(db).await?;
    // One publisher at a time.
    sqlx::query("SELECT pg_advisory_xact_lock(7170011)")
        .execute(&mut *tx)
        .await?;
    if store::list_of(&mut tx, kind.code(), year).await?.is_some() {
        return Err(ServiceError::WrongState);
    }
    if kind == ListKind::Grades {
        grade_missing_years(&mut tx, user, year).await?;
    }
    if store::unpublished_count(&mut tx, kind.code(), year).await? == 0 {
        return Err(ServiceError::WrongState);
    }
    let (id, n) = store::publish_list(&mut tx, kind.code(), year, user.id).await?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: Some(user.id),
            action: "creation.published",
            entity: "creation_list",
            entity_id: Some(id),
            before: None,
            after: Some(json!({"kind": kind.code(), "year": year, "rows": n})),
        },
    )
    .await?;
    if kind == ListKind::Grades {
        apply_standings(&mut tx, user, id, year).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Before a year's grades are published: refused while any town's report
/// deadline of that year has not passed; a town in its period with neither
/// a report nor a grade of the year gets 警告 (未按时报送, or what the
/// two-warnings and cultivation rules make of it), as suggested.
async fn grade_missing_years(conn: &mut PgConnection, user: &User, year: i32) -> Result<(), ServiceError> {
    let now = today();
    for id in store::towns_in_period(conn).await? {
        let t = town(conn, id, Scope::All, true).await?;
        if t.period.year_of(year).is_none() {
            continue;
        }
        if !t.standard.creation_rules().deadline.has_passed(year, now) {
            return Err(ServiceError::Refused(BEFORE_DEADLINE));
        }
        let graded = store::assessments_for(conn, id, false)
            .await?
            .iter()
            .any(|a| a.year == year);
        if graded || store::get_report(conn, id, year).await?.is_some() {
            continue;
        }
        if let Some(a) = assess_year(conn, &t, year).await? {
            record_grade(conn, user, &t, year, None, &a, a.suggested, "", None).await?;
        }
    }
    Ok(())
}

/// The status changes a published grades list brings: only forward (listed
/// → demoted → removed), and only for towns still in their period (a named,
/// not named or removed town keeps its status).
async fn apply_standings(conn: &mut PgConnection, user: &User, list_id: i64, year: i32) -> Result<(), ServiceError> {
    for t in store::graded_towns(conn, list_id).await? {
        let Some(from) = Status::from_code(&t.status) else {
            continue;
        };
        let grades: Vec<Grade> = t.grades.iter().filter_map(|g| Grade::from_code(g)).collect();
        let to = creation::standing(&grades);
        let action = match (from, to) {
            (Status::Listed, Status::Demoted) => "proposal.demoted",
            (Status::Listed | Status::Demoted, Status::Removed) => "proposal.eliminated",
            _ => continue,
        };
        proposals::set_status(conn, t.proposal_id, to, user.id).await?;
        if to == Status::Removed {
            deduct(conn, user.id, t.proposal_id, Some(year), "eliminated").await?;
        }
        audit::record(
            conn,
            audit::Entry {
                actor_id: Some(user.id),
                action,
                entity: "proposal",
                entity_id: Some(t.proposal_id),
                before: Some(json!({"status": from.code()})),
                after: Some(json!({
                    "status": to.code(), "year": year, "creation_list": list_id,
                    "grades": t.grades,
                })),
            },
        )
        .await?;
    }
    Ok(())
}

/// 追惩制 for a town removed during its period — by its grades (淘汰,
/// cause `eliminated`, on the land used up to `up_to` its removal year) or
/// by a withdrawal batch for missing its targets (cause `withdrawn`): the
/// deduction recorded like a decision not to name it, so that its county's
/// summary counts it. A town already decided keeps its decision.
async fn deduct(
    conn: &mut PgConnection,
    actor_id: i64,
    proposal_id: i64,
    up_to: Option<i32>,
    cause: &'static str,
) -> Result<(), ServiceError> {
    if store::acceptance_for(conn, proposal_id, false).await?.is_some() {
        return Ok(());
    }
    let t = town(conn, proposal_id, Scope::All, false).await?;
    let reports: Vec<ReportRow> = store::reports_for(conn, proposal_id)
        .await?
        .into_iter()
        .filter(|r| up_to.is_none_or(|y| r.year <= y))
        .collect();
    let used = period_reports(&t, &reports);
    let rules = t.standard.creation_rules().reward;
    let settlement = creation::settle(t.plan.industry(), &used, &t.period, false, &rules);
    let id = store::insert_acceptance(
        conn,
        NewAcceptance {
            proposal_id,
            named: false,
            reason: "",
            as_built: json!({"proposal": null, "evaluation": null}),
            settlement: &settlement,
            reviewer_id: actor_id,
            suggested_named: None,
            cause,
        },
    )
    .await?;
    audit::record(
        conn,
        audit::Entry {
            actor_id: Some(actor_id),
            action: "creation.penalised",
            entity: "acceptance",
            entity_id: Some(id),
            before: None,
            after: Some(json!({
                "proposal_id": proposal_id, "cause": cause, "up_to": up_to,
                "land_used_mu": settlement.land_used_mu, "land_quota_mu": settlement.land_quota_mu,
            })),
        },
    )
    .await?;
    Ok(())
}

/// 追惩制 for a town a withdrawal batch removes for missing its targets,
/// in the publishing transaction.
pub async fn deduct_withdrawn(conn: &mut PgConnection, actor_id: i64, proposal_id: i64) -> Result<(), ServiceError> {
    deduct(conn, actor_id, proposal_id, None, "withdrawn").await
}

/// One year's demonstration figures of a town: the plan's year `k` at
/// `rate` (its housing and complexes in the plan's proportions, so that the
/// eligible completion is `rate`), benefits growing over the period, a
/// share of the new tax paid to the province.
fn demo_figures(plan: &Proposal, k: u32, years: u32, rate: Decimal, province_share: Decimal) -> AnnualFigures {
    use rust_decimal::RoundingStrategy;
    let down = |d: Decimal, dp: u32| d.round_dp_with_strategy(dp, RoundingStrategy::ToZero);
    let inv = plan.investment();
    let total = down(creation::plan_for_year(plan, k) * rate, 4);
    let share = |part: Decimal| down(part * total / inv.total_yi, 4);
    let residential = share(inv.residential_yi);
    let complex = share(inv.commercial_complex_yi);
    let characteristic = share(inv.characteristic_yi).min(total - residential - complex);
    let progress = (Decimal::from(k) / Decimal::from(years.max(1))).min(Decimal::ONE);
    let b = plan.benefits();
    let f = plan.functions();
    let count = |v: i32| down(Decimal::from(v) * progress, 0).try_into().unwrap_or(0);
    let new_tax_wan = down(b.new_tax_wan * progress, 2);
    AnnualFigures {
        total_yi: total,
        residential_yi: residential,
        commercial_complex_yi: complex,
        characteristic_yi: characteristic,
        land_used_mu: if k <= years {
            down(plan.built_mu() * dec!(0.2), 4)
        } else {
            Decimal::ZERO
        },
        new_tax_wan,
        province_tax_wan: down(new_tax_wan * province_share, 2),
        jobs: count(b.jobs),
        annual_visitors: count(b.annual_visitors),
        enterprises: count(b.enterprises),
        public_service_app: f.public_service_app,
        town_living_room: f.town_living_room && k > 1,
        scenic_level: f.scenic_level,
        wifi_coverage_pct: f.wifi_coverage_pct,
        digital_management_pct: f.digital_management_pct,
    }
}

/// Demonstration data for `demo`, called after the first list batch is
/// published (back-dated, so that its towns have whole periods). Year by
/// year, each town still in its period reports at a completion of its
/// eligible plan that varies by town — 125%, 105%, 90% (its second year not
/// reported: 未按时报送), 70% then 120% (two 警告: demoted, then a
/// cultivation town at 合格), 50% (降格, then 淘汰: removed, with its
/// 追惩制 deduction) — every grade is confirmed as suggested, and the
/// year's grades are published. At the end of its period the first town is
/// named (with a reason if the as-built evaluation suggested otherwise) and
/// the year's named list published; the others are left for a reviewer to
/// decide (so the demonstration shows towns awaiting acceptance, listed and
/// demoted). The named town then reports its first rebate year.
/// A demo reviewer's points on every judged line of a town's annual
/// tables: a share of each maximum (in whole steps) by how much of its plan
/// the town built; no veto holds.
fn demo_judgements(t: &Town, table: &str, rate: Decimal) -> Judgements {
    let share = if rate >= dec!(1.2) {
        dec!(0.9)
    } else if rate >= Decimal::ONE {
        dec!(0.8)
    } else if rate >= dec!(0.8) {
        dec!(0.75)
    } else {
        dec!(0.6)
    };
    let mut judged = Judgements::new();
    let Ok((common, industry)) = scoring::tables_for(&t.standard, table, &t.plan) else {
        return judged;
    };
    for line in common.lines().chain(industry.iter().flat_map(|i| i.lines())) {
        let judgement = match &line.kind {
            scoring::LineKind::Judged { step } if !step.is_zero() => scoring::Judgement {
                points: Some((line.max * share / step).floor() * step),
                veto: None,
                comment: "示例评分".to_string(),
            },
            scoring::LineKind::Veto { .. } if line.is_judged() => scoring::Judgement {
                points: None,
                veto: Some(false),
                comment: String::new(),
            },
            _ => continue,
        };
        judged.insert(line.code.clone(), judgement);
    }
    judged
}

pub async fn demo(db: &PgPool, reviewer: &User, admin: &User, listed: &[i64]) -> anyhow::Result<()> {
    const RATES: [[Decimal; 3]; 5] = [
        [dec!(1.25), dec!(1.25), dec!(1.25)],
        [dec!(1.05), dec!(1.05), dec!(1.05)],
        [dec!(0.9), dec!(0.9), dec!(0.9)],
        [dec!(0.7), dec!(0.7), dec!(1.2)],
        [dec!(0.5), dec!(0.5), dec!(0.5)],
    ];
    // The part of the new tax paid to the province: a quarter to a half.
    const PROVINCE_SHARES: [Decimal; 5] = [dec!(0.4), dec!(0.25), dec!(0.5), dec!(0.35), dec!(0.3)];
    let fail = |what: &str, id: i64, year: i32, e: ServiceError| anyhow::anyhow!("demo {what} of {id} {year}: {e:?}");
    let mut towns = Vec::new();
    for id in listed {
        towns.push(load_town(db, *id, Scope::All).await?.period);
    }
    let (Some(first), Some(last)) = (
        towns.iter().map(|p| p.listing_year).min(),
        towns.iter().map(Period::last_year).max(),
    ) else {
        return Ok(());
    };
    let now = today();
    let rules = CreationRulesOf::default();
    for year in first..=last {
        if !rules.deadline.has_passed(year, now) {
            break;
        }
        for (i, id) in listed.iter().enumerate() {
            let t = load_town(db, *id, Scope::All).await?;
            let Some(k) = t.period.year_of(year) else { continue };
            if !matches!(t.row.status(), Status::Listed | Status::Demoted) || (i % 6 == 2 && k == 2) {
                continue;
            }
            let official = crate::auth::load_user(db, t.row.created_by)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the official of town {id} is missing"))?;
            let rate = RATES[i % RATES.len()][(k as usize - 1).min(2)];
            let share = PROVINCE_SHARES[i % PROVINCE_SHARES.len()];
            let figures = demo_figures(&t.plan, k, t.period.years, rate, share);
            save_report(db, &official, t.row.region_id, *id, year, None, &figures)
                .await
                .map_err(|e| fail("report", *id, year, e))?;
            let (_, _, y) = suggestion_scored(db, *id, year, None)
                .await
                .map_err(|e| fail("assessment", *id, year, e))?;
            // On an annual table the reviewer scores the judged lines (by
            // how far the town got) and, where the table suggests another
            // grade than its completion, keeps the completion's with a
            // reason: the demo towns' stories stay as they are.
            let judged = y.scored.as_ref().map(|s| demo_judgements(&t, &s.table, rate));
            let mut reason = "";
            if let Some(judged) = &judged {
                let (_, _, on_table) = suggestion_scored(db, *id, year, Some(judged))
                    .await
                    .map_err(|e| fail("score", *id, year, e))?;
                if on_table.assessment.suggested != y.by_completion {
                    reason = "综合年度投资完成情况，按投资完成率档次评定。";
                }
            }
            confirm_scored(db, reviewer, *id, year, Some(y.by_completion), reason, judged.as_ref())
                .await
                .map_err(|e| fail("grade", *id, year, e))?;
        }
        match publish(db, admin, ListKind::Grades, year).await {
            Ok(_) | Err(ServiceError::WrongState) => {}
            Err(e) => anyhow::bail!("demo publication of {year}: {e:?}"),
        }
        let Some(id) = listed.first() else { continue };
        let a = as_built(db, *id).await?;
        if a.town.period.last_year() == year && a.town.row.status() == Status::Listed {
            let reason = if a.suggested_named {
                "创建期内完成规划投资，验收合格，予以命名。"
            } else {
                "竣工评估个别指标未达标，但创建期内投资完成情况优秀，予以命名。"
            };
            decide_acceptance(db, reviewer, *id, Some(true), reason)
                .await
                .map_err(|e| fail("acceptance", *id, year, e))?;
            publish(db, admin, ListKind::Named, year)
                .await
                .map_err(|e| anyhow::anyhow!("demo named list of {year}: {e:?}"))?;
        }
    }
    // A named town's first rebate year after its period (year 4).
    for (i, id) in listed.iter().enumerate() {
        let t = load_town(db, *id, Scope::All).await?;
        let year = t.period.last_year() + 1;
        if t.row.status() != Status::Named || !rules.deadline.has_passed(year, now) {
            continue;
        }
        let Ok(ReportYear::Rebate(k)) = t.period.report_year(year, true) else {
            continue;
        };
        let official = crate::auth::load_user(db, t.row.created_by)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the official of town {id} is missing"))?;
        let share = PROVINCE_SHARES[i % PROVINCE_SHARES.len()];
        let figures = demo_figures(&t.plan, k, t.period.years, Decimal::ONE, share);
        save_report(db, &official, t.row.region_id, *id, year, None, &figures)
            .await
            .map_err(|e| fail("rebate report", *id, year, e))?;
    }
    Ok(())
}
