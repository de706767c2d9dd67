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
