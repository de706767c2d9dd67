//! Reviewers' decisions as officials and reports see them. (The review
//! workflow itself — queue, overrides, decisions — adds its functions here.)

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ReviewRow {
    pub id: i64,
    pub proposal_id: i64,
    pub evaluation_id: Option<i64>,
    pub reviewer_name: String,
    pub decision: String,
    pub comment: String,
    pub overrides: serde_json::Value,
    pub final_overall: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Every decision on a proposal, newest first.
pub async fn for_proposal(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Vec<ReviewRow>> {
    sqlx::query_as(&decisions_of("$1"))
        .bind(proposal_id)
        .fetch_all(conn)
        .await
}

/// The statement of [`for_proposal`] for the proposal `proposal` (a
/// parameter or a column), also read inside the report's statement.
pub(super) fn decisions_of(proposal: &str) -> String {
    format!(
        "SELECT v.id, v.proposal_id, v.evaluation_id, u.display_name AS reviewer_name, v.decision, v.comment,
                v.overrides, v.final_overall, v.created_at
         FROM reviews v JOIN users u ON u.id = v.reviewer_id
         WHERE v.proposal_id = {proposal} ORDER BY v.id DESC"
    )
}

/// A reviewer's final verdict on one finding, with who and why.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct OverrideRow {
    pub id: i64,
    pub evaluation_id: i64,
    pub criterion: String,
    pub final_verdict: String,
    pub reason: String,
    pub reviewer_id: i64,
    pub reviewer_name: String,
    pub created_at: DateTime<Utc>,
}

/// The overrides in force on an evaluation: the latest per criterion.
pub async fn overrides(conn: &mut PgConnection, evaluation_id: i64) -> sqlx::Result<Vec<OverrideRow>> {
    sqlx::query_as(&overrides_of("$1"))
        .bind(evaluation_id)
        .fetch_all(conn)
        .await
}

/// The statement of [`overrides`] for the evaluation `evaluation` (a
/// parameter or a column), also read inside the report's statement.
pub(super) fn overrides_of(evaluation: &str) -> String {
    format!(
        "SELECT DISTINCT ON (o.criterion) o.id, o.evaluation_id, o.criterion, o.final_verdict, o.reason,
                o.reviewer_id, u.display_name AS reviewer_name, o.created_at
         FROM finding_overrides o JOIN users u ON u.id = o.reviewer_id
         WHERE o.evaluation_id = {evaluation} ORDER BY o.criterion, o.id DESC"
    )
}

pub struct NewOverride<'a> {
    pub evaluation_id: i64,
    pub criterion: &'a str,
    pub final_verdict: &'a str,
    pub reason: &'a str,
    pub reviewer_id: i64,
}

pub async fn insert_override(conn: &mut PgConnection, new: NewOverride<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO finding_overrides (evaluation_id, criterion, final_verdict, reason, reviewer_id)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(new.evaluation_id)
    .bind(new.criterion)
    .bind(new.final_verdict)
    .bind(new.reason)
    .bind(new.reviewer_id)
    .fetch_one(conn)
    .await
}

pub struct NewReview<'a> {
    pub proposal_id: i64,
    pub evaluation_id: Option<i64>,
    pub reviewer_id: i64,
    pub decision: &'a str,
    pub comment: &'a str,
    pub overrides: serde_json::Value,
    pub final_overall: Option<&'a str>,
}

pub async fn insert(conn: &mut PgConnection, new: NewReview<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO reviews (proposal_id, evaluation_id, reviewer_id, decision, comment, overrides, final_overall)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(new.proposal_id)
    .bind(new.evaluation_id)
    .bind(new.reviewer_id)
    .bind(new.decision)
    .bind(new.comment)
    .bind(new.overrides)
    .bind(new.final_overall)
    .fetch_one(conn)
    .await
}

/// The overrides in force as the engine reads them: final verdict by
/// criterion (a stored code the engine does not know is left out).
pub fn verdicts(rows: &[OverrideRow]) -> crate::standards::Overrides {
    rows.iter()
        .filter_map(|o| crate::standards::Verdict::from_code(&o.final_verdict).map(|v| (o.criterion.clone(), v)))
        .collect()
}
