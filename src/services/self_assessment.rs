//! A county's self-assessment (自评) on the creation-review scoring table of
//! the active standard: read with the proposal, saved while the proposal is
//! a draft or returned, frozen with the evaluation when it is submitted.

use std::sync::Arc;

use serde_json::json;
use sqlx::PgPool;

use super::ServiceError;
use super::proposals::scope_of;
use crate::auth::User;
use crate::db::proposals::{self, ProposalRow};
use crate::db::{audit, self_assessments, standards as db_standards};
use crate::domain::Status;
use crate::standards::scoring::{self, Judgements, Purpose, ScoreError, ScoreInputs, ScoreResult};
use crate::standards::{BoundaryFacts, Standard};

/// What the self-assessment page shows.
pub struct SelfAssessment {
    pub proposal: ProposalRow,
    pub standard: Arc<Standard>,
    /// The code of the common creation-review table; `None` when the
    /// active version has none.
    pub table: Option<String>,
    pub judged: Judgements,
    /// The score with what is judged so far; `None` while the proposal is
    /// incomplete (computed lines need every figure).
    pub score: Option<ScoreResult>,
    /// The proposal's current boundary as measured now (nothing written):
    /// the control-line vetoes are read from its check, not judged.
    pub boundary: Option<BoundaryFacts>,
}

impl SelfAssessment {
    /// Whether line `code` is a veto read from the boundary's check (shown
    /// as computed, not asked).
    pub fn from_boundary(&self, code: &str) -> bool {
        self.score
            .as_ref()
            .and_then(|r| r.line(code))
            .is_some_and(|l| matches!(l.how, scoring::How::ControlLines { .. }))
    }
}

impl SelfAssessment {
    pub fn editable(&self) -> bool {
        matches!(self.proposal.status(), Status::Draft | Status::Returned)
    }
}

/// The page's data, with `judged` in place of the stored self-assessment
/// when the form is being previewed or refused.
pub async fn load(
    db: &PgPool,
    user: &User,
    proposal_id: i64,
    judged: Option<Judgements>,
) -> Result<SelfAssessment, ServiceError> {
    let mut conn = crate::db::acquire(db).await?;
    let proposal = proposals::get(&mut conn, proposal_id, scope_of(user))
        .await?
        .ok_or(ServiceError::NotFound)?;
    let active = db_standards::active(&mut conn)
        .await?
        .ok_or(ServiceError::NoActiveStandard)?;
    let standard = db_standards::definition(&mut conn, &active.code, active.version)
        .await?
        .ok_or(ServiceError::NoActiveStandard)?;
    let judged = match judged {
        Some(judged) => judged,
        None => self_assessments::load(&mut conn, proposal_id).await?,
    };
    drop(conn);
    let table = scoring::common_table(&standard, Purpose::CreationReview).map(|t| t.code.clone());
    let boundary = match &table {
        Some(_) => super::boundaries::current_for_page(db, proposal_id)
            .await?
            .map(|(_, _, measured)| measured.facts),
        None => None,
    };
    Ok(SelfAssessment {
        proposal,
        standard,
        table,
        judged: Judgements::new(),
        score: None,
        boundary,
    }
    .scored_with(judged))
}

impl SelfAssessment {
    /// The same page with `judged` in place of its judgements, scored anew
    /// (no database work: the running total as the official types).
    pub fn scored_with(mut self, judged: Judgements) -> SelfAssessment {
        self.score = match (
            &self.table,
            self.proposal.to_input().complete_under(self.standard.periods()),
        ) {
            (Some(table), Ok(p)) => {
                let inputs = ScoreInputs {
                    judged: Some(&judged),
                    boundary: self.boundary.as_ref(),
                    ..ScoreInputs::default()
                };
                scoring::score(&p, &self.standard, table, &inputs).ok()
            }
            _ => None,
        };
        self.judged = judged;
        self
    }
}

/// The judgements that do not fit the tables the proposal is scored on.
pub fn check(sa: &SelfAssessment, judged: &Judgements) -> Vec<ScoreError> {
    let Some(common) = sa.table.as_deref().and_then(|t| sa.standard.table(t)) else {
        return Vec::new();
    };
    let tables = scoring::tables_of(&sa.standard, common, sa.proposal.to_input().industry);
    scoring::check_judged(&tables, Some(judged))
}

/// Saves the self-assessment of a draft or returned proposal. `Ok(Err(..))`
/// lists the judgements that do not fit the table; nothing is stored then.
pub async fn save(
    db: &PgPool,
    user: &User,
    proposal_id: i64,
    judged: &Judgements,
) -> Result<Result<(), Vec<ScoreError>>, ServiceError> {
    let sa = load(db, user, proposal_id, Some(judged.clone())).await?;
    if sa.table.is_none() {
        return Err(ServiceError::Refused("self_assessment.no_table_refused"));
    }
    if !sa.editable() {
        return Err(ServiceError::WrongState);
    }
    let errors = check(&sa, judged);
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut tx = crate::db::begin(db).await?;
    // Locked so that a submission in flight cannot freeze half of it.
    let row = proposals::lock(&mut tx, proposal_id, scope_of(user))
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !matches!(row.status(), Status::Draft | Status::Returned) {
        return Err(ServiceError::WrongState);
    }
    self_assessments::replace(&mut tx, proposal_id, judged, user.id).await?;
    let given = judged
        .values()
        .filter(|j| j.points.is_some() || j.veto.is_some())
        .count();
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: Some(user.id),
            action: "proposal.self_assessed",
            entity: "proposal",
            entity_id: Some(proposal_id),
            before: None,
            after: Some(json!({"table": sa.table, "lines": given})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}
