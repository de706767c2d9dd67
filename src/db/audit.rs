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
    record_id(conn, entry).await.map(|_| ())
}

/// [`record`], answering the new row's id (for a page that shows what was
/// recorded, see [`after_of`]).
pub async fn record_id(conn: &mut PgConnection, entry: Entry<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO audit_log (actor_id, action, entity, entity_id, before, after)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(entry.actor_id)
    .bind(entry.action)
    .bind(entry.entity)
    .bind(entry.entity_id)
    .bind(entry.before)
    .bind(entry.after)
    .fetch_one(conn)
    .await
}

/// The `after` of entry `id` if `actor_id` recorded it as `action` (nobody
/// reads another's entries this way).
pub async fn after_of(conn: &mut PgConnection, id: i64, actor_id: i64, action: &str) -> sqlx::Result<Option<Value>> {
    let row: Option<(Option<Value>,)> =
        sqlx::query_as("SELECT after FROM audit_log WHERE id = $1 AND actor_id = $2 AND action = $3")
            .bind(id)
            .bind(actor_id)
            .bind(action)
            .fetch_optional(conn)
            .await?;
    Ok(row.and_then(|(after,)| after))
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

/// Filters of the audit log page; each absent one matches everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The actor's user name, exactly.
    pub actor: Option<String>,
    /// An action, or its prefix (`batch.` for every batch action).
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    /// From this instant (inclusive) to that one (exclusive).
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}

/// A line of the audit log page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LogRow {
    pub id: i64,
    pub actor_username: Option<String>,
    pub actor_name: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub at: chrono::DateTime<chrono::Utc>,
}

const WHERE: &str = "WHERE ($1::text IS NULL OR u.username = $1)
      AND ($2::text IS NULL OR a.action = $2 OR (right($2, 1) = '.' AND starts_with(a.action, $2)))
      AND ($3::text IS NULL OR a.entity = $3)
      AND ($4::bigint IS NULL OR a.entity_id = $4)
      AND ($5::timestamptz IS NULL OR a.at >= $5)
      AND ($6::timestamptz IS NULL OR a.at < $6)";

/// One page of the log, newest first, and the number of matching rows.
pub async fn search(conn: &mut PgConnection, f: &Filter, limit: i64, offset: i64) -> sqlx::Result<(Vec<LogRow>, i64)> {
    let rows = sqlx::query_as(&format!(
        "SELECT a.id, u.username AS actor_username, u.display_name AS actor_name, a.action, a.entity, a.entity_id,
                a.before, a.after, a.at
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
         {WHERE} ORDER BY a.id DESC LIMIT $7 OFFSET $8"
    ))
    .bind(&f.actor)
    .bind(&f.action)
    .bind(&f.entity)
    .bind(f.entity_id)
    .bind(f.from)
    .bind(f.until)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id {WHERE}"
    ))
    .bind(&f.actor)
    .bind(&f.action)
    .bind(&f.entity)
    .bind(f.entity_id)
    .bind(f.from)
    .bind(f.until)
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}

/// The actions and entities that occur, for the filter lists.
pub async fn kinds(conn: &mut PgConnection) -> sqlx::Result<(Vec<String>, Vec<String>)> {
    let actions = sqlx::query_scalar("SELECT DISTINCT action FROM audit_log ORDER BY action")
        .fetch_all(&mut *conn)
        .await?;
    let entities = sqlx::query_scalar("SELECT DISTINCT entity FROM audit_log ORDER BY entity")
        .fetch_all(conn)
        .await?;
    Ok((actions, entities))
}
