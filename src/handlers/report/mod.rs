//! `GET /proposals/{id}/report`: the evaluation report — every criterion
//! with required, actual, margin, verdict and citation, the proposal's data
//! as evaluated, the chart and the scoring table; for reviewers and admins
//! the review panel ([`panel`]), whose forms post to [`decision`].

pub mod decision;
mod panel;
mod scores;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::db::{evaluations, proposals};
use crate::domain::proposal::ProposalInput;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::{ChartView, DataSection, ReportView, data_sections, report_chart, report_view};
use crate::services::proposals::scope_of;
use crate::state::AppState;

use panel::{OverrideView, ReviewForm, ReviewPanel};
use scores::ScoreTableView;

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    pub evaluation: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "proposals/report.html")]
pub struct ReportPage {
    pub page: Page,
    pub id: i64,
    pub name: String,
    pub region: String,
    pub status_label: &'static str,
    pub report: Option<ReportView>,
    pub sections: Vec<DataSection>,
    /// Reviewers' overrides on the shown evaluation (see [`panel`]).
    pub overrides: Vec<OverrideView>,
    /// The overall verdict over the final verdicts, when findings were overridden.
    pub final_overall: Option<(&'static str, &'static str)>,
    /// Reviewers' and admins' sections: evaluations, decisions, changes, forms.
    pub review: Option<ReviewPanel>,
    /// The town's figures against the thresholds.
    pub chart: Option<ChartView>,
    /// The materials the shown evaluation's submission froze.
    pub materials: Option<crate::handlers::display::SubmittedMaterials>,
    /// The boundary it froze, drawn with what was found then.
    pub boundary: Option<crate::handlers::display::MapView>,
    /// The scoring table: computed lines and the submitted self-assessment.
    pub scores: Option<ScoreTableView>,
}

impl ReportPage {
    pub fn override_of(&self, criterion: &str) -> Option<&OverrideView> {
        self.overrides.iter().find(|o| o.criterion == criterion)
    }
}

/// `GET /proposals/{id}/report`: the latest evaluation (or `?evaluation=`),
/// every criterion with required, actual, margin, verdict and citation.
pub async fn report(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<ReportQuery>,
) -> AppResult<ReportPage> {
    report_page(&state, page, &user, id, q.evaluation, ReviewForm::default()).await
}

/// The report page, also re-rendered by the reviewers' forms with what they
/// typed and the messages beside the fields.
pub async fn report_page(
    state: &AppState,
    page: Page,
    user: &crate::auth::User,
    id: i64,
    evaluation_id: Option<i64>,
    form: ReviewForm,
) -> AppResult<ReportPage> {
    let lang = page.lang;
    let mut conn = state.db.acquire().await?;
    let row = proposals::get(&mut conn, id, scope_of(user))
        .await?
        .ok_or(AppError::NotFound)?;
    // A proposal has a handful of evaluations: one query serves the shown
    // one and the reviewers' list and comparison.
    let all = evaluations::list_in(&mut conn, id, lang).await?;
    let evaluation = match evaluation_id {
        Some(eid) => Some(all.iter().find(|e| e.id == eid).ok_or(AppError::NotFound)?),
        None => all.first(),
    };
    let report = match evaluation {
        Some(e) => Some(report_view(&mut conn, e, lang).await?),
        None => None,
    };
    // The data as evaluated (the snapshot), not as it may have been edited since.
    let input = match evaluation {
        Some(e) => ProposalInput::from_json(&e.snapshot).0,
        None => row.to_input(),
    };
    let materials = crate::handlers::display::submitted_materials(&all, evaluation, lang);
    let boundary = evaluation
        .and_then(|e| e.boundary.as_ref())
        .and_then(|b| crate::handlers::display::boundary_frozen_view(&b.0, &row.name, user, lang));
    let extras = panel::report_extras(&mut conn, user, &row, &all, evaluation, lang, form).await?;
    // Computed lines read the final verdicts, overrides included.
    let scores = match evaluation {
        Some(e) => scores::score_table(&mut conn, e, &input, &extras.final_verdicts, lang).await?,
        None => None,
    };
    Ok(ReportPage {
        id,
        name: row.name.clone(),
        region: row.region_name.clone(),
        status_label: row.status().label(lang),
        report,
        sections: data_sections(&input, lang),
        overrides: extras.overrides,
        final_overall: extras.final_overall,
        review: extras.review,
        chart: evaluation.map(|e| report_chart(&e.findings.0, &page)),
        scores,
        materials,
        boundary,
        page,
    })
}
