//! The proposal page and the evaluation report, and the display pieces they
//! share with other areas (badges, findings tables, times).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::db::evaluations::{self, EvaluationRow};
use crate::db::{audit, proposals, reviews, standards as db_standards};
use crate::domain::proposal::{Choice, FIELDS, FieldKind, FieldSpec, ProposalInput};
use crate::domain::{Lang, Role, Status};
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::i18n;
use crate::services::proposals::scope_of;
use crate::standards::{Overall, RenderedFinding, Standard, criterion_label};
use crate::state::AppState;

/// Times are shown in China Standard Time, where the users are.
pub fn format_time(t: DateTime<Utc>) -> String {
    let cst = FixedOffset::east_opt(8 * 3600).expect("a valid offset");
    t.with_timezone(&cst).format("%Y-%m-%d %H:%M").to_string()
}

/// (css class, label) of an overall verdict code.
pub fn overall_badge(code: &str, lang: Lang) -> Option<(&'static str, &'static str)> {
    let overall = match code {
        "pass" => Overall::Pass,
        "pass_with_warnings" => Overall::PassWithWarnings,
        "fail" => Overall::Fail,
        _ => return None,
    };
    Some((overall.code(), overall.label(lang)))
}

/// One row of a findings table.
pub struct FindingView {
    pub criterion: String,
    pub label: String,
    pub verdict: &'static str,
    pub verdict_label: &'static str,
    pub severity: String,
    pub actual: String,
    pub required: String,
    pub margin: String,
    pub message: String,
    pub citation: String,
}

/// An evaluation as a report shows it.
pub struct ReportView {
    pub id: i64,
    pub standard_name: String,
    pub standard_code: String,
    pub standard_version: i32,
    pub overall: &'static str,
    pub overall_label: &'static str,
    pub date: String,
    pub revision: i32,
    pub findings: Vec<FindingView>,
    /// Criteria that fail, for the summary line.
    pub failing: Vec<String>,
}

/// Rendered findings as table rows, with the criteria's names from the
/// standard they were evaluated under.
pub fn finding_views(rendered: &[RenderedFinding], standard: Option<&Standard>, lang: Lang) -> Vec<FindingView> {
    rendered
        .iter()
        .map(|f| {
            let label = standard
                .map(|s| s.criterion_label(&f.criterion, lang).to_owned())
                .unwrap_or_else(|| criterion_label(&f.criterion, lang).to_owned());
            FindingView {
                criterion: f.criterion.clone(),
                label,
                verdict: f.verdict.code(),
                verdict_label: f.verdict.label(lang),
                severity: f.severity.label(lang).to_owned(),
                actual: f.actual.clone().unwrap_or_else(|| "—".to_owned()),
                required: f.required.clone().unwrap_or_else(|| "—".to_owned()),
                margin: f.margin.clone().unwrap_or_else(|| "—".to_owned()),
                message: f.message.clone(),
                citation: f.citation.clone(),
            }
        })
        .collect()
}

pub async fn report_view(
    conn: &mut sqlx::PgConnection,
    row: &EvaluationRow,
    lang: Lang,
) -> Result<ReportView, sqlx::Error> {
    let standard = Some(db_standards::definition_by_hash(conn, row.standard_id, &row.standard_hash).await?);
    let standard_name = standard
        .as_ref()
        .map(|s| s.name(lang).to_owned())
        .unwrap_or_else(|| row.standard_code.clone());
    let findings = finding_views(row.rendered.0.get(lang), standard.as_deref(), lang);
    let failing = findings
        .iter()
        .filter(|f| f.verdict == "fail")
        .map(|f| f.label.clone())
        .collect();
    let (overall, overall_label) = overall_badge(&row.overall, lang).unwrap_or(("fail", ""));
    Ok(ReportView {
        id: row.id,
        standard_name,
        standard_code: row.standard_code.clone(),
        standard_version: row.standard_version,
        overall,
        overall_label,
        date: format_time(row.created_at),
        revision: row.proposal_revision,
        findings,
        failing,
    })
}

/// A field of the proposal as the data table shows it.
pub struct DataRow {
    pub label: &'static str,
    pub value: String,
}

pub struct DataSection {
    pub title: String,
    pub rows: Vec<DataRow>,
}

/// Which form/data section a field belongs to.
pub fn section_of(spec: &FieldSpec) -> &'static str {
    if spec.national_only {
        "national"
    } else if spec.name.starts_with("investment.") {
        "investment"
    } else if spec.name.starts_with("functions.") {
        "functions"
    } else if spec.name.starts_with("benefits.") {
        "benefits"
    } else if spec.name.ends_with("_area_km2") {
        "space"
    } else {
        "basic"
    }
}

pub const SECTIONS: [&str; 6] = ["basic", "space", "investment", "functions", "benefits", "national"];

/// A field's value in words and units, as read on the proposal page.
pub fn display_value(input: &ProposalInput, spec: &FieldSpec, lang: Lang) -> String {
    let values = input.form_values(spec.name);
    let unit = spec.unit().map(|u| u.label(lang)).unwrap_or("");
    let join = |v: &str| {
        if unit.is_empty() || v.is_empty() {
            v.to_owned()
        } else {
            format!("{v} {unit}")
        }
    };
    let text = match spec.kind {
        FieldKind::Bool => {
            let yes = values.first().is_some_and(|v| v == "true");
            i18n::t(lang, if yes { "proposals.yes" } else { "proposals.no" })
        }
        FieldKind::Choice(choice) => {
            let code = values.first().cloned().unwrap_or_default();
            choice_label(choice, &code, lang).unwrap_or_default()
        }
        FieldKind::DecimalList(_) => values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{} {}", year_label(i, lang), join(if v.is_empty() { "—" } else { v })))
            .collect::<Vec<_>>()
            .join("；"),
        _ => values.first().map(|v| join(v)).unwrap_or_default(),
    };
    if text.is_empty() { "—".to_owned() } else { text }
}

pub fn year_label(i: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("第{}年", i + 1),
        Lang::En => format!("Year {}", i + 1),
    }
}

fn choice_label(choice: Choice, code: &str, lang: Lang) -> Option<String> {
    choice
        .options(lang)
        .into_iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| l.to_owned())
}

pub fn data_sections(input: &ProposalInput, lang: Lang) -> Vec<DataSection> {
    SECTIONS
        .iter()
        .map(|section| DataSection {
            title: i18n::t(lang, &format!("proposals.section.{section}")),
            rows: FIELDS
                .iter()
                .filter(|f| section_of(f) == *section)
                .map(|f| DataRow {
                    label: f.label(lang),
                    value: display_value(input, f, lang),
                })
                .collect(),
        })
        .collect()
}

pub struct HistoryView {
    pub at: String,
    pub action: String,
    pub actor: String,
}

pub struct ReviewView {
    pub at: String,
    pub decision: String,
    pub decision_code: String,
    pub reviewer: String,
    pub comment: String,
}

pub struct EvaluationLine {
    pub id: i64,
    pub at: String,
    pub standard: String,
    pub revision: i32,
    pub overall: &'static str,
    pub overall_label: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "proposals/show.html")]
pub struct ShowPage {
    pub page: Page,
    pub id: i64,
    pub name: String,
    pub region: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub version: i32,
    pub can_edit: bool,
    pub can_submit: bool,
    pub can_withdraw: bool,
    /// Reviewers and admins may ask for an evaluation under the active standard.
    pub can_reevaluate: bool,
    pub sections: Vec<DataSection>,
    pub evaluations: Vec<EvaluationLine>,
    pub reviews: Vec<ReviewView>,
    pub history: Vec<HistoryView>,
    /// The latest review's comment when the proposal was sent back.
    pub returned_comment: Option<String>,
    /// Just submitted: the findings that fail, shown at the top.
    pub latest: Option<ReportView>,
    pub materials: crate::handlers::materials::MaterialsPanel,
}

/// `GET /proposals/{id}`: data, status, history, evaluations, decisions.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<ShowPage> {
    let lang = page.lang;
    let mut conn = state.db.acquire().await?;
    let row = proposals::get(&mut conn, id, scope_of(&user))
        .await?
        .ok_or(AppError::NotFound)?;
    let status = row.status();
    let input = row.to_input();
    let evaluation_rows = evaluations::list(&mut conn, id).await?;
    let latest = match evaluation_rows.first() {
        Some(e) => Some(report_view(&mut conn, e, lang).await?),
        None => None,
    };
    let evaluations = evaluation_rows
        .iter()
        .map(|e| {
            let (overall, overall_label) = overall_badge(&e.overall, lang).unwrap_or(("fail", ""));
            EvaluationLine {
                id: e.id,
                at: format_time(e.created_at),
                standard: format!("{} v{}", e.standard_code, e.standard_version),
                revision: e.proposal_revision,
                overall,
                overall_label,
            }
        })
        .collect();
    let review_rows = reviews::for_proposal(&mut conn, id).await?;
    let returned_comment = (status == Status::Returned)
        .then(|| {
            review_rows
                .iter()
                .find(|r| r.decision == "return")
                .map(|r| r.comment.clone())
        })
        .flatten();
    let reviews = review_rows
        .into_iter()
        .map(|r| ReviewView {
            at: format_time(r.created_at),
            decision: i18n::t(lang, &format!("proposals.decision.{}", r.decision)),
            decision_code: r.decision,
            reviewer: r.reviewer_name,
            comment: r.comment,
        })
        .collect();
    let history_rows = audit::history(&mut conn, "proposal", id).await?;
    // A removed town says how it left the list: 淘汰 by its annual grade,
    // or withdrawn by a batch (the status's own label).
    let eliminated = status == Status::Removed
        && history_rows
            .iter()
            .rev()
            .find(|h| matches!(h.action.as_str(), "proposal.removed" | "proposal.eliminated"))
            .is_some_and(|h| h.action == "proposal.eliminated");
    let history = history_rows
        .into_iter()
        .map(|h| HistoryView {
            at: format_time(h.at),
            action: history_label(&h.action, lang),
            actor: h.actor_name.unwrap_or_default(),
        })
        .collect();
    let may_change = user.role == Role::Official || user.role == Role::Admin;
    let materials = crate::handlers::materials::panel(&mut conn, &user, id, status, lang).await?;
    Ok(ShowPage {
        materials,
        id,
        name: row.name.clone(),
        region: row.region_name.clone(),
        status: status.code(),
        status_label: if eliminated {
            crate::domain::creation::eliminated_label(lang)
        } else {
            status.label(lang)
        },
        version: row.version,
        can_edit: may_change && status.is_editable(),
        can_submit: may_change && status.is_editable(),
        can_withdraw: may_change && matches!(status, Status::Draft | Status::Submitted | Status::Returned),
        can_reevaluate: matches!(user.role, Role::Reviewer | Role::Admin)
            && !evaluation_rows.is_empty()
            && !matches!(status, Status::Draft | Status::Withdrawn),
        sections: data_sections(&input, lang),
        evaluations,
        reviews,
        history,
        returned_comment,
        latest,
        page,
    })
}

/// The history line of an audit action; actions without their own wording
/// (added by later parts of the product) read "other change".
fn history_label(action: &str, lang: Lang) -> String {
    let key = format!("proposals.history.{}", action.replace('.', "_"));
    let text = i18n::t(lang, &key);
    if text.ends_with(&key) {
        i18n::t(lang, "proposals.history.other")
    } else {
        text
    }
}

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
    /// Reviewers' overrides on the shown evaluation (see `handlers::review::report`).
    pub overrides: Vec<crate::handlers::review::report::OverrideView>,
    /// The overall verdict over the final verdicts, when findings were overridden.
    pub final_overall: Option<(&'static str, &'static str)>,
    /// Reviewers' and admins' sections: evaluations, decisions, changes, forms.
    pub review: Option<crate::handlers::review::ReviewPanel>,
    /// The town's figures against the thresholds.
    pub chart: Option<crate::handlers::dashboard::ChartView>,
    /// The scoring table: computed lines and the submitted self-assessment.
    pub scores: Option<super::report_scores::ScoreTableView>,
    /// The materials the shown evaluation's submission froze.
    pub materials: Option<crate::handlers::materials::SubmittedMaterials>,
}

impl ReportPage {
    pub fn override_of(&self, criterion: &str) -> Option<&crate::handlers::review::report::OverrideView> {
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
    report_page(
        &state,
        page,
        &user,
        id,
        q.evaluation,
        crate::handlers::review::ReviewForm::default(),
    )
    .await
}

/// The report page, also re-rendered by the reviewers' forms with what they
/// typed and the messages beside the fields.
pub async fn report_page(
    state: &AppState,
    page: Page,
    user: &crate::auth::User,
    id: i64,
    evaluation_id: Option<i64>,
    form: crate::handlers::review::ReviewForm,
) -> AppResult<ReportPage> {
    let lang = page.lang;
    let mut conn = state.db.acquire().await?;
    let row = proposals::get(&mut conn, id, scope_of(user))
        .await?
        .ok_or(AppError::NotFound)?;
    // A proposal has a handful of evaluations: one query serves the shown
    // one and the reviewers' list and comparison.
    let all = evaluations::list(&mut conn, id).await?;
    let evaluation = match evaluation_id {
        Some(eid) => Some(all.iter().find(|e| e.id == eid).cloned().ok_or(AppError::NotFound)?),
        None => all.first().cloned(),
    };
    let report = match &evaluation {
        Some(e) => Some(report_view(&mut conn, e, lang).await?),
        None => None,
    };
    // The data as evaluated (the snapshot), not as it may have been edited since.
    let input = match &evaluation {
        Some(e) => ProposalInput::from_json(&e.snapshot).0,
        None => row.to_input(),
    };
    let scores = match &evaluation {
        Some(e) => super::report_scores::score_table(&mut conn, e, &input, lang).await?,
        None => None,
    };
    let materials = crate::handlers::materials::submitted_view(&all, evaluation.as_ref(), lang);
    let extras =
        crate::handlers::review::report_extras(&mut conn, user, &row, &all, evaluation.as_ref(), lang, form).await?;
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
        chart: evaluation
            .as_ref()
            .map(|e| crate::handlers::dashboard::report_chart(&e.findings.0, &page)),
        scores,
        materials,
        page,
    })
}
