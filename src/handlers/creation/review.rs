//! Reviewers' annual grades and acceptance of the listed towns
//! (`/review/creation…`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::WRONG_STATE;
use super::assessment::{AssessmentView, CriterionLine, ReviewErrors, SettlementView, report_figures, settlement_view};
use crate::auth::Reviewer;
use crate::db::creation as store;
use crate::domain::Status;
use crate::domain::creation::{self, AcceptanceState};
use crate::error::AppResult;
use crate::handlers::Page;
use crate::handlers::display::exact;
use crate::handlers::display::sheet;
use crate::services::ServiceError;
use crate::services::creation::{self as service};
use crate::state::AppState;

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

pub async fn review_list(State(state): State<AppState>, page: Page, _r: Reviewer) -> AppResult<ReviewListPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
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

pub(super) async fn render_review_town(
    state: &AppState,
    page: Page,
    id: i64,
    errors: ReviewErrors,
) -> AppResult<ReviewTownPage> {
    let lang = page.lang;
    let built = service::as_built(&state.db, id).await?;
    let mut conn = crate::db::acquire(&state.db).await?;
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
                sheet: recorded_sheet(&mut conn, &built.town.standard, a, lang).await?,
                ..AssessmentView::pending(year, &a.indicators.0, figures, lang)
            }
        } else if period.year_of(year).is_none() {
            let mut view = AssessmentView::ungraded(year, figures, true);
            if let Some(r) = report {
                view.indicators.push((
                    crate::i18n::t(lang, "creation.year.rebate_amount"),
                    format!(
                        "{} × {} = {}",
                        exact(r.province_tax_wan),
                        r.tax_rebate_rate.map(exact).unwrap_or_default(),
                        r.tax_rebate_wan.map(exact).unwrap_or_default()
                    ),
                ));
            }
            view
        } else if report.is_none() && status == Status::Removed {
            continue;
        } else {
            let posted = errors.posted.as_ref().filter(|p| p.year == year);
            match service::suggestion_scored_in(&mut conn, id, year, posted.map(|p| &p.judged)).await {
                Ok((_, _, y)) => {
                    let mut view = AssessmentView::pending(year, &y.assessment, figures, lang);
                    let standard = &built.town.standard;
                    view.sheet = (y.scored.as_ref()).map(|s| sheet::editable(standard, s, posted, &y.problems, lang));
                    if let Some(p) = posted {
                        if p.refused {
                            view.chosen = p.final_grade.clone();
                        }
                        view.reason = p.reason.clone();
                    }
                    view
                }
                Err(ServiceError::Refused(service::EARLIER_YEAR)) => AssessmentView::ungraded(year, figures, false),
                Err(ServiceError::NotFound) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        if let Some(r) = report {
            // The report's tax figures (not part of the grade's indicators).
            view.indicators.push((
                crate::i18n::t(lang, "creation.ind.tax"),
                format!("{} / {}", exact(r.new_tax_wan), exact(r.province_tax_wan)),
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
        .map(|a| exact(a.land_quota_mu));
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

/// The sheet a confirmed grade was suggested from, named by the version
/// that scored it.
pub(super) async fn recorded_sheet(
    conn: &mut sqlx::PgConnection,
    town_standard: &std::sync::Arc<crate::standards::Standard>,
    a: &store::AssessmentRow,
    lang: crate::domain::Lang,
) -> AppResult<Option<sheet::SheetView>> {
    let Some(stored) = &a.score_sheet else {
        return Ok(None);
    };
    let by = &stored.0.result.standard;
    let standard = if (by.code.as_str(), by.version) == (town_standard.code.as_str(), town_standard.version) {
        town_standard.clone()
    } else {
        match crate::db::standards::definition(conn, &by.code, by.version).await? {
            Some(s) => s,
            None => town_standard.clone(),
        }
    };
    Ok(Some(sheet::recorded(
        &standard,
        &stored.0,
        &a.reviewer_name,
        a.created_at,
        lang,
    )))
}

pub async fn review_town(
    State(state): State<AppState>,
    page: Page,
    _r: Reviewer,
    Path(id): Path<i64>,
) -> AppResult<ReviewTownPage> {
    render_review_town(&state, page, id, ReviewErrors::default()).await
}

#[derive(Debug, Default, Deserialize)]
pub struct AcceptanceForm {
    #[serde(default)]
    pub named: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn decide_acceptance(
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
        Err(e) => Err(e.into_app(WRONG_STATE, format!("/review/creation/{id}"))),
    }
}
