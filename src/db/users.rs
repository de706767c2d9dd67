use sqlx::PgConnection;

use crate::domain::Role;

/// A user as the application sees it, with the region's name joined in.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_id: Option<i64>,
    pub region_name: Option<String>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub active: bool,
}

const SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, u.region_id, r.name AS region_name,
        u.password_hash, u.must_change_password, u.active
    FROM users u LEFT JOIN regions r ON r.id = u.region_id";

pub async fn find_by_username(conn: &mut PgConnection, username: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE u.username = $1"))
        .bind(username)
        .fetch_optional(conn)
        .await
}

pub async fn find_active(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE u.id = $1 AND u.active"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub region_id: Option<i64>,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

pub async fn insert(conn: &mut PgConnection, user: NewUser<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO users (username, display_name, role, region_id, password_hash, must_change_password)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user.username)
    .bind(user.display_name)
    .bind(user.role.as_str())
    .bind(user.region_id)
    .bind(user.password_hash)
    .bind(user.must_change_password)
    .fetch_one(conn)
    .await
}

pub async fn set_password(conn: &mut PgConnection, id: i64, hash: &str, must_change: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET password_hash = $2, must_change_password = $3, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(hash)
        .bind(must_change)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn active_admin_exists(conn: &mut PgConnection) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND active)")
        .fetch_one(conn)
        .await
}

pub async fn any_admin_exists(conn: &mut PgConnection) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin')")
        .fetch_one(conn)
        .await
}

/// A line of the admins' user list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_id: Option<i64>,
    pub region_name: Option<String>,
    pub must_change_password: bool,
    pub active: bool,
}

/// Every account, active ones first, by user name.
pub async fn list_all(conn: &mut PgConnection) -> sqlx::Result<Vec<ListRow>> {
    sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, u.role, u.region_id, r.name AS region_name,
                u.must_change_password, u.active
         FROM users u LEFT JOIN regions r ON r.id = u.region_id
         ORDER BY u.active DESC, u.username",
    )
    .fetch_all(conn)
    .await
}

/// One account, active or not, locked for the rest of the transaction.
pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE u.id = $1 FOR UPDATE OF u"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// One account, active or not.
pub async fn get(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The ids of the active admins, locked: two admins demoting each other at
/// once cannot leave none.
pub async fn lock_active_admins(conn: &mut PgConnection) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' AND active ORDER BY id FOR UPDATE")
        .fetch_all(conn)
        .await
}

pub async fn set_active(conn: &mut PgConnection, id: i64, active: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET active = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(active)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_role_region(conn: &mut PgConnection, id: i64, role: Role, region_id: Option<i64>) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET role = $2, region_id = $3, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(role.as_str())
        .bind(region_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Renames a region (its officials and proposals follow, by id). Kept here
/// beside the accounts that act for regions.
pub async fn rename_region(conn: &mut PgConnection, region_id: i64, name: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE regions SET name = $2 WHERE id = $1")
        .bind(region_id)
        .bind(name)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Regions with how many active officials and proposals each has.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegionUse {
    pub id: i64,
    pub name: String,
    /// `city` or `county`.
    pub kind: String,
    /// A county's city.
    pub parent_id: Option<i64>,
    pub officials: i64,
    pub proposals: i64,
}

pub async fn regions_in_use(conn: &mut PgConnection) -> sqlx::Result<Vec<RegionUse>> {
    sqlx::query_as(
        "SELECT r.id, r.name, r.kind, r.parent_id,
                (SELECT count(*) FROM users u WHERE u.region_id = r.id AND u.active) AS officials,
                (SELECT count(*) FROM proposals p WHERE p.region_id = r.id) AS proposals
         FROM regions r ORDER BY r.kind = 'county', r.name",
    )
    .fetch_all(conn)
    .await
}
