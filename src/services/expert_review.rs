//! Expert scoring and the panel's result (DESIGN "Experts" and
//! "Aggregation"): an assigned expert fills the judged lines of the round's
//! scoring table, blind, and submits — the sheet is locked and signed (who,
//! when, the SHA-256 of its canonical content); a correction is a new
//! version with a reason. The chair (a reviewer) sees the panel's
//! aggregate with its flags (divergent experts, tied vetoes), records per
//! flag why it stands or asks for a re-score, and closes the proposal's
//! expert stage once every assigned, unrecused expert has submitted: the
//! result is frozen and the proposal moves to the next stage.

use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use super::ServiceError;
use super::experts::ExpertError;
use crate::auth::User;
use crate::db::panels::{self, AssignmentRow, Placement, RoundRow};
use crate::db::score_sheets::{self as sheets, NewNote, NewResult, NoteRow, ResultRow, SheetRow};
use crate::db::{audit, evaluations, experts, reviews, standards as db_standards};
use crate::domain::proposal::{Proposal, ProposalInput};
use crate::domain::round::{Stage, Stages};
use crate::standards::scoring::aggregate::{self, Aggregate, PanelRules};
use crate::standards::scoring::{self, Judgements, Purpose, ScoreError, ScoreInputs, ScoreResult, ScoringTable};
use crate::standards::{Overrides, Standard};

type Result<T> = std::result::Result<T, ExpertError>;

/// What a proposal is scored on: the standard version of its latest
/// evaluation, the round's table (or the version's creation-review table),
/// the data as evaluated and the final verdicts the computed lines read.
pub struct Scoring {
    pub standard: Arc<Standard>,
    pub table: String,
    pub proposal: Proposal,
    pub input: ProposalInput,
    pub verdicts: Overrides,
    pub evaluation_id: i64,
}

impl Scoring {
    /// The common table and the proposal's industry table.
    pub fn tables(&self) -> Vec<&ScoringTable> {
        match scoring::tables_for(&self.standard, &self.table, &self.proposal) {
            Ok((common, industry)) => std::iter::once(common).chain(industry).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The proposal scored with `judged` (a sheet, or the panel's means).
    pub fn score(&self, judged: &Judgements, means: bool) -> std::result::Result<ScoreResult, Vec<ScoreError>> {
        let inputs = ScoreInputs {
            judged: Some(judged),
            overrides: Some(&self.verdicts),
            means,
            ..ScoreInputs::default()
        };
        scoring::score(&self.proposal, &self.standard, &self.table, &inputs)
    }

    /// Judged lines (and vetoes) a sheet has not given.
    pub fn missing(&self, judged: &Judgements) -> Vec<(String, bool)> {
        self.tables()
            .iter()
            .flat_map(|t| t.lines())
            .filter(|l| l.is_judged())
            .filter_map(|l| {
                let veto = !matches!(l.kind, scoring::LineKind::Judged { .. });
                let given = judged
                    .get(&l.code)
                    .is_some_and(|j| if veto { j.veto.is_some() } else { j.points.is_some() });
                (!given).then(|| (l.code.clone(), veto))
            })
            .collect()
    }
}

/// The scoring of a proposal in its round; `None` when it has no evaluation
/// or its version no fitting table.
pub async fn scoring_of(
    conn: &mut PgConnection,
    proposal_id: i64,
    round: Option<&RoundRow>,
) -> sqlx::Result<Option<Scoring>> {
    let Some(e) = evaluations::latest(conn, proposal_id).await? else {
        return Ok(None);
    };
    let standard = db_standards::definition_by_hash(conn, e.standard_id, &e.standard_hash).await?;
    let in_force = reviews::overrides(conn, e.id).await?;
    let overrides = reviews::verdicts(&in_force);
    let table = round
        .and_then(|r| r.scoring_table.clone())
        .filter(|t| standard.table(t).is_some_and(|x| x.is_common()))
        .or_else(|| scoring::common_table(&standard, Purpose::CreationReview).map(|t| t.code.clone()));
    let Some(table) = table else { return Ok(None) };
    let input = ProposalInput::from_json(&e.snapshot).0;
    let Ok(proposal) = input.complete_under(standard.periods()) else {
        return Ok(None);
    };
    let verdicts = e
        .findings
        .iter()
        .map(|f| {
            (
                f.criterion.clone(),
                overrides.get(&f.criterion).copied().unwrap_or(f.verdict),
            )
        })
        .collect();
    Ok(Some(Scoring {
        standard,
        table,
        proposal,
        input,
        verdicts,
        evaluation_id: e.id,
    }))
}

/// Why a sheet was not accepted: lines that do not fit the table, and
/// judged lines left blank at submission (code, is a veto).
#[derive(Debug, Default)]
pub struct SheetProblems {
    pub table: Vec<ScoreError>,
    pub missing: Vec<(String, bool)>,
}

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("the sheet does not fit")]
    Problems(SheetProblems),
    #[error(transparent)]
    Refused(#[from] ExpertError),
}

impl From<ServiceError> for SheetError {
    fn from(e: ServiceError) -> Self {
        SheetError::Refused(e.into())
    }
}

impl From<sqlx::Error> for SheetError {
    fn from(e: sqlx::Error) -> Self {
        SheetError::Refused(e.into())
    }
}

/// What an expert's page shows: the assignment, the round, the scoring and
/// the expert's own sheets (never another's).
pub struct ExpertCase {
    pub expert_id: i64,
    pub placement: Placement,
    pub round: Option<RoundRow>,
    pub assignment: AssignmentRow,
    pub scoring: Option<Scoring>,
    /// Newest first.
    pub sheets: Vec<SheetRow>,
}

impl ExpertCase {
    pub fn latest(&self) -> Option<&SheetRow> {
        self.sheets.first()
    }

    /// The expert may still write: the stage is open and the latest sheet
    /// (if any) is a draft.
    pub fn editable(&self) -> bool {
        self.open() && self.latest().is_none_or(|s| !s.submitted())
    }

    pub fn open(&self) -> bool {
        self.placement.stage.as_deref() == Some("expert")
    }
}

/// An expert's assigned proposal; not found for anyone not assigned (or
/// recused, or declined).
pub async fn case(db: &PgPool, user: &User, proposal_id: i64) -> Result<ExpertCase> {
    let mut conn = crate::db::acquire(db).await?;
    let expert = experts::of_user(&mut conn, user.id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let assignment = panels::assignment(&mut conn, proposal_id, expert.id)
        .await?
        .filter(|a| a.scores())
        .ok_or(ServiceError::NotFound)?;
    let placement = panels::placement(&mut conn, proposal_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let round = match placement.round_id {
        Some(r) => panels::round(&mut conn, r).await?,
        None => None,
    };
    let scoring = scoring_of(&mut conn, proposal_id, round.as_ref()).await?;
    let sheets = sheets::versions(&mut conn, proposal_id, expert.id).await?;
    Ok(ExpertCase {
        expert_id: expert.id,
        placement,
        round,
        assignment,
        scoring,
        sheets,
    })
}

/// A sheet by id as an expert may read it: their own, or — once their own
/// sheet of that proposal is submitted — a fellow panel member's submitted
/// one. Anything else is not found (blind scoring).
pub async fn sheet_for_expert(db: &PgPool, user: &User, sheet_id: i64) -> Result<SheetRow> {
    let mut conn = crate::db::acquire(db).await?;
    let expert = experts::of_user(&mut conn, user.id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let sheet = sheets::get(&mut conn, sheet_id).await?.ok_or(ServiceError::NotFound)?;
    if sheet.expert_id == expert.id {
        return Ok(sheet);
    }
    let assigned = panels::assignment(&mut conn, sheet.proposal_id, expert.id)
        .await?
        .is_some_and(|a| a.scores());
    let own_submitted = sheets::latest(&mut conn, sheet.proposal_id, expert.id)
        .await?
        .is_some_and(|s| s.submitted());
    if assigned && own_submitted && sheet.submitted() {
        Ok(sheet)
    } else {
        Err(ServiceError::NotFound.into())
    }
}

/// The canonical content a signature covers: the proposal, the expert, the
/// version and its reason, every judgement (by line code, in order), the
/// total, who signed and when (to the microsecond, as stored).
#[derive(Serialize)]
struct Canonical<'a> {
    proposal_id: i64,
    expert_id: i64,
    version: i32,
    reason: &'a str,
    judged: &'a Judgements,
    total: String,
    signed_by: i64,
    submitted_at: String,
}

/// The canonical JSON of a sheet as signed.
pub fn canonical_content(
    sheet: &SheetRow,
    judged: &Judgements,
    total: Decimal,
    signed_by: i64,
    at: DateTime<Utc>,
) -> String {
    serde_json::to_string(&Canonical {
        proposal_id: sheet.proposal_id,
        expert_id: sheet.expert_id,
        version: sheet.version,
        reason: &sheet.reason,
        judged,
        total: total.normalize().to_string(),
        signed_by,
        submitted_at: at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
    })
    .expect("a sheet serialises")
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The signed-in expert's pool record and the proposal (locked), when it
/// is assigned to them and they are not recused from it; else not found.
async fn lock_own(
    conn: &mut PgConnection,
    user: &User,
    proposal_id: i64,
) -> std::result::Result<(crate::db::experts::ExpertRow, Placement), ServiceError> {
    let expert = experts::of_user(conn, user.id).await?.ok_or(ServiceError::NotFound)?;
    let placement = panels::lock_placement(conn, proposal_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    panels::assignment(conn, proposal_id, expert.id)
        .await?
        .filter(|a| a.scores())
        .ok_or(ServiceError::NotFound)?;
    Ok((expert, placement))
}

/// What the expert's form sends.
pub struct SheetInput {
    /// The version the expert was writing.
    pub version: i32,
    pub judged: Judgements,
    pub submit: bool,
}

/// Saves (or submits and signs) the expert's sheet of an assigned proposal.
/// A submitted version is never changed: sending it again is refused.
pub async fn save_sheet(
    db: &PgPool,
    user: &User,
    proposal_id: i64,
    input: &SheetInput,
) -> std::result::Result<i64, SheetError> {
    let mut tx = crate::db::begin(db).await?;
    let (expert, placement) = lock_own(&mut tx, user, proposal_id).await?;
    let latest = sheets::latest(&mut tx, proposal_id, expert.id).await?;
    if let Some(l) = &latest
        && l.version == input.version
        && l.submitted()
    {
        return Err(ServiceError::Refused("sheets.error.already_submitted").into());
    }
    if placement.stage.as_deref() != Some("expert") {
        return Err(ServiceError::Refused("sheets.error.stage_closed").into());
    }
    if latest.as_ref().map_or(1, |l| l.version) != input.version {
        return Err(ServiceError::Stale.into());
    }
    let round = match placement.round_id {
        Some(r) => panels::round(&mut tx, r).await?,
        None => None,
    };
    let scoring = scoring_of(&mut tx, proposal_id, round.as_ref())
        .await?
        .ok_or(ServiceError::Refused("sheets.error.no_table"))?;
    let table = scoring::check_judged(&scoring.tables(), Some(&input.judged));
    let missing = if input.submit {
        scoring.missing(&input.judged)
    } else {
        Vec::new()
    };
    if !table.is_empty() || !missing.is_empty() {
        return Err(SheetError::Problems(SheetProblems { table, missing }));
    }
    let sheet = match latest {
        Some(l) => l,
        None => {
            let id = sheets::insert(&mut tx, proposal_id, expert.id, 1, &Judgements::new(), "").await?;
            sheets::get(&mut tx, id).await?.expect("just inserted")
        }
    };
    if input.submit {
        let result = scoring.score(&input.judged, false).map_err(|table| {
            SheetError::Problems(SheetProblems {
                table,
                missing: Vec::new(),
            })
        })?;
        let at = Utc::now().trunc_subsecs(6);
        let content = canonical_content(&sheet, &input.judged, result.total, user.id, at);
        let sha = sha256_hex(&content);
        sheets::sign(&mut tx, sheet.id, &input.judged, result.total, &sha, user.id, at).await?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: Some(user.id),
                action: "sheet.submitted",
                // Not the proposal's own history, which its county reads:
                // who scored is the panel's business.
                entity: "expert_review",
                entity_id: Some(proposal_id),
                before: None,
                after: Some(json!({
                    "sheet": sheet.id, "expert": expert.id, "version": sheet.version, "total": result.total,
                    "sha256": sha,
                })),
            },
        )
        .await?;
    } else {
        sheets::save(&mut tx, sheet.id, &input.judged).await?;
    }
    tx.commit().await?;
    Ok(sheet.id)
}

fn check_reason(reason: &str) -> Result<&str> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(ExpertError::field("reason", "sheets.error.reason"));
    }
    Ok(reason)
}

/// Opens a correction of the expert's submitted sheet: a new version (a
/// copy of the last) with the reason, to be submitted again.
pub async fn correct(db: &PgPool, user: &User, proposal_id: i64, reason: &str) -> Result<i64> {
    let reason = check_reason(reason)?;
    let mut tx = crate::db::begin(db).await?;
    let (expert, placement) = lock_own(&mut tx, user, proposal_id).await?;
    if placement.stage.as_deref() != Some("expert") {
        return Err(ServiceError::Refused("sheets.error.stage_closed").into());
    }
    let latest = sheets::latest(&mut tx, proposal_id, expert.id)
        .await?
        .filter(|s| s.submitted())
        .ok_or(ServiceError::WrongState)?;
    let id = reopen(&mut tx, user.id, &latest, reason, "sheet.corrected").await?;
    tx.commit().await?;
    Ok(id)
}

async fn reopen(
    conn: &mut PgConnection,
    actor: i64,
    latest: &SheetRow,
    reason: &str,
    action: &'static str,
) -> sqlx::Result<i64> {
    let version = latest.version + 1;
    let id = sheets::insert(
        conn,
        latest.proposal_id,
        latest.expert_id,
        version,
        &latest.judged.0,
        reason,
    )
    .await?;
    audit::record(
        conn,
        audit::Entry {
            actor_id: Some(actor),
            action,
            entity: "expert_review",
            entity_id: Some(latest.proposal_id),
            before: Some(json!({"sheet": latest.id, "version": latest.version})),
            after: Some(json!({"sheet": id, "expert": latest.expert_id, "version": version, "reason": reason})),
        },
    )
    .await?;
    Ok(id)
}

/// A divergent expert: their total, its distance from the median, and the
/// sheet the flag is on.
#[derive(Debug, Clone)]
pub struct Divergent {
    pub expert_id: i64,
    pub sheet_id: i64,
    pub total: Decimal,
    pub resolved: Option<NoteRow>,
}

#[derive(Debug, Clone)]
pub struct TiedVeto {
    pub line: String,
    pub resolved: Option<NoteRow>,
}

/// The panel's state of a proposal, as the chair sees it.
pub struct PanelState {
    pub placement: Placement,
    pub round: Option<RoundRow>,
    pub assignments: Vec<AssignmentRow>,
    /// The latest sheet of each scoring expert.
    pub sheets: Vec<SheetRow>,
    pub scoring: Option<Scoring>,
    pub aggregate: Aggregate,
    /// The panel's means scored on the table (computed lines added).
    pub result: Option<ScoreResult>,
    /// Each submitted sheet's total, by expert.
    pub totals: Vec<(i64, Decimal)>,
    pub median: Option<Decimal>,
    /// 15% of the table's maximum.
    pub limit: Option<Decimal>,
    pub divergent: Vec<Divergent>,
    pub ties: Vec<TiedVeto>,
    pub notes: Vec<NoteRow>,
    pub frozen: Option<ResultRow>,
}

impl PanelState {
    /// Every assigned, unrecused expert's latest sheet is submitted.
    pub fn all_submitted(&self) -> bool {
        let scoring: Vec<i64> = self
            .assignments
            .iter()
            .filter(|a| a.scores())
            .map(|a| a.expert_id)
            .collect();
        !scoring.is_empty()
            && scoring
                .iter()
                .all(|e| self.sheets.iter().any(|s| s.expert_id == *e && s.submitted()))
    }

    pub fn open_flags(&self) -> usize {
        self.divergent.iter().filter(|d| d.resolved.is_none()).count()
            + self.ties.iter().filter(|t| t.resolved.is_none()).count()
    }

    pub fn submitted(&self) -> Vec<&SheetRow> {
        self.sheets.iter().filter(|s| s.submitted()).collect()
    }
}

/// The panel's state of a proposal: what the chair reads.
pub async fn panel_state(conn: &mut PgConnection, proposal_id: i64) -> Result<PanelState> {
    let placement = panels::placement(conn, proposal_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let round = match placement.round_id {
        Some(r) => panels::round(conn, r).await?,
        None => None,
    };
    let assignments = panels::assignments(conn, proposal_id).await?;
    if assignments.is_empty() {
        return Err(ServiceError::NotFound.into());
    }
    let scoring_experts: Vec<i64> = assignments.iter().filter(|a| a.scores()).map(|a| a.expert_id).collect();
    let all_sheets: Vec<SheetRow> = sheets::latest_of_proposal(conn, proposal_id)
        .await?
        .into_iter()
        .filter(|s| scoring_experts.contains(&s.expert_id))
        .collect();
    let scoring = scoring_of(conn, proposal_id, round.as_ref()).await?;
    let notes = sheets::notes(conn, proposal_id).await?;
    let frozen = sheets::result(conn, proposal_id).await?;
    let submitted: Vec<&SheetRow> = all_sheets.iter().filter(|s| s.submitted()).collect();
    let rules = PanelRules::default();
    let mut state = PanelState {
        placement,
        round,
        assignments,
        sheets: Vec::new(),
        scoring: None,
        aggregate: Aggregate::default(),
        result: None,
        totals: submitted
            .iter()
            .map(|s| (s.expert_id, s.total.unwrap_or_default()))
            .collect(),
        median: None,
        limit: None,
        divergent: Vec::new(),
        ties: Vec::new(),
        notes,
        frozen,
    };
    if let Some(sc) = &scoring {
        let judged: Vec<&Judgements> = submitted.iter().map(|s| &s.judged.0).collect();
        state.aggregate = aggregate::aggregate(&sc.tables(), &judged, rules);
        state.result = sc.score(&state.aggregate.judged, true).ok();
        let maximum = state.result.as_ref().map(|r| r.maximum);
        let totals: Vec<Decimal> = state.totals.iter().map(|(_, t)| *t).collect();
        state.median = aggregate::median(&totals);
        state.limit = maximum.and_then(|m| m.checked_mul(rules.outlier_share));
        if let Some(max) = maximum {
            for i in aggregate::outliers(&totals, max, rules) {
                let sheet = submitted[i];
                let resolved = state
                    .notes
                    .iter()
                    .rfind(|n| n.kind == "divergent" && n.sheet_id == Some(sheet.id))
                    .filter(|n| n.outcome == "stands")
                    .cloned();
                state.divergent.push(Divergent {
                    expert_id: sheet.expert_id,
                    sheet_id: sheet.id,
                    total: sheet.total.unwrap_or_default(),
                    resolved,
                });
            }
        }
        let last_submission = submitted.iter().filter_map(|s| s.submitted_at).max();
        for line in &state.aggregate.tied_vetoes {
            let resolved = state
                .notes
                .iter()
                .rfind(|n| {
                    n.kind == "veto_tie"
                        && n.line_code.as_deref() == Some(line.as_str())
                        && last_submission.is_none_or(|t| n.created_at >= t)
                })
                .cloned();
            state.ties.push(TiedVeto {
                line: line.clone(),
                resolved,
            });
        }
    }
    state.scoring = scoring;
    state.sheets = all_sheets;
    Ok(state)
}

/// The chair's outcome of one flag, as the form sends it.
pub struct FlagInput {
    /// `divergent` (with `sheet_id`) or `veto_tie` (with `line`).
    pub kind: String,
    pub sheet_id: Option<i64>,
    pub line: String,
    /// `stands` or `rescore` (divergent experts only).
    pub outcome: String,
    pub reason: String,
}

/// Records the chair's outcome of a flag: it stands, with the reason; or
/// the expert is asked to score again (their sheet reopens as a new
/// version with the chair's reason).
pub async fn note_flag(db: &PgPool, chair: &User, proposal_id: i64, input: &FlagInput) -> Result<()> {
    let reason = check_reason(&input.reason)?;
    let mut tx = crate::db::begin(db).await?;
    let placement = panels::lock_placement(&mut tx, proposal_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if placement.stage.as_deref() != Some("expert") {
        return Err(ServiceError::Refused("sheets.error.stage_closed").into());
    }
    let state = panel_state(&mut tx, proposal_id).await?;
    let (kind, expert_id, line, sheet_id) = match input.kind.as_str() {
        "divergent" => {
            let d = state
                .divergent
                .iter()
                .find(|d| Some(d.sheet_id) == input.sheet_id)
                .ok_or(ServiceError::Refused("chair.error.no_such_flag"))?;
            ("divergent", Some(d.expert_id), None, Some(d.sheet_id))
        }
        "veto_tie" => {
            let t = state
                .ties
                .iter()
                .find(|t| t.line == input.line)
                .ok_or(ServiceError::Refused("chair.error.no_such_flag"))?;
            ("veto_tie", None, Some(t.line.clone()), None)
        }
        _ => return Err(ServiceError::Refused("chair.error.no_such_flag").into()),
    };
    let outcome = match (input.outcome.as_str(), kind) {
        ("stands", _) => "stands",
        ("rescore", "divergent") => "rescore",
        _ => return Err(ExpertError::field("outcome", "chair.error.outcome")),
    };
    let note = sheets::insert_note(
        &mut tx,
        &NewNote {
            proposal_id,
            kind,
            expert_id,
            line_code: line.as_deref(),
            sheet_id,
            outcome,
            reason,
            chair_id: chair.id,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: Some(chair.id),
            action: "panel.flag_noted",
            entity: "expert_review",
            entity_id: Some(proposal_id),
            before: None,
            after: Some(json!({
                "note": note, "kind": kind, "expert": expert_id, "line": line, "sheet": sheet_id,
                "outcome": outcome, "reason": reason,
            })),
        },
    )
    .await?;
    if outcome == "rescore"
        && let Some(sheet) = state.sheets.iter().find(|s| Some(s.id) == sheet_id)
    {
        reopen(&mut tx, chair.id, sheet, reason, "sheet.rescore_requested").await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Closes a proposal's expert stage: every assigned, unrecused expert has
/// submitted and every flag has the chair's note. The panel's result is
/// frozen and the proposal moves to the round's next stage.
pub async fn close_stage(db: &PgPool, chair: &User, proposal_id: i64) -> Result<()> {
    let mut tx = crate::db::begin(db).await?;
    let placement = panels::lock_placement(&mut tx, proposal_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if placement.stage.as_deref() != Some("expert") {
        return Err(ServiceError::WrongState.into());
    }
    let state = panel_state(&mut tx, proposal_id).await?;
    if !state.all_submitted() {
        return Err(ServiceError::Refused("chair.error.not_all_submitted").into());
    }
    if state.open_flags() > 0 {
        return Err(ServiceError::Refused("chair.error.open_flags").into());
    }
    let result = state
        .result
        .as_ref()
        .ok_or(ServiceError::Refused("sheets.error.no_table"))?;
    let round = state.round.as_ref().ok_or(ServiceError::WrongState)?;
    let stages = Stages {
        city: round.city_stage,
        formal: round.formal_stage,
        expert: round.expert_stage,
        notice: round.notice_stage,
    };
    let next = stages.after(Stage::Expert, placement.city_id.is_some());
    let sheet_ids: Vec<i64> = state.submitted().iter().map(|s| s.id).collect();
    let panel_id = state.assignments[0].panel_id;
    sheets::insert_result(
        &mut tx,
        &NewResult {
            proposal_id,
            panel_id,
            judged: &state.aggregate.judged,
            total: result.total,
            maximum: result.maximum,
            vetoes: &result.vetoes,
            sheet_ids: &sheet_ids,
            closed_by: chair.id,
        },
    )
    .await?;
    panels::set_stage(&mut tx, proposal_id, next.map(|s| s.code())).await?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: Some(chair.id),
            action: "proposal.expert_stage_closed",
            entity: "proposal",
            entity_id: Some(proposal_id),
            before: Some(json!({"stage": "expert"})),
            after: Some(json!({
                "stage": next.map(|s| s.code()), "total": result.total, "maximum": result.maximum,
                "vetoes": result.vetoes, "sheets": sheet_ids, "judged": state.aggregate.judged,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The panel's total of a decided proposal, for its region's officials and
/// its city (never per-expert scores): `None` before the decision.
pub async fn total_after_decision(
    conn: &mut PgConnection,
    proposal_id: i64,
    status: &str,
) -> sqlx::Result<Option<(Decimal, Decimal)>> {
    if matches!(status, "draft" | "submitted" | "returned" | "withdrawn") {
        return Ok(None);
    }
    Ok(sheets::result(conn, proposal_id).await?.map(|r| (r.total, r.maximum)))
}
