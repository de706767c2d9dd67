//! The expert pool: one row per expert account with the field, employer,
//! home region and whether the expert may be drawn.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExpertRow {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub field: String,
    pub employer: String,
    pub home_region_id: Option<i64>,
    pub home_region_name: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT x.id, x.user_id, u.username, u.display_name, x.field, x.employer, x.home_region_id,
        r.name AS home_region_name, x.active, x.created_at
    FROM experts x JOIN users u ON u.id = x.user_id LEFT JOIN regions r ON r.id = x.home_region_id";

/// Every expert, by field then name.
pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<ExpertRow>> {
    sqlx::query_as(&format!("{SELECT} ORDER BY x.field, u.display_name, x.id"))
        .fetch_all(conn)
        .await
}

pub async fn get(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<ExpertRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE x.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The pool record of a signed-in expert.
pub async fn of_user(conn: &mut PgConnection, user_id: i64) -> sqlx::Result<Option<ExpertRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE x.user_id = $1"))
        .bind(user_id)
        .fetch_optional(conn)
        .await
}

/// The experts who may be drawn (active, with an active account), in id
/// order: the candidate list a draw stores.
pub async fn drawable(conn: &mut PgConnection) -> sqlx::Result<Vec<ExpertRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE x.active AND u.active ORDER BY x.id"))
        .fetch_all(conn)
        .await
}

pub struct ExpertData<'a> {
    pub field: &'a str,
    pub employer: &'a str,
    pub home_region_id: Option<i64>,
}

pub async fn insert(conn: &mut PgConnection, user_id: i64, data: &ExpertData<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO experts (user_id, field, employer, home_region_id) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(data.field)
    .bind(data.employer)
    .bind(data.home_region_id)
    .fetch_one(conn)
    .await
}

/// Locks the row for a change; `None` when there is no such expert.
pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<ExpertRow>> {
    sqlx::query_scalar::<_, i64>("SELECT id FROM experts WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    get(conn, id).await
}

pub async fn update(conn: &mut PgConnection, id: i64, data: &ExpertData<'_>) -> sqlx::Result<()> {
    sqlx::query("UPDATE experts SET field = $2, employer = $3, home_region_id = $4 WHERE id = $1")
        .bind(id)
        .bind(data.field)
        .bind(data.employer)
        .bind(data.home_region_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_active(conn: &mut PgConnection, id: i64, active: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE experts SET active = $2 WHERE id = $1")
        .bind(id)
        .bind(active)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn display_name(conn: &mut PgConnection, user_id: i64, name: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET display_name = $2 WHERE id = $1")
        .bind(user_id)
        .bind(name)
        .execute(conn)
        .await?;
    Ok(())
}

/// Proposals each expert declared a conflict with (for the conflict checks).
pub async fn declared(conn: &mut PgConnection) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as("SELECT expert_id, proposal_id FROM expert_assignments WHERE recusal = 'declared'")
        .fetch_all(conn)
        .await
}
