//! Spreadsheet imports between upload and confirmation (`imports` table):
//! the rows as read, the progress of the background check and its outcome.
//! Every read is scoped to the owner.

use serde_json::Value;
use sqlx::PgConnection;
use sqlx::types::Json;

use crate::domain::spreadsheets::{RowOutcome, SheetRow};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImportRow {
    pub id: i64,
    pub owner_id: i64,
    pub region_id: i64,
    pub filename: String,
    pub status: String,
    pub rows: Option<Json<Vec<RowOutcome>>>,
    pub total: i32,
    pub done: i32,
    pub created: Option<i32>,
}

impl ImportRow {
    pub fn outcomes(&self) -> &[RowOutcome] {
        self.rows.as_ref().map(|j| j.0.as_slice()).unwrap_or(&[])
    }
}

const SELECT: &str = "SELECT id, owner_id, region_id, filename, status, rows, total, done, created FROM imports";

pub async fn insert(
    conn: &mut PgConnection,
    owner_id: i64,
    region_id: i64,
    filename: &str,
    columns: &Value,
    cells: &Value,
    total: i32,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO imports (owner_id, region_id, filename, columns, cells, total)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(owner_id)
    .bind(region_id)
    .bind(filename)
    .bind(columns)
    .bind(cells)
    .bind(total)
    .fetch_one(conn)
    .await
}

/// The region's name and the rows of an import still being checked.
pub async fn pending_rows(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<(String, Value)>> {
    sqlx::query_as(
        "SELECT r.name, i.cells FROM imports i JOIN regions r ON r.id = i.region_id
         WHERE i.id = $1 AND i.status = 'processing'",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn set_progress(conn: &mut PgConnection, id: i64, done: i32) -> sqlx::Result<()> {
    sqlx::query("UPDATE imports SET done = $2, updated_at = now() WHERE id = $1 AND status = 'processing'")
        .bind(id)
        .bind(done)
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores the outcome of every row; the import is ready for confirmation.
pub async fn finish(conn: &mut PgConnection, id: i64, rows: &Value) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE imports SET rows = $2, done = total, status = 'ready', updated_at = now()
         WHERE id = $1 AND status = 'processing'",
    )
    .bind(id)
    .bind(rows)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn fail(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE imports SET status = 'failed', updated_at = now() WHERE id = $1 AND status = 'processing'")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The owner's import (without its cells).
pub async fn get(conn: &mut PgConnection, id: i64, owner_id: i64) -> sqlx::Result<Option<ImportRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE id = $1 AND owner_id = $2"))
        .bind(id)
        .bind(owner_id)
        .fetch_optional(conn)
        .await
}

/// (status, done, total) of the owner's import, for the progress bar.
pub async fn progress(conn: &mut PgConnection, id: i64, owner_id: i64) -> sqlx::Result<Option<(String, i32, i32)>> {
    sqlx::query_as("SELECT status, done, total FROM imports WHERE id = $1 AND owner_id = $2")
        .bind(id)
        .bind(owner_id)
        .fetch_optional(conn)
        .await
}

/// The owner's import, locked until the transaction ends.
pub async fn lock(conn: &mut PgConnection, id: i64, owner_id: i64) -> sqlx::Result<Option<ImportRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE id = $1 AND owner_id = $2 FOR UPDATE"))
        .bind(id)
        .bind(owner_id)
        .fetch_optional(conn)
        .await
}

pub async fn mark_confirmed(conn: &mut PgConnection, id: i64, created: i32) -> sqlx::Result<()> {
    sqlx::query("UPDATE imports SET status = 'confirmed', created = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(created)
        .execute(conn)
        .await?;
    Ok(())
}

/// One `proposal.imported` audit row per created draft, in one statement
/// (the same rows `audit::record` writes, for up to a few thousand drafts).
pub async fn audit_created(
    conn: &mut PgConnection,
    actor_id: i64,
    import_id: i64,
    proposal_ids: &[i64],
    afters: &[Value],
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (actor_id, action, entity, entity_id, before, after)
         SELECT $1, 'proposal.imported', 'proposal', p.id, NULL, p.after || jsonb_build_object('import_id', $2::bigint)
         FROM unnest($3::bigint[], $4::jsonb[]) AS p(id, after)",
    )
    .bind(actor_id)
    .bind(import_id)
    .bind(proposal_ids)
    .bind(afters)
    .execute(conn)
    .await?;
    Ok(())
}

/// The rows of the owner's import as they were read.
pub async fn error_cells(conn: &mut PgConnection, id: i64, owner_id: i64) -> sqlx::Result<Vec<SheetRow>> {
    let cells: Option<Json<Vec<SheetRow>>> =
        sqlx::query_scalar("SELECT cells FROM imports WHERE id = $1 AND owner_id = $2")
            .bind(id)
            .bind(owner_id)
            .fetch_optional(conn)
            .await?;
    Ok(cells.map(|j| j.0).unwrap_or_default())
}
