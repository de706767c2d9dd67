//! Standard versions in the database: the built-in ones written at start-up
//! (idempotently, refusing a changed file that kept its version number), the
//! active version, and look-ups by code.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use anyhow::bail;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;

use super::proposals::{ProposalRow, ROW_COLUMNS};
use crate::domain::{Lang, Status};
use crate::standards::{self, Standard};

#[derive(Debug, Clone)]
pub struct StandardRow {
    pub id: i64,
    pub code: String,
    pub version: i32,
    pub status: String,
    pub definition: Arc<Standard>,
}

impl StandardRow {
    pub fn standard(&self) -> &Standard {
        &self.definition
    }
}

/// A version without its definition: what every look-up reads first.
#[derive(sqlx::FromRow)]
struct Meta {
    id: i64,
    code: String,
    version: i32,
    status: String,
    content_hash: String,
}

/// Parsed definitions by content hash. A hash names one exact content, so an
/// entry can never be stale — drafts included, and with several instances.
/// Evaluating (the API, submissions, the live panel) thus reads a few bytes
/// per request instead of parsing the whole definition again.
type Cache = RwLock<HashMap<String, Arc<Standard>>>;
static DEFINITIONS: LazyLock<Cache> = LazyLock::new(Default::default);
/// Edited drafts add entries; past this many the cache starts afresh.
const CACHE_LIMIT: usize = 256;

async fn hydrate(conn: &mut PgConnection, meta: Meta) -> sqlx::Result<StandardRow> {
    let cached = DEFINITIONS.read().ok().and_then(|c| c.get(&meta.content_hash).cloned());
    let definition = match cached {
        Some(d) => d,
        None => {
            let sqlx::types::Json(standard): sqlx::types::Json<Standard> =
                sqlx::query_scalar("SELECT definition FROM standards WHERE id = $1")
                    .bind(meta.id)
                    .fetch_one(conn)
                    .await?;
            let standard = Arc::new(standard);
            if let Ok(mut cache) = DEFINITIONS.write() {
                if cache.len() >= CACHE_LIMIT {
                    cache.clear();
                }
                cache.insert(meta.content_hash.clone(), standard.clone());
            }
            standard
        }
    };
    Ok(StandardRow {
        id: meta.id,
        code: meta.code,
        version: meta.version,
        status: meta.status,
        definition,
    })
}

async fn one(conn: &mut PgConnection, meta: Option<Meta>) -> sqlx::Result<Option<StandardRow>> {
    match meta {
        Some(m) => Ok(Some(hydrate(conn, m).await?)),
        None => Ok(None),
    }
}

/// SHA-256 of the canonical JSON (object keys sorted, no spaces).
pub fn content_hash(standard: &Standard) -> String {
    let canonical = serde_json::to_value(standard)
        .map(|v| v.to_string())
        .unwrap_or_default();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Writes the built-in standards, and makes the default one active when no
/// version is. Run at every start (under an advisory lock: instances may
/// start together).
///
/// A built-in file is known by its code and the version it ships as
/// (`shipped_version`). It is stored under that number when the number is
/// free; when the installation has used it already (an admin's copy of the
/// active version takes the next number, so a copy of version 4 is 5), the
/// file takes the next free number instead and is recognised by its shipped
/// number from then on. The stored content must be the file's, renumbered:
/// a changed file that kept its version number is refused.
pub async fn sync_builtin(conn: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(7170002)")
        .execute(&mut *conn)
        .await?;
    if standards::builtin().len() != standards::BUILTIN_SOURCES.len() {
        bail!("a built-in standard file does not parse; this build is broken");
    }
    for standard in standards::builtin() {
        let existing: Option<(i32, String)> = sqlx::query_as(
            "SELECT version, content_hash FROM standards WHERE builtin AND code = $1 AND shipped_version = $2",
        )
        .bind(&standard.code)
        .bind(standard.version)
        .fetch_optional(&mut *conn)
        .await?;
        match existing {
            Some((stored_as, stored)) if stored == content_hash(&numbered(standard, stored_as)) => {}
            Some(_) => bail!(
                "the built-in standard {} version {} differs from the one already in the database; \
                 a standard version never changes once written: give the changed file a new version number",
                standard.code,
                standard.version
            ),
            None => {
                let taken: bool =
                    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM standards WHERE code = $1 AND version = $2)")
                        .bind(&standard.code)
                        .bind(standard.version)
                        .fetch_one(&mut *conn)
                        .await?;
                let number = if taken {
                    next_version(conn, &standard.code).await?
                } else {
                    standard.version
                };
                if number != standard.version {
                    tracing::warn!(
                        code = %standard.code,
                        shipped = standard.version,
                        stored_as = number,
                        "this installation already has a version {} of {}; the built-in one is stored as version {}",
                        standard.version,
                        standard.code,
                        number
                    );
                }
                let stored = numbered(standard, number);
                sqlx::query(
                    "INSERT INTO standards (code, version, name_zh, name_en, effective_from, definition, content_hash,
                         status, builtin, shipped_version)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'published', true, $8)",
                )
                .bind(&stored.code)
                .bind(stored.version)
                .bind(&stored.name_zh)
                .bind(&stored.name_en)
                .bind(stored.effective_from)
                .bind(sqlx::types::Json(&stored))
                .bind(content_hash(&stored))
                .bind(standard.version)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    let (code, version) = standards::ACTIVE_BUILTIN;
    sqlx::query(
        "UPDATE standards SET status = 'active', activated_at = now()
         WHERE builtin AND code = $1 AND shipped_version = $2
           AND NOT EXISTS (SELECT 1 FROM standards WHERE status = 'active')",
    )
    .bind(code)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A built-in standard as stored under `version` (its own number, or the
/// next free one when the installation used its number already).
fn numbered(standard: &Standard, version: i32) -> std::borrow::Cow<'_, Standard> {
    if standard.version == version {
        std::borrow::Cow::Borrowed(standard)
    } else {
        let mut s = standard.clone();
        s.version = version;
        std::borrow::Cow::Owned(s)
    }
}

const SELECT: &str = "SELECT id, code, version, status, content_hash FROM standards";

/// The version new submissions are evaluated under.
pub async fn active(conn: &mut PgConnection) -> sqlx::Result<Option<StandardRow>> {
    let meta = sqlx::query_as(&format!("{SELECT} WHERE status = 'active'"))
        .fetch_optional(&mut *conn)
        .await?;
    one(conn, meta).await
}

/// The newest non-draft version of a code (`?standard=CODE`).
pub async fn newest(conn: &mut PgConnection, code: &str) -> sqlx::Result<Option<StandardRow>> {
    let meta = sqlx::query_as(&format!(
        "{SELECT} WHERE code = $1 AND status <> 'draft' ORDER BY version DESC LIMIT 1"
    ))
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?;
    one(conn, meta).await
}

/// The definition of a version, for showing evaluations made under it (no
/// second parse: see `DEFINITIONS`).
pub async fn definition(conn: &mut PgConnection, code: &str, version: i32) -> sqlx::Result<Option<Arc<Standard>>> {
    Ok(get(conn, code, version).await?.map(|row| row.definition))
}

/// The definition with this content hash, read from the database only the
/// first time (the hash names one exact content, so the copy is never stale,
/// whatever database or instance asks).
pub async fn definition_by_hash(conn: &mut PgConnection, id: i64, content_hash: &str) -> sqlx::Result<Arc<Standard>> {
    let cached = DEFINITIONS.read().ok().and_then(|c| c.get(content_hash).cloned());
    match cached {
        Some(d) => Ok(d),
        None => {
            let meta: Meta = sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
                .bind(id)
                .fetch_one(&mut *conn)
                .await?;
            Ok(hydrate(conn, meta).await?.definition)
        }
    }
}

pub async fn get(conn: &mut PgConnection, code: &str, version: i32) -> sqlx::Result<Option<StandardRow>> {
    let meta = sqlx::query_as(&format!("{SELECT} WHERE code = $1 AND version = $2"))
        .bind(code)
        .bind(version)
        .fetch_optional(&mut *conn)
        .await?;
    one(conn, meta).await
}

/// Every non-draft version, newest first within each code.
pub async fn list_published(conn: &mut PgConnection) -> sqlx::Result<Vec<StandardRow>> {
    let metas: Vec<Meta> = sqlx::query_as(&format!("{SELECT} WHERE status <> 'draft' ORDER BY code, version DESC"))
        .fetch_all(&mut *conn)
        .await?;
    let mut rows = Vec::with_capacity(metas.len());
    for meta in metas {
        rows.push(hydrate(conn, meta).await?);
    }
    Ok(rows)
}

// ---- Administration (versions, drafts, activation, what-if) ----

/// A version as the admin pages list it, with how many evaluations used it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AdminRow {
    pub id: i64,
    pub code: String,
    pub version: i32,
    pub status: String,
    pub name_zh: String,
    pub name_en: String,
    pub effective_from: Option<chrono::NaiveDate>,
    pub builtin: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub activated_at: Option<chrono::DateTime<chrono::Utc>>,
    pub content_hash: String,
    pub evaluations: i64,
    pub definition: sqlx::types::Json<Standard>,
}

impl AdminRow {
    pub fn standard(&self) -> &Standard {
        &self.definition.0
    }

    pub fn is_used(&self) -> bool {
        self.evaluations > 0
    }
}

const ADMIN_SELECT: &str =
    "SELECT s.id, s.code, s.version, s.status, s.name_zh, s.name_en, s.effective_from, s.builtin,
        s.created_at, s.activated_at, s.content_hash, s.definition,
        COALESCE((SELECT u.evaluations FROM standard_usage u WHERE u.standard_id = s.id), 0) AS evaluations
    FROM standards s";

/// A version as the admins' list shows it: without its definition (the
/// versions' definitions together are some 60 KB each to decode).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionSummary {
    pub id: i64,
    pub code: String,
    pub version: i32,
    pub status: String,
    pub name_zh: String,
    pub name_en: String,
    pub effective_from: Option<chrono::NaiveDate>,
    pub builtin: bool,
    pub evaluations: i64,
}

impl VersionSummary {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.name_zh,
            Lang::En => &self.name_en,
        }
    }
}

/// Every version, by code then newest first.
pub async fn list_all(conn: &mut PgConnection) -> sqlx::Result<Vec<VersionSummary>> {
    sqlx::query_as(
        "SELECT s.id, s.code, s.version, s.status, s.name_zh, s.name_en, s.effective_from, s.builtin,
                COALESCE(u.evaluations, 0) AS evaluations
         FROM standards s LEFT JOIN standard_usage u ON u.standard_id = s.id
         ORDER BY s.code, s.version DESC",
    )
    .fetch_all(conn)
    .await
}

pub async fn get_admin(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<AdminRow>> {
    sqlx::query_as(&format!("{ADMIN_SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The row, locked until the transaction ends (`FOR UPDATE`).
pub async fn lock_admin(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<AdminRow>> {
    sqlx::query_as(&format!("{ADMIN_SELECT} WHERE s.id = $1 FOR UPDATE OF s"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The next free version number of a code (1 for a new code).
pub async fn next_version(conn: &mut PgConnection, code: &str) -> sqlx::Result<i32> {
    sqlx::query_scalar("SELECT COALESCE(max(version), 0) + 1 FROM standards WHERE code = $1")
        .bind(code)
        .fetch_one(conn)
        .await
}

/// Writes a new draft; returns its id.
pub async fn insert_draft(conn: &mut PgConnection, standard: &Standard, created_by: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO standards (code, version, name_zh, name_en, effective_from, definition, content_hash, status,
             builtin, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', false, $8) RETURNING id",
    )
    .bind(&standard.code)
    .bind(standard.version)
    .bind(&standard.name_zh)
    .bind(&standard.name_en)
    .bind(standard.effective_from)
    .bind(sqlx::types::Json(standard))
    .bind(content_hash(standard))
    .bind(created_by)
    .fetch_one(conn)
    .await
}

/// Replaces a draft's definition (the trigger refuses it for any other row).
pub async fn update_draft(conn: &mut PgConnection, id: i64, standard: &Standard) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE standards SET name_zh = $2, name_en = $3, effective_from = $4, definition = $5, content_hash = $6
         WHERE id = $1 AND status = 'draft'",
    )
    .bind(id)
    .bind(&standard.name_zh)
    .bind(&standard.name_en)
    .bind(standard.effective_from)
    .bind(sqlx::types::Json(standard))
    .bind(content_hash(standard))
    .execute(conn)
    .await?;
    Ok(())
}

/// A draft becomes published.
pub async fn publish(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE standards SET status = 'published' WHERE id = $1 AND status = 'draft'")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Serialises activations across instances until the transaction ends.
pub async fn lock_activation(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(7170003)")
        .execute(conn)
        .await?;
    Ok(())
}

/// Makes `id` the active version from `effective_from`; the version active
/// until now becomes published. Call under `lock_activation`.
pub async fn activate(
    conn: &mut PgConnection,
    id: i64,
    effective_from: chrono::NaiveDate,
) -> sqlx::Result<Option<i64>> {
    let previous: Option<i64> = sqlx::query_scalar(
        "UPDATE standards SET status = 'published' WHERE status = 'active' AND id <> $1 RETURNING id",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    sqlx::query("UPDATE standards SET status = 'active', effective_from = $2, activated_at = now() WHERE id = $1")
        .bind(id)
        .bind(effective_from)
        .execute(&mut *conn)
        .await?;
    Ok(previous)
}

/// Every proposal the what-if scores: submitted and approved ones, and the
/// towns on the creation list (listed, named, demoted), read in one query
/// (a [`ProposalRow`]'s columns, the regions joined: they are many rows).
pub async fn whatif_proposals(conn: &mut PgConnection) -> sqlx::Result<Vec<ProposalRow>> {
    let statuses: Vec<&str> = [Status::Submitted, Status::Approved]
        .into_iter()
        .chain(Status::ON_CREATION_LIST)
        .map(Status::code)
        .collect();
    sqlx::query_as(&format!(
        "SELECT {ROW_COLUMNS}, r.name AS region_name FROM proposals p JOIN regions r ON r.id = p.region_id
         WHERE p.status = ANY($1) ORDER BY p.id"
    ))
    .bind(statuses)
    .fetch_all(conn)
    .await
}

/// One version by id (a round's standard version).
pub async fn by_id(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<StandardRow>> {
    let meta = sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    one(conn, meta).await
}
