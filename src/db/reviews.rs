//! Reviewers' decisions as officials and reports see them. (The review
//! workflow itself — queue, overrides, decisions — adds its functions here.)

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use sqlx::types::Json;

#[derive(Debug, Clone, serde::Deserialize)]
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

/// Every decision on a proposal, newest first (the function
/// `proposal_decisions`, also called by the report's statement).
pub async fn for_proposal(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Vec<ReviewRow>> {
    let rows: Json<Vec<ReviewRow>> = sqlx::query_scalar("SELECT proposal_decisions($1)")
        .bind(proposal_id)
        .fetch_one(conn)
        .await?;
    Ok(rows.0)
}

/// A reviewer's final verdict on one finding, with who and why.
#[derive(Debug, Clone, serde::Deserialize)]
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

/// The overrides in force on an evaluation: the latest per criterion, by
/// criterion (the function `overrides_in_force`, also called by the
/// report's statement).
pub async fn overrides(conn: &mut PgConnection, evaluation_id: i64) -> sqlx::Result<Vec<OverrideRow>> {
    let rows: Json<Vec<OverrideRow>> = sqlx::query_scalar("SELECT overrides_in_force($1)")
        .bind(evaluation_id)
        .fetch_one(conn)
        .await?;
    Ok(rows.0)
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
