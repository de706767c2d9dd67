//! `GET /proposals/{id}/report`: the evaluation report — every criterion
//! with required, actual, margin, verdict and citation, the proposal's data
//! as evaluated, the chart and the scoring table; for reviewers and admins
//! the review panel ([`panel`]), whose forms post to [`decision`].

pub mod decision;
mod panel;
mod scores;

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::db::evaluations;
use crate::db::report as db_report;
use crate::domain::proposal::ProposalInput;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::{
    ChartView, DataSection, ReportView, data_sections, report_chart, report_view, with_names_now,
};
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
    pub report: Option<Arc<ReportView>>,
    /// The rows of the report's findings table, rendered.
    pub finding_rows: Arc<str>,
    /// The data as evaluated (or as it is, without an evaluation), rendered.
    pub data_html: Arc<str>,
    /// Reviewers' overrides on the shown evaluation (see [`panel`]).
    pub overrides: Vec<OverrideView>,
    /// The overall verdict over the final verdicts, when findings were overridden.
    pub final_overall: Option<(&'static str, &'static str)>,
    /// Reviewers' and admins' sections: evaluations, decisions, changes, forms.
    pub review: Option<ReviewPanel>,
    /// The town's figures against the thresholds, rendered ("" without an
    /// evaluation).
    pub chart_html: Arc<str>,
    /// The materials the shown evaluation's submission froze.
    pub materials: Option<crate::handlers::display::SubmittedMaterials>,
    /// The boundary it froze, drawn with what was found then.
    pub boundary: Option<crate::handlers::display::MapView>,
    /// The scoring table: computed lines and the submitted self-assessment.
    pub scores: Option<Arc<ScoreTableView>>,
}

/// The findings table's rows: rendered apart so that, while no finding of
/// an evaluation is overridden, they are kept rendered ([`FixedParts`]).
#[derive(Template)]
#[template(path = "proposals/report_rows.html")]
struct FindingRows<'a> {
    page: &'a Page,
    findings: &'a [crate::handlers::display::FindingView],
    overrides: &'a [OverrideView],
}

#[derive(Template)]
#[template(path = "proposals/report_data.html")]
struct DataPart<'a> {
    sections: &'a [DataSection],
}

#[derive(Template)]
#[template(path = "dashboard/chart.html")]
struct ChartPart<'a> {
    chart: &'a ChartView,
}

impl FindingRows<'_> {
    fn override_of(&self, criterion: &str) -> Option<&OverrideView> {
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
    let mut conn = crate::db::acquire(&state.db).await?;
    // One statement: a proposal has a handful of evaluations, and they
    // serve the shown one and the reviewers' list and comparison.
    let read = db_report::read(
        &mut conn,
        &state.evaluations,
        id,
        scope_of(user),
        lang,
        evaluation_id,
        panel::reads_decisions(user),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let (row, all) = (&read.proposal, &read.evaluations);
    let evaluation = match evaluation_id {
        Some(eid) => Some(all.iter().find(|e| e.id == eid).ok_or(AppError::NotFound)?),
        None => all.first(),
    };
    let fixed = match evaluation {
        Some(e) => Some(fixed_parts(state, &mut conn, e, &read.judged, &page).await?),
        None => None,
    };
    let (report, input, data_html, chart_html) = match (&fixed, evaluation) {
        (Some(f), Some(e)) => (
            // Names follow the towns' status now, over the kept findings.
            Some(with_names_now(&f.report, e, lang).map_or_else(|| f.report.clone(), Arc::new)),
            f.input.clone(),
            f.data_html.clone(),
            f.chart_html.clone(),
        ),
        _ => {
            let input = Arc::new(row.to_input());
            let sections = data_sections(&input, lang);
            let data_html = Arc::from(DataPart { sections: &sections }.render()?);
            (None, input, data_html, Arc::from(""))
        }
    };
    let materials = crate::handlers::display::submitted_materials(all, evaluation, lang);
    let boundary = evaluation
        .and_then(|e| e.boundary.as_ref())
        .and_then(|b| crate::handlers::display::boundary_frozen_view(&b.0, &row.name, user, lang));
    let extras = panel::report_extras(user, &read, evaluation, lang, form);
    // Computed lines read the final verdicts, overrides included; without
    // an override they are the kept ones.
    let scores = match (&fixed, evaluation) {
        (Some(f), Some(_)) if extras.overrides.is_empty() => f.scores.clone(),
        (_, Some(e)) => scores::score_table(&mut conn, e, &input, &read.judged, &extras.final_verdicts, lang)
            .await?
            .map(Arc::new),
        (_, None) => None,
    };
    // The kept rows serve while the findings are the kept ones (no town
    // renamed since) and none is overridden.
    let finding_rows = match (&fixed, &report) {
        (Some(f), Some(r)) if extras.overrides.is_empty() && Arc::ptr_eq(r, &f.report) => f.rows.clone(),
        (_, Some(r)) => Arc::from(
            FindingRows {
                page: &page,
                findings: &r.findings,
                overrides: &extras.overrides,
            }
            .render()?,
        ),
        (_, None) => Arc::from(""),
    };
    Ok(ReportPage {
        id,
        finding_rows,
        name: row.name.clone(),
        region: row.region_name.clone(),
        status_label: row.status().label(lang),
        report,
        data_html,
        overrides: extras.overrides,
        final_overall: extras.final_overall,
        review: extras.review,
        chart_html,
        scores,
        materials,
        boundary,
        page,
    })
}

/// What the report shows of an evaluation that never changes, built once
/// per language ([`crate::view_cache`]): its findings, the data as it was
/// evaluated (the snapshot, not the data as edited since), the chart and
/// the scoring table without overrides, the parts that need no more
/// rendered.
struct FixedParts {
    report: Arc<ReportView>,
    input: Arc<ProposalInput>,
    /// The data as evaluated, rendered.
    data_html: Arc<str>,
    /// The chart, rendered.
    chart_html: Arc<str>,
    /// The findings table's rows with no override.
    rows: Arc<str>,
    /// The scoring table with no override (the self-assessment submitted
    /// with an evaluation is frozen with it).
    scores: Option<Arc<ScoreTableView>>,
}

async fn fixed_parts(
    state: &AppState,
    conn: &mut sqlx::PgConnection,
    e: &evaluations::EvaluationRow,
    judged: &crate::standards::scoring::Judgements,
    page: &Page,
) -> AppResult<Arc<FixedParts>> {
    let lang = page.lang;
    let build = async {
        let report = report_view(conn, e, lang).await?;
        let input = ProposalInput::from_json(&e.snapshot).0;
        let rows = FindingRows {
            page,
            findings: &report.findings,
            overrides: &[],
        }
        .render()?;
        let sections = data_sections(&input, lang);
        let chart = report_chart(&e.findings, page);
        let scores = scores::score_table(conn, e, &input, judged, &Default::default(), lang).await?;
        Ok::<_, AppError>(FixedParts {
            rows: Arc::from(rows),
            report: Arc::new(report),
            data_html: Arc::from(DataPart { sections: &sections }.render()?),
            chart_html: Arc::from(ChartPart { chart: &chart }.render()?),
            input: Arc::new(input),
            scores: scores.map(Arc::new),
        })
    };
    state
        .views
        .get_or_build("report", e.id, e.created_at, lang, build)
        .await
}
