//! Application materials: file contents by SHA-256 in chunks (written once,
//! read one chunk at a time), the uploads of each proposal, and the sets
//! frozen with submissions. Lists never read `material_chunks`.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

/// One upload, with its file's size and kind and who uploaded it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct MaterialRow {
    pub id: i64,
    pub proposal_id: i64,
    pub material_type: String,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub kind: String,
    pub uploaded_by_name: String,
    pub uploaded_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

const SELECT: &str = "SELECT m.id, m.proposal_id, m.material_type, m.file_name, m.sha256, f.size, f.kind,
        u.display_name AS uploaded_by_name, m.uploaded_at, m.retired_at
     FROM materials m
     JOIN material_files f ON f.sha256 = m.sha256
     JOIN users u ON u.id = m.uploaded_by";

/// The proposal's current materials (one per type at most).
pub async fn current(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Vec<MaterialRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE m.proposal_id = $1 AND m.retired_at IS NULL ORDER BY m.material_type"
    ))
    .bind(proposal_id)
    .fetch_all(conn)
    .await
}

/// Upload `id` of the proposal, current or retired.
pub async fn get(conn: &mut PgConnection, proposal_id: i64, id: i64) -> sqlx::Result<Option<MaterialRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE m.proposal_id = $1 AND m.id = $2"))
        .bind(proposal_id)
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The current material types of every proposal that has any.
pub async fn all_current_types(conn: &mut PgConnection) -> sqlx::Result<Vec<(i64, Vec<String>)>> {
    sqlx::query_as(
        "SELECT proposal_id, array_agg(material_type) FROM materials
         WHERE retired_at IS NULL GROUP BY proposal_id",
    )
    .fetch_all(conn)
    .await
}

/// The material types frozen with an evaluation.
pub async fn frozen_types(conn: &mut PgConnection, evaluation_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT m.material_type FROM submitted_materials s JOIN materials m ON m.id = s.material_id
         WHERE s.evaluation_id = $1",
    )
    .bind(evaluation_id)
    .fetch_all(conn)
    .await
}

/// Freezes with evaluation `to` the materials frozen with `from` (a
/// re-evaluation is of the proposal as last submitted).
pub async fn copy_frozen(conn: &mut PgConnection, from: i64, to: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO submitted_materials (evaluation_id, material_id)
         SELECT $2, material_id FROM submitted_materials WHERE evaluation_id = $1",
    )
    .bind(from)
    .bind(to)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Bytes of the proposal's current materials, leaving out the types about
/// to be replaced.
pub async fn current_bytes(conn: &mut PgConnection, proposal_id: i64, replaced: &[&str]) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COALESCE(SUM(f.size), 0)::BIGINT FROM materials m JOIN material_files f ON f.sha256 = m.sha256
         WHERE m.proposal_id = $1 AND m.retired_at IS NULL AND m.material_type <> ALL($2)",
    )
    .bind(proposal_id)
    .bind(replaced)
    .fetch_one(conn)
    .await
}

/// Records a file's content row; `false` when that content is stored
/// already (its chunks are then not written again). Two uploads of the same
/// new file wait for each other here: one writes, the other finds it.
pub async fn insert_file(conn: &mut PgConnection, sha256: &str, size: i64, kind: &str) -> sqlx::Result<bool> {
    let inserted: Option<(String,)> = sqlx::query_as(
        "INSERT INTO material_files (sha256, size, kind) VALUES ($1, $2, $3)
         ON CONFLICT (sha256) DO NOTHING RETURNING sha256",
    )
    .bind(sha256)
    .bind(size)
    .bind(kind)
    .fetch_optional(conn)
    .await?;
    Ok(inserted.is_some())
}

pub async fn insert_chunk(conn: &mut PgConnection, sha256: &str, seq: i32, data: &[u8]) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO material_chunks (sha256, seq, data) VALUES ($1, $2, $3)")
        .bind(sha256)
        .bind(seq)
        .bind(data)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Chunk `seq` of a file; `None` past its end.
pub async fn chunk(db: &PgPool, sha256: &str, seq: i32) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar("SELECT data FROM material_chunks WHERE sha256 = $1 AND seq = $2")
        .bind(sha256)
        .bind(seq)
        .fetch_optional(&mut *super::acquire(db).await?)
        .await
}

/// Retires the current upload of a type (replaced or removed); its id.
pub async fn retire_current(
    conn: &mut PgConnection,
    proposal_id: i64,
    material_type: &str,
    user_id: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE materials SET retired_at = now(), retired_by = $3
         WHERE proposal_id = $1 AND material_type = $2 AND retired_at IS NULL RETURNING id",
    )
    .bind(proposal_id)
    .bind(material_type)
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

/// Retires upload `id` if it is current; the retired row's type.
pub async fn retire(conn: &mut PgConnection, proposal_id: i64, id: i64, user_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "UPDATE materials SET retired_at = now(), retired_by = $3
         WHERE proposal_id = $1 AND id = $2 AND retired_at IS NULL RETURNING material_type",
    )
    .bind(proposal_id)
    .bind(id)
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

pub struct NewMaterial<'a> {
    pub proposal_id: i64,
    pub material_type: &'a str,
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub uploaded_by: i64,
}

pub async fn insert(conn: &mut PgConnection, m: NewMaterial<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO materials (proposal_id, material_type, file_name, sha256, uploaded_by)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(m.proposal_id)
    .bind(m.material_type)
    .bind(m.file_name)
    .bind(m.sha256)
    .bind(m.uploaded_by)
    .fetch_one(conn)
    .await
}

/// Freezes the proposal's current materials with a submission's evaluation.
pub async fn freeze(conn: &mut PgConnection, proposal_id: i64, evaluation_id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO submitted_materials (evaluation_id, material_id)
         SELECT $2, id FROM materials WHERE proposal_id = $1 AND retired_at IS NULL",
    )
    .bind(proposal_id)
    .bind(evaluation_id)
    .execute(conn)
    .await
    .map(|_| ())
}
