//! What officials do with proposals: create and save drafts, submit
//! (evaluate under the active standard), withdraw; and the live evaluation.

use serde_json::json;
use sqlx::PgPool;

use super::ServiceError;
use crate::auth::User;
use crate::db::evaluations::{self, NewEvaluation};
use crate::db::proposals::{self, ProposalRow, Scope};
use crate::db::standards::StandardRow;
use crate::db::{audit, self_assessments, standards as db_standards};
use crate::domain::proposal::{FieldError, ProposalInput};
use crate::domain::{Action, Role, Status, workflow};
use crate::standards::{self, Evaluation, Rendered};

/// The proposals a user may see: officials their region's, reviewers those
/// that reached them, city users their counties' once submitted, admins all.
pub fn scope_of(user: &User) -> Scope {
    match (user.role, user.region_id) {
        (Role::Official, Some(region)) => Scope::Region(region),
        // An official without a region sees nothing.
        (Role::Official, None) => Scope::Region(-1),
        (Role::Reviewer, _) => Scope::Reviewable,
        (Role::Admin, _) => Scope::All,
        // A city user sees its counties' proposals from submission on.
        (Role::City, Some(city)) => Scope::City(city),
        (Role::City, None) => Scope::Region(-1),
        // Experts see their assigned proposals through the expert pages
        // only; through the proposal pages nothing.
        (Role::Expert, _) => Scope::Region(-1),
    }
}

/// An audit row of a proposal, acted on by `user`.
pub(super) fn audit_entry<'a>(
    user: &User,
    action: &'a str,
    id: i64,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> audit::Entry<'a> {
    audit::Entry {
        actor_id: Some(user.id),
        action,
        entity: "proposal",
        entity_id: Some(id),
        before,
        after,
    }
}

/// The proposal locked, if `user` may change it (its region's officials,
/// admins) and it is a draft or returned: its files and boundary change
/// only then.
pub(super) async fn lock_editable(
    conn: &mut sqlx::PgConnection,
    user: &User,
    id: i64,
) -> Result<ProposalRow, ServiceError> {
    let row = proposals::lock(conn, id, scope_of(user))
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !row.status().is_editable() {
        return Err(ServiceError::WrongState);
    }
    Ok(row)
}

/// A draft must have a name; everything typed must be well-formed.
fn check_draft(input: &ProposalInput, parse_errors: Vec<FieldError>) -> Result<(), ServiceError> {
    let mut errors = parse_errors;
    errors.extend(input.draft_errors());
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(errors))
    }
}

/// Creates a draft in `region_id`; returns its id.
pub async fn create_draft(
    db: &PgPool,
    user: &User,
    region_id: i64,
    input: &ProposalInput,
    parse_errors: Vec<FieldError>,
) -> Result<i64, ServiceError> {
    check_draft(input, parse_errors)?;
    let mut tx = crate::db::begin(db).await?;
    let id = proposals::insert(&mut tx, region_id, input, user.id).await?;
    let after = serde_json::to_value(input).ok();
    audit::record(&mut tx, audit_entry(user, "proposal.created", id, None, after)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves the data of a draft or returned proposal loaded at `version`;
/// returns the new version.
pub async fn save(
    db: &PgPool,
    user: &User,
    id: i64,
    version: i32,
    input: &ProposalInput,
    parse_errors: Vec<FieldError>,
) -> Result<i32, ServiceError> {
    check_draft(input, parse_errors)?;
    let scope = scope_of(user);
    let mut tx = crate::db::begin(db).await?;
    let before = proposals::lock(&mut tx, id, scope)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let new_version = proposals::update(&mut tx, id, scope, version, input, user.id).await??;
    let before = serde_json::to_value(before.to_input()).ok();
    let after = serde_json::to_value(input).ok();
    audit::record(&mut tx, audit_entry(user, "proposal.updated", id, before, after)).await?;
    tx.commit().await?;
    Ok(new_version)
}

/// Evaluates a draft under the active standard without storing anything
/// (the live evaluation beside the form): the standard, and the evaluation
/// or (`Err`) what is still missing or inconsistent. The by-year list is
/// read against the active version's period.
pub async fn evaluate_draft(
    db: &PgPool,
    input: &ProposalInput,
) -> Result<(StandardRow, Result<Evaluation, Vec<FieldError>>), ServiceError> {
    let mut conn = crate::db::acquire(db).await?;
    let active = db_standards::active(&mut conn)
        .await?
        .ok_or(ServiceError::NoActiveStandard)?;
    drop(conn);
    let outcome = input
        .complete_under(active.standard().periods())
        .map(|proposal| standards::evaluate(&proposal, active.standard()));
    Ok((active, outcome))
}

/// Submits: complete validation, then in one transaction an evaluation under
/// the standard version of its round and the status `submitted`. The round
/// is the only open one (or the one it entered before); see [`submit_into`].
pub async fn submit(
    db: &PgPool,
    user: &User,
    id: i64,
    version: i32,
) -> Result<(ProposalRow, Evaluation), ServiceError> {
    submit_into(db, user, id, version, None).await
}

/// Submits into a round: the one the proposal entered before (it stays
/// there), else `round` (needed when several rounds are open), else the
/// only open one. Evaluated under the round's standard version (the active
/// one when the round names none); it enters the round's first stage that is
/// on. Nothing enters a closed round or one past its deadline.
pub async fn submit_into(
    db: &PgPool,
    user: &User,
    id: i64,
    version: i32,
    round: Option<i64>,
) -> Result<(ProposalRow, Evaluation), ServiceError> {
    let scope = scope_of(user);
    // The control-line layers' indexes, loaded before any lock is held.
    super::boundaries::warm(db).await?;
    let mut tx = crate::db::begin(db).await?;
    let row = proposals::lock(&mut tx, id, scope)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if row.version != version {
        return Err(ServiceError::Stale);
    }
    let to = workflow::transition(row.status(), Action::Submit).ok_or(ServiceError::WrongState)?;
    let entry = super::rounds::entry_for(&mut tx, &row, round, chrono::Utc::now()).await?;
    let active = match entry.round.standard_id {
        Some(standard) => db_standards::by_id(&mut tx, standard).await?,
        None => db_standards::active(&mut tx).await?,
    }
    .ok_or(ServiceError::NoActiveStandard)?;
    // The by-year list is checked against the version the proposal will be
    // evaluated under: a draft saved under another period length is told
    // here how many years it needs.
    let proposal = row
        .to_input()
        .complete_under(active.standard().periods())
        .map_err(ServiceError::Invalid)?;
    // Submitted without a required material, the material is `missing`;
    // without a boundary, so are the boundary criteria.
    let mut files = super::materials::attachments(&mut tx, id).await?;
    let boundary = super::boundaries::for_submission(&mut tx, id).await?;
    if let Some((_, measured)) = &boundary {
        files.boundary = standards::BoundaryState::Known(measured.facts.clone());
    }
    let evaluation = standards::evaluate_with(&proposal, active.standard(), &files);
    let updated = proposals::set_status(&mut tx, id, to, user.id).await?;
    crate::db::rounds::enter(&mut tx, id, entry.round.id, entry.stage).await?;
    if entry.stage == crate::domain::round::Stage::City {
        // Back before the city: an earlier recommendation no longer holds.
        crate::db::rounds::forget_recommendation(&mut tx, id).await?;
    }
    let evaluation_id = evaluations::insert(
        &mut tx,
        NewEvaluation {
            proposal_id: id,
            proposal_revision: updated.revision,
            standard_id: active.id,
            snapshot: proposal.to_json(),
            evaluation: &evaluation,
            rendered: Rendered::of(&evaluation),
            created_by: Some(user.id),
        },
    )
    .await?;
    // The self-assessment goes with the submission, as it was then.
    self_assessments::freeze(&mut tx, id, evaluation_id).await?;
    // So are the exact versions of the materials, and the boundary with
    // what was found.
    crate::db::materials::freeze(&mut tx, id, evaluation_id).await?;
    if let Some(b) = &boundary {
        super::boundaries::freeze(&mut tx, evaluation_id, b).await?;
    }
    let before = Some(json!({"status": row.status().code()}));
    let after = Some(json!({
        "status": to.code(), "overall": evaluation.overall.code(), "revision": updated.revision,
        "round": entry.round.id, "stage": entry.stage.code(), "standard_id": active.id,
    }));
    audit::record(&mut tx, audit_entry(user, "proposal.submitted", id, before, after)).await?;
    tx.commit().await?;
    Ok((updated, evaluation))
}

/// Withdraws a draft, submitted or returned proposal.
pub async fn withdraw(db: &PgPool, user: &User, id: i64, version: i32) -> Result<ProposalRow, ServiceError> {
    let scope = scope_of(user);
    let mut tx = crate::db::begin(db).await?;
    let row = proposals::lock(&mut tx, id, scope)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if row.version != version {
        return Err(ServiceError::Stale);
    }
    let to = workflow::transition(row.status(), Action::Withdraw).ok_or(ServiceError::WrongState)?;
    let updated = proposals::set_status(&mut tx, id, to, user.id).await?;
    // A withdrawn proposal frees its rank and its place in the city's quota.
    crate::db::rounds::forget_recommendation(&mut tx, id).await?;
    let before = Some(json!({"status": row.status().code()}));
    let after = Some(json!({"status": Status::Withdrawn.code()}));
    audit::record(&mut tx, audit_entry(user, "proposal.withdrawn", id, before, after)).await?;
    tx.commit().await?;
    Ok(updated)
}
