//! Reviewers' decisions as officials and reports see them. (The review
//! workflow itself — queue, overrides, decisions — adds its functions here.)

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
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
    sqlx::query_as(
        "SELECT v.id, v.proposal_id, v.evaluation_id, u.display_name AS reviewer_name, v.decision, v.comment,
                v.overrides, v.final_overall, v.created_at
         FROM reviews v JOIN users u ON u.id = v.reviewer_id
         WHERE v.proposal_id = $1 ORDER BY v.id DESC",
    )
    .bind(proposal_id)
    .fetch_all(conn)
    .await
}
