//! The creation system's pages (STANDARDS.md §5): officials' annual reports
//! (`/proposals/{id}/reports`), reviewers' grades and acceptance
//! (`/review/creation…`), admins' publication and per-county summary
//! (`/admin/creation…`), and the public results (`/creation/{year}`) and a
//! town's history on its public page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rust_decimal::Decimal;
use serde::Deserialize;
use sqlx::PgConnection;

use super::{Page, creation_import};
use crate::auth::{Admin, Official, Reviewer};
use crate::csv_out::CsvWriter;
use crate::db::creation as store;
use crate::db::proposals::Scope;
use crate::domain::Lang;
use crate::domain::Status;
use crate::domain::creation::{self, AcceptanceState, AnnualFigures, Assessment, Grade, REPORT_FIELDS, Settlement};
use crate::domain::proposal::FieldError;
use crate::error::{AppError, AppResult};
use crate::handlers::export::CSV_TYPE;
use crate::services::ServiceError;
use crate::services::creation::{self as service, ListKind};
use crate::services::import::MAX_BYTES;
use crate::state::AppState;

/// Officials' routes (their region's listed towns), with the annual
/// reports' XLSX template and import.
pub fn official_routes() -> Router<AppState> {
    Router::new()
        .route("/proposals/{id}/reports", get(reports_page).post(save_report))
        .route("/proposals/reports/template.xlsx", get(creation_import::template))
        .route(
            "/proposals/reports/import",
            get(creation_import::import_page)
                .post(creation_import::upload)
                .layer(DefaultBodyLimit::max(MAX_BYTES + 1024 * 1024)),
        )
}

/// Reviewers' routes.
pub fn reviewer_routes() -> Router<AppState> {
    Router::new()
        .route("/review/creation", get(review_list))
        .route("/review/creation/{id}", get(review_town))
        .route("/review/creation/{id}/grade", post(confirm_grade))
        .route("/review/creation/{id}/acceptance", post(decide_acceptance))
}

/// Admins' routes.
pub fn admin_routes() -> Router<AppState> {
    Router::new()
        .route("/admin/creation", get(admin_page))
        .route("/admin/creation/publish", post(publish))
        .route("/admin/creation/summary.csv", get(summary_csv))
}

/// Public routes.
pub fn public_routes() -> Router<AppState> {
    Router::new().route("/creation/{year}", get(public_year))
}

/// A figure as stored, exactly: every figure shown here is a sum or
/// product of exact decimals (a land quota of 300.0003 亩 × 0.6 is
/// 180.00018, not 180.0002).
fn d(v: Decimal) -> String {
    v.normalize().to_string()
}

fn pct(v: Option<Decimal>) -> String {
    v.map(|p| format!("{}%", p.normalize())).unwrap_or_else(|| "—".into())
}

fn refused(err: ServiceError, link: String) -> AppError {
    match err {
        ServiceError::Stale => AppError::Conflict {
            key: "error.conflict.stale",
            link: Some(link),
        },
        ServiceError::WrongState => AppError::Conflict {
            key: "creation.conflict.state",
            link: Some(link),
        },
        ServiceError::Refused(key) => AppError::Conflict { key, link: Some(link) },
        other => other.into(),
    }
}

// ---------------------------------------------------------------- officials

pub struct FieldView {
    pub name: &'static str,
    /// The report's own label, with the unit.
    pub label: String,
    /// A short explanation under the field.
    pub help: Option<String>,
    pub checkbox: bool,
    pub value: String,
    pub error: Option<String>,
}

pub struct ReportLine {
    pub year: i32,
    pub cells: Vec<String>,
    pub status: String,
    pub editable: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "creation/reports.html")]
pub struct ReportsPage {
    pub page: Page,
    pub id: i64,
    pub town: String,
    pub plan_by_year: String,
    pub headers: Vec<String>,
    pub reports: Vec<ReportLine>,
    pub year: String,
    pub year_error: Option<String>,
    pub version: String,
    pub fields: Vec<FieldView>,
    /// The town's standing, when it is not simply listed: a catalogue text.
    pub notice: Option<String>,
    /// Reports can be added or edited (not for a removed town).
    pub can_report: bool,
}

fn field_views(lang: Lang, pairs: &[(String, String)], errors: &[FieldError]) -> Vec<FieldView> {
    REPORT_FIELDS
        .iter()
        .map(|name| FieldView {
            name,
            label: creation::field_heading(name, lang),
            help: (*name == creation::PROVINCE_TAX).then(|| crate::i18n::t(lang, "creation.province_tax.help")),
            checkbox: matches!(*name, creation::APP | creation::LIVING_ROOM),
            value: pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            error: errors
                .iter()
                .find(|e| e.field == *name)
                .map(|e| creation::error_message(e, lang)),
        })
        .collect()
}

fn report_cells(f: &AnnualFigures) -> Vec<String> {
    f.to_form_pairs()
        .into_iter()
        .filter(|(k, _)| !matches!(k.as_str(), creation::APP | creation::LIVING_ROOM))
        .map(|(_, v)| v)
        .collect()
}

fn report_headers(lang: Lang) -> Vec<String> {
    REPORT_FIELDS
        .iter()
        .filter(|n| !matches!(**n, creation::APP | creation::LIVING_ROOM))
        .map(|n| creation::field_heading(n, lang))
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct YearQuery {
    pub year: Option<String>,
}

struct FormState {
    year: String,
    year_error: Option<String>,
    version: String,
    pairs: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

async fn render_reports(
    state: &AppState,
    page: Page,
    id: i64,
    region_id: i64,
    form: FormState,
) -> AppResult<ReportsPage> {
    let town = service::load_town(&state.db, id, Scope::Region(region_id)).await?;
    let mut conn = state.db.acquire().await?;
    let rows = store::reports_for(&mut conn, id).await?;
    let lang = page.lang;
    let reports = rows
        .iter()
        .map(|r| ReportLine {
            year: r.year,
            cells: report_cells(&r.figures()),
            status: page.t(if r.is_assessed() {
                "creation.report.assessed"
            } else if town.row.status() == Status::Removed {
                "creation.report.closed"
            } else {
                "creation.report.submitted"
            }),
            editable: !r.is_assessed() && town.row.status() != Status::Removed,
        })
        .collect();
    let plan_by_year = town
        .plan
        .investment()
        .by_year_yi
        .iter()
        .map(|v| d(*v))
        .collect::<Vec<_>>()
        .join(" / ");
    let status = town.row.status();
    let notice = match status {
        Status::Demoted => Some(page.t("creation.reports.cultivation")),
        Status::Removed => Some(page.t("creation.reports.removed")),
        _ => None,
    };
    Ok(ReportsPage {
        notice,
        can_report: status != Status::Removed,
        id,
        town: town.row.name.clone(),
        plan_by_year,
        headers: report_headers(lang),
        reports,
        year: form.year,
        year_error: form.year_error,
        version: form.version,
        fields: field_views(lang, &form.pairs, &form.errors),
        page,
    })
}

async fn reports_page(
    State(state): State<AppState>,
    page: Page,
    official: Official,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> AppResult<ReportsPage> {
    let mut form = FormState {
        year: String::new(),
        year_error: None,
        version: String::new(),
        pairs: Vec::new(),
        errors: Vec::new(),
    };
    if let Some(year) = q.year.as_deref().and_then(|y| y.trim().parse::<i32>().ok()) {
        // Editing an existing report: its figures and version. The region
        // is checked by `render_reports` before anything is shown.
        service::load_town(&state.db, id, Scope::Region(official.region_id)).await?;
        let mut conn = state.db.acquire().await?;
        if let Some(r) = store::get_report(&mut conn, id, year).await? {
            form.year = year.to_string();
            form.version = r.version.to_string();
            form.pairs = r.figures().to_form_pairs();
        }
    }
    render_reports(&state, page, id, official.region_id, form).await
}

fn value_of<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

async fn save_report(
    State(state): State<AppState>,
    page: Page,
    official: Official,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    // The town must be visible to this official before anything else.
    service::load_town(&state.db, id, Scope::Region(official.region_id)).await?;
    let year_raw = value_of(&pairs, "year").to_string();
    let version_raw = value_of(&pairs, "version").trim().to_string();
    let version = if version_raw.is_empty() {
        None
    } else {
        Some(
            version_raw
                .parse::<i32>()
                .map_err(|_| AppError::BadRequest("error.bad_request.invalid"))?,
        )
    };
    let year = service::parse_year(&year_raw);
    let figures = AnnualFigures::from_form(&pairs);
    let (year, figures) = match (year, figures) {
        (Ok(y), Ok(f)) => (y, f),
        (year, figures) => {
            let lang = page.lang;
            let form = FormState {
                year: year_raw,
                year_error: year.err().map(|e| year_message(&e, lang)),
                version: version_raw,
                pairs,
                errors: figures.err().unwrap_or_default(),
            };
            let body = render_reports(&state, page, id, official.region_id, form).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        }
    };
    match service::save_report(
        &state.db,
        &official.user,
        official.region_id,
        id,
        year,
        version,
        &figures,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/proposals/{id}/reports")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = page.lang;
            let form = FormState {
                year: year_raw,
                year_error: errors.first().map(|e| year_message(e, lang)),
                version: version_raw,
                pairs,
                errors: Vec::new(),
            };
            let body = render_reports(&state, page, id, official.region_id, form).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(refused(e, format!("/proposals/{id}/reports"))),
    }
}

fn year_message(e: &FieldError, lang: Lang) -> String {
    crate::i18n::t(lang, service::year_error_key(e))
}

// ---------------------------------------------------------------- reviewers

pub struct PendingLine {
    pub id: i64,
    pub town: String,
    pub region: String,
    pub year: i32,
    /// No report after the deadline (未按时报送): to be graded 警告.
    pub overdue: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "creation/review_list.html")]
pub struct ReviewListPage {
    pub page: Page,
    pub pending: Vec<PendingLine>,
}

async fn review_list(State(state): State<AppState>, page: Page, _r: Reviewer) -> AppResult<ReviewListPage> {
    let mut conn = state.db.acquire().await?;
    let filed = store::pending_reports(&mut conn).await?;
    drop(conn);
    let overdue = service::overdue_years(&state.db).await?;
    let line = |p: store::PendingRow, overdue: bool| PendingLine {
        id: p.proposal_id,
        town: p.town,
        region: p.region_name,
        year: p.year,
        overdue,
    };
    let mut pending: Vec<PendingLine> = filed
        .into_iter()
        .map(|p| line(p, false))
        .chain(overdue.into_iter().map(|p| line(p, true)))
        .collect();
    pending.sort_by(|a, b| (a.year, &a.town, a.id).cmp(&(b.year, &b.town, b.id)));
    Ok(ReviewListPage { page, pending })
}

pub struct AssessmentView {
    pub year: i32,
    pub period_year: u32,
    /// (label, value)
    pub indicators: Vec<(String, String)>,
    pub suggested: &'static str,
    pub suggested_label: &'static str,
    /// The confirmed grade and its reason, once confirmed.
    pub final_grade: Option<(&'static str, &'static str, String)>,
    /// A cultivation town's year (demoted earlier).
    pub cultivation: bool,
    /// The grades a reviewer may choose: (code, label).
    pub grades: Vec<(&'static str, &'static str)>,
    /// The year's report as filed: (the report's label with unit, value).
    pub figures: Vec<(String, String)>,
    /// No report of the year (未按时报送).
    pub missing: bool,
    /// A rebate year after the period: figures and rebate, no grade.
    pub rebate_year: bool,
    /// Which rules made (or make) the grade.
    pub basis: String,
    /// Not gradable yet: the year before has no grade.
    pub waiting: bool,
}

impl AssessmentView {
    fn pending(year: i32, a: &Assessment, figures: Vec<(String, String)>, lang: Lang) -> AssessmentView {
        AssessmentView {
            year,
            period_year: a.period_year,
            indicators: indicators(a, lang),
            suggested: a.suggested.code(),
            suggested_label: a.suggested.label(lang),
            final_grade: None,
            cultivation: a.cultivation,
            grades: grade_choices(a.cultivation, lang),
            figures,
            missing: a.missing_report,
            rebate_year: false,
            basis: a.basis.label(lang).to_string(),
            waiting: false,
        }
    }

    /// A year that is not graded: a rebate year, or one waiting for the
    /// year before.
    fn ungraded(year: i32, figures: Vec<(String, String)>, rebate_year: bool) -> AssessmentView {
        AssessmentView {
            year,
            period_year: 0,
            indicators: Vec::new(),
            suggested: "",
            suggested_label: "",
            final_grade: None,
            cultivation: false,
            grades: Vec::new(),
            figures,
            missing: false,
            rebate_year,
            basis: String::new(),
            waiting: !rebate_year,
        }
    }
}

pub struct CriterionLine {
    pub label: String,
    pub planned: &'static str,
    pub planned_label: &'static str,
    pub built: &'static str,
    pub built_label: &'static str,
}

pub struct RebateYear {
    pub year: String,
    /// The new tax paid to the province that year.
    pub province_tax_wan: String,
    /// The share returned, in percent.
    pub rate: String,
    pub rebate_wan: String,
}

pub struct SettlementView {
    pub land_used_mu: String,
    pub factor: String,
    pub land_quota_mu: String,
    pub province_tax_total_wan: String,
    pub rebates: Vec<RebateYear>,
    pub rebate_total_wan: String,
}

fn settlement_view(s: &Settlement, years: &[i32]) -> SettlementView {
    SettlementView {
        land_used_mu: d(s.land_used_mu),
        factor: d(s.factor),
        land_quota_mu: d(s.land_quota_mu),
        province_tax_total_wan: d(s.province_tax_total_wan),
        rebates: s
            .tax_rebate_wan
            .iter()
            .zip(years)
            .enumerate()
            .map(|(i, (r, y))| RebateYear {
                year: y.to_string(),
                province_tax_wan: s.province_tax_wan.get(i).map(|v| d(*v)).unwrap_or_default(),
                rate: pct(s.tax_rebate_rate.get(i).map(|r| *r * Decimal::ONE_HUNDRED)),
                rebate_wan: d(*r),
            })
            .collect(),
        rebate_total_wan: d(s.tax_rebate_total_wan),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "creation/review_town.html")]
pub struct ReviewTownPage {
    pub page: Page,
    pub id: i64,
    pub town: String,
    pub region: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub assessments: Vec<AssessmentView>,
    /// Grades can be confirmed (not for a removed town).
    pub can_grade: bool,
    pub grade_error: Option<String>,
    pub reason_error: Option<String>,
    pub as_built_overall: String,
    pub as_built_error: Option<String>,
    pub criteria: Vec<CriterionLine>,
    pub if_named: SettlementView,
    pub if_not_named: SettlementView,
    /// (named, reason, reviewer) once decided.
    pub decision: Option<(bool, String, String)>,
    /// What the as-built evaluation suggests (命名 / 不予命名), and beside
    /// a decision what was suggested when it was made (None before it was
    /// recorded).
    pub suggestion: String,
    pub decided_suggestion: Option<String>,
    /// The 追惩制 deduction of a town removed (淘汰) by its grades.
    pub elimination_penalty: Option<String>,
    pub has_reports: bool,
    /// The acceptance form is offered (every year of the period published).
    pub accept_open: bool,
    /// "Named" is offered (not for a cultivation town).
    pub may_name: bool,
    /// Why the form is not offered, or limited: a catalogue text.
    pub accept_notice: Option<String>,
    /// (published, period) when acceptance waits for the period's grades.
    pub period_progress: Option<(u32, u32)>,
    pub accept_error: Option<String>,
}

/// Messages beside the review page's forms after a refused POST.
#[derive(Debug, Default)]
pub struct ReviewErrors {
    pub grade: Option<String>,
    pub reason: Option<String>,
    pub accept: Option<String>,
}

fn indicators(a: &Assessment, lang: Lang) -> Vec<(String, String)> {
    let t = |k: &str| crate::i18n::t(lang, k);
    let mut lines = vec![
        (t("creation.ind.period_year"), a.period_year.to_string()),
        (t("creation.ind.year_plan"), d(a.year_plan_yi)),
        (t("creation.ind.year_actual"), d(a.year_actual_yi)),
        (t("creation.ind.year_rate"), pct(a.year_rate_pct)),
        (t("creation.ind.cum_plan"), d(a.cumulative_plan_yi)),
        (t("creation.ind.cum_actual"), d(a.cumulative_actual_yi)),
        (t("creation.ind.cum_rate"), pct(a.cumulative_rate_pct)),
        (t("creation.ind.characteristic_share"), pct(a.characteristic_share_pct)),
        (
            t("creation.ind.visitors"),
            format!("{} / {}", a.visitors, a.planned_visitors),
        ),
    ];
    if a.cultivation {
        lines.push((t("creation.ind.kind"), t("creation.ind.cultivation")));
    }
    lines
}

/// Every figure of a report, labelled as the report form labels it.
fn report_figures(f: &AnnualFigures, lang: Lang) -> Vec<(String, String)> {
    let pairs = f.to_form_pairs();
    REPORT_FIELDS
        .iter()
        .map(|name| {
            let value = pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
            let value = match creation::field_kind(name) {
                creation::ReportFieldKind::Flag => crate::i18n::t(
                    lang,
                    if value == Some("true") {
                        "proposals.yes"
                    } else {
                        "proposals.no"
                    },
                ),
                _ => value.unwrap_or_default().to_string(),
            };
            (creation::field_heading(name, lang), value)
        })
        .collect()
}

fn grade_choices(cultivation: bool, lang: Lang) -> Vec<(&'static str, &'static str)> {
    Grade::allowed(cultivation)
        .iter()
        .map(|g| (g.code(), g.label(lang)))
        .collect()
}

async fn render_review_town(state: &AppState, page: Page, id: i64, errors: ReviewErrors) -> AppResult<ReviewTownPage> {
    let lang = page.lang;
    let built = service::as_built(&state.db, id).await?;
    let mut conn = state.db.acquire().await?;
    let confirmed = store::assessments_for(&mut conn, id, false).await?;
    let status = built.town.row.status();
    let period = built.town.period;
    // Every year with a report or a grade, and every year of the period
    // whose report deadline has passed (a missing report is graded too).
    let deadline = built.town.standard.creation_rules().deadline;
    let today = creation::china_today(chrono::Utc::now());
    let mut years: std::collections::BTreeSet<i32> = built.reports.iter().map(|r| r.year).collect();
    years.extend(confirmed.iter().map(|a| a.year));
    if status != Status::Removed {
        years.extend(period.calendar_years().filter(|y| deadline.has_passed(*y, today)));
    }
    let mut assessments = Vec::new();
    for year in years {
        let report = built.reports.iter().find(|r| r.year == year);
        let figures = report.map(|r| report_figures(&r.figures(), lang)).unwrap_or_default();
        let mut view = if let Some(a) = confirmed.iter().find(|a| a.year == year) {
            let g = a.final_grade();
            AssessmentView {
                final_grade: Some((g.code(), g.label(lang), a.reason.clone())),
                suggested: a.suggested_grade().code(),
                suggested_label: a.suggested_grade().label(lang),
                grades: Vec::new(),
                missing: a.missing_report,
                ..AssessmentView::pending(year, &a.indicators.0, figures, lang)
            }
        } else if period.year_of(year).is_none() {
            let mut view = AssessmentView::ungraded(year, figures, true);
            if let Some(r) = report {
                view.indicators.push((
                    crate::i18n::t(lang, "creation.year.rebate_amount"),
                    format!(
                        "{} × {} = {}",
                        d(r.province_tax_wan),
                        r.tax_rebate_rate.map(d).unwrap_or_default(),
                        r.tax_rebate_wan.map(d).unwrap_or_default()
                    ),
                ));
            }
            view
        } else if report.is_none() && status == Status::Removed {
            continue;
        } else {
            match service::suggestion(&state.db, id, year).await {
                Ok((_, _, a)) => AssessmentView::pending(year, &a, figures, lang),
                Err(ServiceError::Refused(service::EARLIER_YEAR)) => AssessmentView::ungraded(year, figures, false),
                Err(ServiceError::NotFound) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        if let Some(r) = report {
            // The report's tax figures (not part of the grade's indicators).
            view.indicators.push((
                crate::i18n::t(lang, "creation.ind.tax"),
                format!("{} / {}", d(r.new_tax_wan), d(r.province_tax_wan)),
            ));
        }
        assessments.push(view);
    }
    let standard = &built.town.standard;
    let (criteria, as_built_overall, as_built_error) = match &built.built {
        Ok((_, e)) => (
            built
                .planned
                .findings
                .iter()
                .map(|f| {
                    let b = e.verdict(&f.criterion).unwrap_or(f.verdict);
                    CriterionLine {
                        label: standard.criterion_label(&f.criterion, lang).to_string(),
                        planned: f.verdict.code(),
                        planned_label: f.verdict.label(lang),
                        built: b.code(),
                        built_label: b.label(lang),
                    }
                })
                .collect(),
            e.overall.label(lang).to_string(),
            None,
        ),
        Err(errors) => (
            Vec::new(),
            String::new(),
            Some(errors.iter().map(|e| e.message(lang)).collect::<Vec<_>>().join(" · ")),
        ),
    };
    let years: Vec<i32> = built
        .reports
        .iter()
        .map(|r| r.year)
        .filter(|y| period.year_of(*y).is_some())
        .collect();
    let accepted = store::acceptance_for(&mut conn, id, false).await?;
    let naming_label = |named: bool| {
        crate::i18n::t(
            lang,
            if named {
                "creation.accept.named"
            } else {
                "creation.accept.not_named"
            },
        )
    };
    let elimination_penalty = accepted
        .as_ref()
        .filter(|a| a.cause == "eliminated")
        .map(|a| d(a.land_quota_mu));
    let accepted = accepted.filter(|a| a.cause == "acceptance");
    let decided_suggestion = accepted.as_ref().map(|a| match a.suggested_named {
        Some(named) => naming_label(named),
        None => crate::i18n::t(lang, "creation.accept.suggestion_unrecorded"),
    });
    let decision = accepted.map(|a| (a.named, a.reason, a.reviewer_name));
    let published = confirmed
        .iter()
        .filter(|a| a.list_id.is_some() && period.year_of(a.year).is_some())
        .count() as u32;
    let t = |k: &str| Some(crate::i18n::t(lang, k));
    let (accept_open, may_name, accept_notice, period_progress) =
        match creation::acceptance_state(status, period.years, published) {
            AcceptanceState::Open { may_name: true } => (true, true, None, None),
            AcceptanceState::Open { may_name: false } => (true, false, t("creation.accept.cultivation"), None),
            AcceptanceState::TooEarly { period, published } => {
                (false, false, t("creation.accept.too_early"), Some((published, period)))
            }
            AcceptanceState::Removed => (false, false, t("creation.accept.removed"), None),
            AcceptanceState::Decided => (false, false, None, None),
        };
    Ok(ReviewTownPage {
        id,
        town: built.town.row.name.clone(),
        region: built.town.row.region_name.clone(),
        status: status.code(),
        status_label: status.label(lang),
        assessments,
        can_grade: status != Status::Removed,
        grade_error: errors.grade,
        reason_error: errors.reason,
        accept_open: accept_open && decision.is_none(),
        may_name,
        accept_notice,
        period_progress,
        accept_error: errors.accept,
        as_built_overall,
        as_built_error,
        criteria,
        if_named: settlement_view(&built.if_named, &years),
        if_not_named: settlement_view(&built.if_not_named, &years),
        decision,
        suggestion: naming_label(built.suggested_named),
        decided_suggestion,
        elimination_penalty,
        has_reports: !built.reports.is_empty(),
        page,
    })
}

async fn review_town(
    State(state): State<AppState>,
    page: Page,
    _r: Reviewer,
    Path(id): Path<i64>,
) -> AppResult<ReviewTownPage> {
    render_review_town(&state, page, id, ReviewErrors::default()).await
}

#[derive(Debug, Default, Deserialize)]
pub struct GradeForm {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub final_grade: String,
    #[serde(default)]
    pub reason: String,
}

async fn confirm_grade(
    State(state): State<AppState>,
    page: Page,
    reviewer: Reviewer,
    Path(id): Path<i64>,
    Form(form): Form<GradeForm>,
) -> AppResult<Response> {
    let year = form
        .year
        .trim()
        .parse::<i32>()
        .map_err(|_| AppError::BadRequest("error.bad_request.invalid"))?;
    let grade = Grade::from_code(form.final_grade.trim());
    match service::confirm_grade(&state.db, &reviewer.0, id, year, grade, &form.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/review/creation/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = page.lang;
            let grade_error = errors.iter().find(|e| e.field == "final_grade").map(|_| {
                crate::i18n::t(
                    lang,
                    match grade {
                        None => "creation.error.grade",
                        // 淘汰 for a town that is not a cultivation town.
                        Some(Grade::Removed) => "creation.error.removal_not_cultivation",
                        // 警告 or 降格 for a cultivation town.
                        Some(_) => "creation.error.cultivation_grade",
                    },
                )
            });
            let reason_error = errors.iter().find(|e| e.field == "reason").map(|e| match e.code {
                crate::domain::proposal::ErrorCode::Required => crate::i18n::t(lang, "creation.error.reason"),
                _ => crate::i18n::t(lang, "creation.error.too_long"),
            });
            let errors = ReviewErrors {
                grade: grade_error,
                reason: reason_error,
                accept: None,
            };
            let body = render_review_town(&state, page, id, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(refused(e, format!("/review/creation/{id}"))),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AcceptanceForm {
    #[serde(default)]
    pub named: String,
    #[serde(default)]
    pub reason: String,
}

async fn decide_acceptance(
    State(state): State<AppState>,
    page: Page,
    reviewer: Reviewer,
    Path(id): Path<i64>,
    Form(form): Form<AcceptanceForm>,
) -> AppResult<Response> {
    let named = match form.named.trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    };
    match service::decide_acceptance(&state.db, &reviewer.0, id, named, &form.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/review/creation/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let key = if errors
                .iter()
                .any(|e| e.field == "reason" && e.code == crate::domain::proposal::ErrorCode::Required)
            {
                "creation.error.accept_reason"
            } else if errors.iter().any(|e| e.field == "reason") {
                "creation.error.too_long"
            } else if named == Some(true) {
                // "Named" for a cultivation town.
                "creation.error.cultivation_named"
            } else {
                "creation.error.decision"
            };
            let errors = ReviewErrors {
                accept: Some(crate::i18n::t(page.lang, key)),
                ..ReviewErrors::default()
            };
            let body = render_review_town(&state, page, id, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(refused(e, format!("/review/creation/{id}"))),
    }
}

// ---------------------------------------------------------------- admins

pub struct CountyLine {
    pub region: String,
    pub named: i64,
    pub not_named: i64,
    /// Removed during the period (淘汰, or withdrawn for missing targets):
    /// deducted like a town not named.
    pub eliminated: i64,
    /// Named, then withdrawn by a batch: not in the sums.
    pub withdrawn: i64,
    pub land_quota_mu: String,
    pub province_tax_wan: String,
    pub tax_rebate_wan: String,
}

pub struct ListLine {
    pub kind: String,
    pub year: i32,
    pub date: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "creation/admin.html")]
pub struct AdminPage {
    pub page: Page,
    pub lists: Vec<ListLine>,
    pub counties: Vec<CountyLine>,
}

async fn county_lines(conn: &mut PgConnection) -> AppResult<Vec<CountyLine>> {
    Ok(store::county_summary(conn)
        .await?
        .into_iter()
        .map(|c| CountyLine {
            region: c.region_name,
            named: c.named,
            not_named: c.not_named,
            eliminated: c.eliminated,
            withdrawn: c.withdrawn,
            land_quota_mu: d(c.land_quota_mu),
            province_tax_wan: d(c.province_tax_wan),
            tax_rebate_wan: d(c.tax_rebate_wan),
        })
        .collect())
}

async fn admin_page(State(state): State<AppState>, page: Page, _a: Admin) -> AppResult<AdminPage> {
    let mut conn = state.db.acquire().await?;
    let lists = store::lists(&mut conn)
        .await?
        .into_iter()
        .map(|l| ListLine {
            kind: page.t(&format!("creation.list.{}", l.kind)),
            year: l.year,
            date: l.published_at.format("%Y-%m-%d").to_string(),
        })
        .collect();
    let counties = county_lines(&mut conn).await?;
    Ok(AdminPage { page, lists, counties })
}

#[derive(Debug, Default, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub year: String,
}

async fn publish(State(state): State<AppState>, admin: Admin, Form(form): Form<PublishForm>) -> AppResult<Response> {
    let kind = ListKind::from_code(form.kind.trim()).ok_or(AppError::BadRequest("error.bad_request.invalid"))?;
    let year = service::parse_year(&form.year).map_err(|_| AppError::BadRequest("error.bad_request.invalid"))?;
    service::publish(&state.db, &admin.0, kind, year)
        .await
        .map_err(|e| refused(e, "/admin/creation".into()))?;
    Ok(Redirect::to(&format!("/creation/{year}")).into_response())
}

/// `GET /admin/creation/summary.csv`: the per-county summary through the
/// one CSV writer (every text cell defused). One line per county: the file
/// is as small as the page.
async fn summary_csv(State(state): State<AppState>, page: Page, _a: Admin) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let lines = county_lines(&mut conn).await?;
    let mut w = CsvWriter::new();
    let head = [
        "creation.county.region",
        "creation.county.named",
        "creation.county.not_named",
        "creation.county.eliminated",
        "creation.county.withdrawn",
        "creation.county.land",
        "creation.county.province_tax",
        "creation.county.rebate",
    ];
    w.record(head.iter().map(|k| page.t(k)));
    for l in lines {
        w.record([
            l.region,
            l.named.to_string(),
            l.not_named.to_string(),
            l.eliminated.to_string(),
            l.withdrawn.to_string(),
            l.land_quota_mu,
            l.province_tax_wan,
            l.tax_rebate_wan,
        ]);
    }
    Ok((
        [
            (header::CONTENT_TYPE, CSV_TYPE),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"creation-summary.csv\"",
            ),
        ],
        w.take(),
    )
        .into_response())
}

// ---------------------------------------------------------------- public

pub struct GradeLine {
    pub id: i64,
    pub town: String,
    pub region: String,
    pub cum_rate: String,
    pub grade: &'static str,
    pub grade_label: &'static str,
    /// 降格为培育小镇 or 淘汰: what the grade does to the town.
    pub outcome: Option<String>,
    /// The rules the grade was made under.
    pub basis: &'static str,
    /// No report of the year (未按时报送).
    pub missing: bool,
}

pub struct NamedLine {
    pub id: i64,
    pub town: String,
    pub region: String,
    pub named: bool,
    pub land_quota_mu: String,
    pub tax_rebate_wan: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "creation/public_year.html")]
pub struct PublicYearPage {
    pub page: Page,
    pub year: i32,
    pub grades: Vec<GradeLine>,
    pub named: Vec<NamedLine>,
}

async fn public_year(State(state): State<AppState>, page: Page, Path(year): Path<i32>) -> AppResult<PublicYearPage> {
    let lang = page.lang;
    let mut conn = state.db.acquire().await?;
    let grades: Vec<GradeLine> = store::assessments_of_year(&mut conn, year, true)
        .await?
        .into_iter()
        .map(|a| {
            let g = a.final_grade();
            GradeLine {
                id: a.proposal_id,
                town: a.town,
                region: a.region_name,
                cum_rate: pct(a.indicators.0.cumulative_rate_pct),
                basis: a.indicators.0.basis.short_label(lang),
                missing: a.missing_report,
                grade: g.code(),
                grade_label: g.label(lang),
                outcome: match g {
                    Grade::Demoted => outcome_key(Status::Demoted),
                    Grade::Removed => outcome_key(Status::Removed),
                    _ => None,
                }
                .map(|k| crate::i18n::t(lang, k)),
            }
        })
        .collect();
    let named_list = store::list_of(&mut conn, "named", year).await?;
    let named: Vec<NamedLine> = match named_list {
        Some(list) => store::acceptances(&mut conn, true)
            .await?
            .into_iter()
            .filter(|a| a.list_id == Some(list.id))
            .map(|a| NamedLine {
                id: a.proposal_id,
                town: a.town,
                region: a.region_name,
                named: a.named,
                land_quota_mu: d(a.land_quota_mu),
                tax_rebate_wan: d(a.tax_rebate_wan),
            })
            .collect(),
        None => Vec::new(),
    };
    if grades.is_empty() && named.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(PublicYearPage {
        page,
        year,
        grades,
        named,
    })
}

/// What a published grade did to the town, as the public reads it.
fn outcome_key(to: Status) -> Option<&'static str> {
    match to {
        Status::Demoted => Some("creation.outcome.demoted"),
        Status::Removed => Some("creation.outcome.removed"),
        _ => None,
    }
}

/// One published grade on a town's public page.
#[derive(Debug, Clone)]
pub struct HistoryGrade {
    pub year: i32,
    pub code: &'static str,
    pub label: &'static str,
    /// 降格为培育小镇 or 淘汰, when this grade changed the town's standing.
    pub outcome: Option<String>,
    /// The rules the grade was made under.
    pub basis: &'static str,
    /// No report of the year (未按时报送).
    pub missing: bool,
}

/// A town's published history, for its public page.
#[derive(Debug, Clone, Default)]
pub struct TownHistory {
    pub grades: Vec<HistoryGrade>,
    /// (named, land quota, tax rebate) once published.
    pub acceptance: Option<(bool, String, String)>,
    /// (year, text) of the grade that demoted or removed the town, when its
    /// published grades leave it demoted or removed.
    pub standing: Option<(i32, String)>,
}

impl TownHistory {
    pub fn is_empty(&self) -> bool {
        self.grades.is_empty() && self.acceptance.is_none()
    }
}

/// Only published grades and decisions.
pub async fn town_history(conn: &mut PgConnection, proposal_id: i64, lang: Lang) -> AppResult<TownHistory> {
    let rows = store::assessments_for(conn, proposal_id, true).await?;
    let mut grades = Vec::with_capacity(rows.len());
    let mut walked: Vec<Grade> = Vec::with_capacity(rows.len());
    let mut standing = None;
    for a in rows {
        let g = a.final_grade();
        let before = creation::standing(&walked);
        walked.push(g);
        let after = creation::standing(&walked);
        let outcome = (after != before)
            .then(|| outcome_key(after))
            .flatten()
            .map(|k| crate::i18n::t(lang, k));
        if let Some(text) = &outcome {
            standing = Some((a.year, text.clone()));
        }
        grades.push(HistoryGrade {
            year: a.year,
            code: g.code(),
            label: g.label(lang),
            outcome,
            basis: a.indicators.0.basis.short_label(lang),
            missing: a.missing_report,
        });
    }
    let acceptance = store::acceptance_for(conn, proposal_id, true)
        .await?
        .map(|a| (a.named, d(a.land_quota_mu), d(a.tax_rebate_wan)));
    // A later published decision supersedes a demotion.
    if acceptance.is_some() && creation::standing(&walked) != Status::Removed {
        standing = None;
    }
    Ok(TownHistory {
        grades,
        acceptance,
        standing,
    })
}
