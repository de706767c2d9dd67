//! What the report page reads, in one statement: the proposal, its
//! evaluations, and of the evaluation shown the overrides in force, the
//! self-assessment submitted with it and the decisions on the proposal.
//! Each statement is a round trip that both the server and PostgreSQL pay
//! for, and on a rendered report the six it used to run cost more than the
//! work inside them (issue 19). Each part is read by the same SQL that
//! reads it alone elsewhere: the evaluations' statement, nested here, and
//! the functions of migration `20261209000300` for the parts most proposals
//! do not have yet.

use std::sync::LazyLock;

use sqlx::PgConnection;
use sqlx::types::Json;

use super::evaluations::{EvaluationCache, EvaluationRow, LIST, Lookup, RawRow};
use super::proposals::{ProposalRow, Scope};
use super::reviews::{OverrideRow, ReviewRow};
use super::self_assessments::{JsonRow, judgements_of};
use crate::domain::Lang;
use crate::standards::scoring::Judgements;

pub struct ReportRead {
    pub proposal: ProposalRow,
    /// Newest first, as [`super::evaluations::list_in`] reads them.
    pub evaluations: Vec<EvaluationRow>,
    /// The overrides in force on the shown evaluation.
    pub overrides: Vec<OverrideRow>,
    /// The self-assessment submitted with the shown evaluation.
    pub judged: Judgements,
    /// Every decision on the proposal, newest first, when asked for.
    pub decisions: Vec<ReviewRow>,
}

#[derive(sqlx::FromRow)]
struct Row {
    #[sqlx(flatten)]
    proposal: ProposalRow,
    evaluations: Json<Vec<RawRow>>,
    overrides: Json<Vec<OverrideRow>>,
    judged: Json<Vec<JsonRow>>,
    decisions: Json<Vec<ReviewRow>>,
}

/// `$1` the proposal, `$2` the language, `$3` the evaluations whose bodies
/// are kept (as [`LIST`]); `$2`–`$4` of the proposal's own statement become
/// `$4`–`$6` (the scope); `$7` the evaluation asked for; `$8` whether the
/// decisions are read.
static STATEMENT: LazyLock<String> = LazyLock::new(|| {
    let visible = super::proposals::visible(4);
    format!(
        "SELECT {columns}, {region},
             (SELECT COALESCE(json_agg(x ORDER BY x.id DESC), '[]') FROM ({list}) x) AS evaluations,
             -- Most proposals have none of these three yet: each function
             -- runs only when an index probe finds something to read.
             CASE WHEN EXISTS (SELECT 1 FROM finding_overrides fo WHERE fo.evaluation_id = s.shown)
                  THEN overrides_in_force(s.shown) ELSE '[]' END AS overrides,
             CASE WHEN EXISTS (SELECT 1 FROM submitted_self_assessments sa WHERE sa.evaluation_id = s.shown)
                  THEN submitted_judgements(s.shown) ELSE '[]' END AS judged,
             CASE WHEN $8 AND EXISTS (SELECT 1 FROM reviews v WHERE v.proposal_id = p.id)
                  THEN proposal_decisions(p.id) ELSE '[]' END AS decisions
         FROM proposals p
         -- The evaluation shown belongs to the proposal, whatever was asked for.
         CROSS JOIN LATERAL (SELECT (SELECT e.id FROM evaluations e
              WHERE e.proposal_id = p.id AND ($7::bigint IS NULL OR e.id = $7)
              ORDER BY e.id DESC LIMIT 1) AS shown) s
         {visible}",
        columns = super::proposals::ROW_COLUMNS,
        region = super::proposals::REGION_NAME,
        list = LIST.as_str(),
    )
});

/// The report's data for proposal `id` when `scope` sees it, showing
/// `evaluation` (or the latest), with the decisions when `decisions`.
pub async fn read(
    conn: &mut PgConnection,
    cache: &EvaluationCache,
    id: i64,
    scope: Scope,
    lang: Lang,
    evaluation: Option<i64>,
    decisions: bool,
) -> sqlx::Result<Option<ReportRead>> {
    let lookup = Lookup::new(cache, id, lang);
    for attempt in 0..2 {
        let known = lookup.known(attempt);
        let row: Option<Row> = sqlx::query_as(STATEMENT.as_str())
            .bind(id)
            .bind(lang.code())
            .bind(&known)
            .bind(scope.region())
            .bind(scope.hidden())
            .bind(scope.city())
            .bind(evaluation)
            .bind(decisions)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        if let Some(evaluations) = lookup.finish(row.evaluations.0, &known) {
            return Ok(Some(ReportRead {
                proposal: row.proposal,
                evaluations,
                overrides: row.overrides.0,
                judged: judgements_of(row.judged.0),
                decisions: row.decisions.0,
            }));
        }
    }
    Err(Lookup::failed())
}
