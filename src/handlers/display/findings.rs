//! An evaluation as pages show it: the findings table, the report's head,
//! and an evaluation as a line of a list.

use crate::db::evaluations::EvaluationRow;
use crate::db::standards as db_standards;
use crate::domain::{Lang, Status};
use crate::standards::{RenderedFinding, Standard, criterion_label};

use super::format::{format_time, overall_badge};

/// One row of a findings table.
#[derive(Clone)]
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
#[derive(Clone)]
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
    let findings = finding_views(row.rendered.get(lang), standard.as_deref(), lang);
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

/// The report of `row` with its overlap finding naming each overlapped town
/// as its status is now (read fresh with the frozen boundary): a town listed
/// after this submission is named without a re-evaluation. Names are
/// display data, so this is applied to the report as built (and kept, see
/// `view_cache`) each time it is shown; `None` when nothing is to change.
pub fn with_names_now(report: &ReportView, row: &EvaluationRow, lang: Lang) -> Option<ReportView> {
    let frozen = row.boundary.as_ref()?;
    let name_of = |id: i64| {
        frozen.0.current.iter().find(|t| t.id == id).map(|t| {
            Status::from_code(&t.status)
                .is_some_and(Status::is_on_creation_list)
                .then(|| t.name.clone())
        })
    };
    let mut changed: Option<ReportView> = None;
    for f in row.findings.iter() {
        let Some(renamed) = crate::standards::boundary::with_current_names(f, name_of) else {
            continue;
        };
        let now = renamed.render(lang);
        let view = changed.get_or_insert_with(|| report.clone());
        if let Some(slot) = view.findings.iter_mut().find(|v| v.criterion == f.criterion) {
            slot.message = now.message;
            slot.actual = now.actual.unwrap_or_else(|| "—".to_owned());
        }
    }
    changed
}

pub struct EvaluationLine {
    pub id: i64,
    pub at: String,
    pub standard: String,
    pub revision: i32,
    pub overall: &'static str,
    pub overall_label: &'static str,
}

impl EvaluationLine {
    /// An evaluation as a line of the proposal page's and the review panel's lists.
    pub fn of(e: &EvaluationRow, lang: Lang) -> EvaluationLine {
        let (overall, overall_label) = overall_badge(&e.overall, lang).unwrap_or(("fail", ""));
        EvaluationLine {
            id: e.id,
            at: format_time(e.created_at),
            standard: format!("{} v{}", e.standard_code, e.standard_version),
            revision: e.proposal_revision,
            overall,
            overall_label,
        }
    }
}
