//! The report's scoring table: each line of the creation-review table of
//! the evaluation's own standard version, the computed lines' points beside
//! the county's self-assessment as it was submitted with that evaluation;
//! a `criterion` line reads the final verdict (a reviewer's override).
//! (The experts' column comes with expert review.)

use crate::db::evaluations::EvaluationRow;
use crate::db::standards as db_standards;
use crate::domain::Lang;
use crate::domain::proposal::ProposalInput;
use crate::standards::number;
use crate::standards::scoring::{self, How, Purpose, ScoreInputs};

pub struct ScoreTableView {
    pub name: String,
    pub rows: Vec<ScoreRow>,
    pub total: String,
    pub maximum: String,
    pub grade: String,
    pub vetoes: Vec<String>,
    /// Judged lines the county left without a self-assessment.
    pub pending: usize,
}

pub struct ScoreRow {
    pub code: String,
    pub section: String,
    pub name: String,
    pub max: String,
    /// Points of a computed line; empty for a judged one.
    pub computed: String,
    /// Points (or 是/否) the county gave a judged line; empty for a computed one.
    pub self_assessed: String,
    pub how: String,
}

/// `None` when the version has no creation-review table or the snapshot is
/// incomplete (an evaluation is only stored for a complete proposal).
pub async fn score_table(
    conn: &mut sqlx::PgConnection,
    e: &EvaluationRow,
    input: &ProposalInput,
    judged: &crate::standards::scoring::Judgements,
    overrides: &crate::standards::Overrides,
    lang: Lang,
) -> sqlx::Result<Option<ScoreTableView>> {
    let standard = db_standards::definition_by_hash(conn, e.standard_id, &e.standard_hash).await?;
    let Some(table) = scoring::common_table(&standard, Purpose::CreationReview) else {
        return Ok(None);
    };
    let Ok(proposal) = input.complete_under(standard.periods()) else {
        return Ok(None);
    };
    // The boundary frozen with the evaluation: the control-line vetoes are
    // read from its check.
    let boundary: Option<crate::standards::BoundaryFacts> = e
        .boundary
        .as_ref()
        .and_then(|b| serde_json::from_value(b.0.facts.clone()).ok());
    let inputs = ScoreInputs {
        judged: Some(judged),
        overrides: Some(overrides),
        boundary: boundary.as_ref(),
        ..ScoreInputs::default()
    };
    let Ok(result) = scoring::score(&proposal, &standard, &table.code, &inputs) else {
        return Ok(None);
    };
    let line_of = |code: &str| standard.tables.iter().find_map(|t| t.line(code));
    let name_of = |code: &str| line_of(code).map_or_else(|| code.to_string(), |l| l.name(lang).to_string());
    let mut rows = Vec::new();
    for s in &result.sections {
        let section = standard
            .table(&s.table)
            .and_then(|t| t.sections.iter().find(|x| x.code == s.code))
            .map_or_else(|| s.code.clone(), |x| x.name(lang).to_string());
        for l in &s.lines {
            let judged_line = line_of(&l.code).is_some_and(|x| x.is_judged());
            let (computed, self_assessed) = match (&l.how, judged_line) {
                // Read from the boundary's check, beside what the county said.
                (How::ControlLines { holds, .. }, _) => (
                    veto_word(*holds, lang).to_string(),
                    judged
                        .get(&l.code)
                        .and_then(|j| j.veto)
                        .map_or_else(String::new, |v| veto_word(v, lang).to_string()),
                ),
                (How::Veto { holds, .. }, true) => (String::new(), veto_word(*holds, lang).to_string()),
                (How::Pending, true) => (String::new(), "—".to_string()),
                (_, true) => (String::new(), number(l.points)),
                (How::Veto { holds, .. }, false) => (veto_word(*holds, lang).to_string(), String::new()),
                (_, false) => (number(l.points), String::new()),
            };
            rows.push(ScoreRow {
                code: l.code.clone(),
                section: section.clone(),
                name: name_of(&l.code),
                max: number(l.max),
                computed,
                self_assessed,
                how: l.explain(lang),
            });
        }
    }
    Ok(Some(ScoreTableView {
        name: table.name(lang).to_string(),
        rows,
        total: number(result.total),
        maximum: number(result.maximum),
        grade: result
            .grade
            .as_ref()
            .map(|g| g.name(lang).to_string())
            .unwrap_or_default(),
        vetoes: result.vetoes.iter().map(|v| name_of(v)).collect(),
        pending: result.pending.len(),
    }))
}

fn veto_word(holds: bool, lang: Lang) -> &'static str {
    match (holds, lang) {
        (true, Lang::Zh) => "是（否决）",
        (true, Lang::En) => "Yes (vetoed)",
        (false, Lang::Zh) => "否",
        (false, Lang::En) => "No",
    }
}
