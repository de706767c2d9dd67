//! The append-only audit trail. Callers pass their open transaction so the
//! row commits (or not) together with the change it records.

use serde_json::Value;
use sqlx::PgConnection;

pub struct Entry<'a> {
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

pub async fn record(conn: &mut PgConnection, entry: Entry<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (actor_id, action, entity, entity_id, before, after)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(entry.actor_id)
    .bind(entry.action)
    .bind(entry.entity)
    .bind(entry.entity_id)
    .bind(entry.before)
    .bind(entry.after)
    .execute(conn)
    .await?;
    Ok(())
}

/// A line of a record's history, with the actor's display name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryRow {
    pub action: String,
    pub actor_name: Option<String>,
    pub after: Option<Value>,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The history of one record, oldest first.
pub async fn history(conn: &mut PgConnection, entity: &str, entity_id: i64) -> sqlx::Result<Vec<HistoryRow>> {
    sqlx::query_as(
        "SELECT a.action, u.display_name AS actor_name, a.after, a.at
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
         WHERE a.entity = $1 AND a.entity_id = $2
         ORDER BY a.id",
    )
    .bind(entity)
    .bind(entity_id)
    .fetch_all(conn)
    .await
}
