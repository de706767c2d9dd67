//! Standard versions in the database: the built-in ones written at start-up
//! (idempotently, refusing a changed file that kept its version number), the
//! active version, and look-ups by code.

use anyhow::bail;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;

use crate::standards::{self, Standard};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StandardRow {
    pub id: i64,
    pub code: String,
    pub version: i32,
    pub status: String,
    pub definition: sqlx::types::Json<Standard>,
}

impl StandardRow {
    pub fn standard(&self) -> &Standard {
        &self.definition.0
    }
}

/// SHA-256 of the canonical JSON (object keys sorted, no spaces).
pub fn content_hash(standard: &Standard) -> String {
    let canonical = serde_json::to_value(standard).map(|v| v.to_string()).unwrap_or_default();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Writes the built-in standards, and makes the default one active when no
/// version is. Run at every start (under an advisory lock: instances may
/// start together).
pub async fn sync_builtin(conn: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(7170002)").execute(&mut *conn).await?;
    if standards::builtin().len() != standards::BUILTIN_SOURCES.len() {
        bail!("a built-in standard file does not parse; this build is broken");
    }
    for standard in standards::builtin() {
        let hash = content_hash(standard);
        let existing: Option<(String, bool)> =
            sqlx::query_as("SELECT content_hash, builtin FROM standards WHERE code = $1 AND version = $2")
                .bind(&standard.code)
                .bind(standard.version)
                .fetch_optional(&mut *conn)
                .await?;
        match existing {
            Some((stored, _)) if stored == hash => {}
            Some(_) => bail!(
                "the built-in standard {} version {} differs from the one already in the database; \
                 a standard version never changes once written: give the changed file a new version number",
                standard.code,
                standard.version
            ),
            None => {
                sqlx::query(
                    "INSERT INTO standards (code, version, name_zh, name_en, effective_from, definition, content_hash, status, builtin)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'published', true)",
                )
                .bind(&standard.code)
                .bind(standard.version)
                .bind(&standard.name_zh)
                .bind(&standard.name_en)
                .bind(standard.effective_from)
                .bind(sqlx::types::Json(standard))
                .bind(&hash)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    let (code, version) = standards::ACTIVE_BUILTIN;
    sqlx::query(
        "UPDATE standards SET status = 'active', activated_at = now()
         WHERE code = $1 AND version = $2 AND NOT EXISTS (SELECT 1 FROM standards WHERE status = 'active')",
    )
    .bind(code)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const SELECT: &str = "SELECT id, code, version, status, definition FROM standards";

/// The version new submissions are evaluated under.
pub async fn active(conn: &mut PgConnection) -> sqlx::Result<Option<StandardRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE status = 'active'")).fetch_optional(conn).await
}

/// The newest non-draft version of a code (`?standard=CODE`).
pub async fn newest(conn: &mut PgConnection, code: &str) -> sqlx::Result<Option<StandardRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE code = $1 AND status <> 'draft' ORDER BY version DESC LIMIT 1"))
        .bind(code)
        .fetch_optional(conn)
        .await
}

pub async fn get(conn: &mut PgConnection, code: &str, version: i32) -> sqlx::Result<Option<StandardRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE code = $1 AND version = $2"))
        .bind(code)
        .bind(version)
        .fetch_optional(conn)
        .await
}

/// Every non-draft version, newest first within each code.
pub async fn list_published(conn: &mut PgConnection) -> sqlx::Result<Vec<StandardRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE status <> 'draft' ORDER BY code, version DESC")).fetch_all(conn).await
}
