//! What reviewers do: override one finding of the latest evaluation with a
//! written reason, and decide (approve, reject, return) — each one
//! transaction with its audit row. The computed evaluation is never
//! modified; the final verdicts are the computed ones with the overrides in
//! force applied, and the final overall is recomputed by the engine's rule.

use serde_json::json;
use sqlx::{PgConnection, PgPool};

use super::ServiceError;
use crate::auth::User;
use crate::db::proposals::{self, Scope};
use crate::db::reviews::{self, NewOverride, NewReview};
use crate::db::{audit, batches, evaluations, score_sheets};
use crate::domain::{Action, Status, workflow};
use crate::standards::{Overall, Verdict, final_overall};

/// Longest comment or reason accepted (the columns allow a little more).
pub const MAX_TEXT: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
    Return,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Decision::Approve, Decision::Reject, Decision::Return];

    pub fn code(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
            Decision::Return => "return",
        }
    }

    pub fn from_code(code: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.code() == code)
    }

    fn action(self) -> Action {
        match self {
            Decision::Approve => Action::Approve,
            Decision::Reject => Action::Reject,
            Decision::Return => Action::Return,
        }
    }

    fn audit_action(self) -> &'static str {
        match self {
            Decision::Approve => "proposal.approved",
            Decision::Reject => "proposal.rejected",
            Decision::Return => "proposal.returned",
        }
    }
}

/// The verdicts a reviewer may set.
pub const SETTABLE: [Verdict; 4] = [Verdict::Pass, Verdict::Warn, Verdict::Fail, Verdict::NotApplicable];

/// A problem with what the reviewer typed: (form field, catalogue key).
pub type InputError = (&'static str, &'static str);

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("invalid input")]
    Invalid(Vec<InputError>),
    #[error(transparent)]
    Refused(#[from] ServiceError),
}

impl From<sqlx::Error> for ReviewError {
    fn from(e: sqlx::Error) -> Self {
        ReviewError::Refused(ServiceError::Db(e))
    }
}

fn trimmed(text: &str) -> &str {
    text.trim()
}

pub struct OverrideInput<'a> {
    /// The evaluation the reviewer saw (must still be the latest).
    pub evaluation_id: i64,
    pub criterion: &'a str,
    pub final_verdict: &'a str,
    pub reason: &'a str,
}

/// Sets the final verdict of one finding of the latest evaluation of a
/// submitted proposal. Returns the override's id.
pub async fn override_finding(db: &PgPool, user: &User, id: i64, input: OverrideInput<'_>) -> Result<i64, ReviewError> {
    let reason = trimmed(input.reason);
    let mut errors = Vec::new();
    let verdict = Verdict::from_code(input.final_verdict).filter(|v| SETTABLE.contains(v));
    if verdict.is_none() {
        errors.push(("final_verdict", "review.error.verdict"));
    }
    if reason.is_empty() {
        errors.push(("reason", "review.error.reason_required"));
    } else if reason.chars().count() > MAX_TEXT {
        errors.push(("reason", "review.error.too_long"));
    }
    let mut tx = crate::db::begin(db).await?;
    let row = proposals::lock(&mut tx, id, Scope::All)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if row.status() != Status::Submitted {
        return Err(ServiceError::WrongState.into());
    }
    let latest = evaluations::latest(&mut tx, id)
        .await?
        .ok_or(ServiceError::WrongState)?;
    if latest.id != input.evaluation_id {
        return Err(ServiceError::Stale.into());
    }
    let in_force = reviews::overrides(&mut tx, latest.id).await?;
    let Some(finding) = latest.findings.iter().find(|f| f.criterion == input.criterion) else {
        errors.push(("criterion", "review.error.criterion"));
        return Err(ReviewError::Invalid(errors));
    };
    let current = in_force
        .iter()
        .find(|o| o.criterion == finding.criterion)
        .and_then(|o| Verdict::from_code(&o.final_verdict))
        .unwrap_or(finding.verdict);
    if let Some(v) = verdict {
        // An override must change something: a verdict other than the
        // computed one, or back to the computed one from an earlier override.
        if v == current {
            errors.push(("final_verdict", "review.error.same_verdict"));
        }
    }
    if !errors.is_empty() {
        return Err(ReviewError::Invalid(errors));
    }
    let verdict = verdict.expect("checked above");
    let override_id = reviews::insert_override(
        &mut tx,
        NewOverride {
            evaluation_id: latest.id,
            criterion: &finding.criterion,
            final_verdict: verdict.code(),
            reason,
            reviewer_id: user.id,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: Some(user.id),
            action: "proposal.finding_overridden",
            entity: "proposal",
            entity_id: Some(id),
            before: Some(json!({"criterion": finding.criterion, "verdict": current.code()})),
            after: Some(json!({
                "evaluation_id": latest.id, "criterion": finding.criterion, "computed": finding.verdict.code(),
                "final": verdict.code(), "reason": reason,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(override_id)
}

#[derive(Debug, Clone)]
pub struct DecisionInput {
    pub decision: Decision,
    pub comment: String,
    /// The proposal's version the reviewer loaded.
    pub version: i32,
    /// The evaluation the reviewer saw, when given: must still be the latest.
    pub evaluation_id: Option<i64>,
    /// Approving although the final overall verdict is `fail`.
    pub confirm_fail: bool,
    pub confirm_reason: String,
    /// Why the decision goes against the panel's score order in the round
    /// (approving a proposal ranked below a rejected one, or rejecting one
    /// ranked above an approved one): required then.
    pub order_reason: String,
}

impl DecisionInput {
    /// A plain decision on the proposal at `version` (demo data, batches).
    pub fn new(decision: Decision, comment: &str, version: i32) -> DecisionInput {
        DecisionInput {
            decision,
            comment: comment.to_owned(),
            version,
            evaluation_id: None,
            confirm_fail: false,
            confirm_reason: String::new(),
            order_reason: String::new(),
        }
    }
}

/// The outcome of a decision.
#[derive(Debug, Clone)]
pub struct Decided {
    pub review_id: i64,
    pub status: Status,
    pub final_overall: Option<Overall>,
}

/// Decides on a submitted proposal: in one transaction the review row (with
/// the overrides in force and the final overall verdict), the new status
/// and the audit row. The row is locked first, so of concurrent decisions
/// exactly one applies; the others find it decided (`WrongState`).
pub async fn decide(db: &PgPool, user: &User, id: i64, input: &DecisionInput) -> Result<Decided, ReviewError> {
    let comment = trimmed(&input.comment);
    let confirm_reason = trimmed(&input.confirm_reason);
    let mut errors = Vec::new();
    if comment.chars().count() > MAX_TEXT {
        errors.push(("comment", "review.error.too_long"));
    } else if comment.is_empty() && input.decision != Decision::Approve {
        errors.push(("comment", "review.error.comment_required"));
    }
    let mut tx = crate::db::begin(db).await?;
    let row = proposals::lock(&mut tx, id, Scope::All)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let to = workflow::transition(row.status(), input.decision.action()).ok_or(ServiceError::WrongState)?;
    if row.version != input.version {
        return Err(ServiceError::Stale.into());
    }
    // In a round, the decision is the last stage's: not while the city,
    // the formal review or the experts still have it.
    if !super::rounds::at_decision(&mut tx, &row).await? {
        return Err(ServiceError::Refused("rounds.error.not_joint_stage").into());
    }
    let against_order = against_score_order(&mut tx, id, input.decision).await?;
    let order_reason = trimmed(&input.order_reason);
    if against_order {
        if order_reason.is_empty() {
            errors.push(("order_reason", "review.error.order_reason"));
        } else if order_reason.chars().count() > MAX_TEXT {
            errors.push(("order_reason", "review.error.too_long"));
        }
    }
    let latest = evaluations::latest(&mut tx, id).await?;
    if input.evaluation_id.is_some() && input.evaluation_id != latest.as_ref().map(|e| e.id) {
        return Err(ServiceError::Stale.into());
    }
    // An approval is given on an evaluation, the one publication freezes.
    if input.decision == Decision::Approve && latest.is_none() {
        return Err(ServiceError::WrongState.into());
    }
    let in_force = match &latest {
        Some(e) => reviews::overrides(&mut tx, e.id).await?,
        None => Vec::new(),
    };
    let overall = latest
        .as_ref()
        .map(|e| final_overall(&e.findings, &reviews::verdicts(&in_force)));
    if input.decision == Decision::Approve && overall == Some(Overall::Fail) {
        if !input.confirm_fail {
            errors.push(("confirm_fail", "review.error.confirm_fail"));
        }
        if confirm_reason.is_empty() {
            errors.push(("confirm_reason", "review.error.confirm_reason"));
        } else if confirm_reason.chars().count() > MAX_TEXT {
            errors.push(("confirm_reason", "review.error.too_long"));
        }
    }
    if !errors.is_empty() {
        return Err(ReviewError::Invalid(errors));
    }
    let overrides_json: Vec<serde_json::Value> = in_force
        .iter()
        .map(|o| {
            let computed = latest
                .as_ref()
                .and_then(|e| e.findings.iter().find(|f| f.criterion == o.criterion))
                .map(|f| f.verdict.code());
            json!({
                "criterion": o.criterion, "computed": computed, "final": o.final_verdict, "reason": o.reason,
                "reviewer_id": o.reviewer_id, "reviewer": o.reviewer_name, "at": o.created_at,
            })
        })
        .collect();
    // The reasons for approving a failing proposal, and for going against
    // the score order, are part of the record.
    let mut parts: Vec<&str> = vec![comment];
    if input.decision == Decision::Approve && overall == Some(Overall::Fail) {
        parts.push(confirm_reason);
    }
    if against_order {
        parts.push(order_reason);
    }
    let full_comment = parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let review_id = reviews::insert(
        &mut tx,
        NewReview {
            proposal_id: id,
            evaluation_id: latest.as_ref().map(|e| e.id),
            reviewer_id: user.id,
            decision: input.decision.code(),
            comment: &full_comment,
            overrides: serde_json::Value::Array(overrides_json.clone()),
            final_overall: overall.map(|o| o.code()),
        },
    )
    .await?;
    proposals::set_status(&mut tx, id, to, user.id).await?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: Some(user.id),
            action: input.decision.audit_action(),
            entity: "proposal",
            entity_id: Some(id),
            before: Some(json!({"status": row.status().code()})),
            after: Some(json!({
                "status": to.code(), "review_id": review_id, "comment": full_comment,
                "final_overall": overall.map(|o| o.code()), "overrides": overrides_json,
                "confirmed_fail": input.decision == Decision::Approve && overall == Some(Overall::Fail),
                "against_score_order": against_order,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Decided {
        review_id,
        status: to,
        final_overall: overall,
    })
}

/// Whether deciding `decision` on a proposal goes against its round's
/// score order (DESIGN "Review as provinces run it"): approving it while a
/// proposal of the round with a higher panel total is rejected, or
/// rejecting it while one with a lower total is approved (or listed).
pub async fn against_score_order(conn: &mut PgConnection, id: i64, decision: Decision) -> sqlx::Result<bool> {
    let Some(own) = score_sheets::result(conn, id).await?.map(|r| r.total) else {
        return Ok(false);
    };
    let others = score_sheets::round_totals(conn, id).await?;
    Ok(match decision {
        Decision::Approve => others.iter().any(|(_, t, s)| *t > own && s == "rejected"),
        Decision::Reject => others
            .iter()
            .any(|(_, t, s)| *t < own && matches!(s.as_str(), "approved" | "listed")),
        Decision::Return => false,
    })
}

/// After a new evaluation of a locked proposal (in the caller's
/// transaction): an approval was given on another evaluation, so an
/// approved proposal goes back to the reviewers (`submitted`) and out of
/// every draft batch, each change audited; it can be listed again only after
/// a new decision on what is now its evaluation. Other statuses are left as
/// they are (a listed town's public record is frozen already).
pub async fn reopen_after_reevaluation(
    conn: &mut PgConnection,
    user: &User,
    id: i64,
    evaluation_id: i64,
) -> Result<(), sqlx::Error> {
    if !proposals::reopen_approved(conn, id, user.id).await? {
        return Ok(());
    }
    let left = batches::remove_from_drafts(conn, id).await?;
    audit::record(
        conn,
        audit::Entry {
            actor_id: Some(user.id),
            action: "proposal.reopened",
            entity: "proposal",
            entity_id: Some(id),
            before: Some(json!({"status": Status::Approved.code()})),
            after: Some(json!({
                "status": Status::Submitted.code(), "evaluation_id": evaluation_id, "left_batches": left,
            })),
        },
    )
    .await?;
    for batch in left {
        audit::record(
            conn,
            audit::Entry {
                actor_id: Some(user.id),
                action: "batch.entry_removed",
                entity: "batch",
                entity_id: Some(batch),
                before: Some(json!({"proposal": id, "reason": "proposal.reopened"})),
                after: None,
            },
        )
        .await?;
    }
    Ok(())
}
