//! A batch's public notice (公示) and the objections raised during it,
//! with the files objectors send. Objectors' personal data lives only in
//! `objections` and `objection_files`, and is masked in place by [`erase_due`].

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use sqlx::types::Json;

use crate::domain::publication::NoticeChange;

/// The key that signs form tokens and hashes addresses.
pub async fn form_key(conn: &mut PgConnection) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT key FROM objection_form_key")
        .fetch_one(conn)
        .await
}

/// The 文号 and the notice switch of a draft list batch.
pub async fn set_settings(conn: &mut PgConnection, id: i64, document_number: &str, required: bool) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE batches SET document_number = $2, notice_required = $3 AND kind = 'list'
         WHERE id = $1 AND status = 'draft'",
    )
    .bind(id)
    .bind(document_number)
    .bind(required)
    .execute(conn)
    .await?;
    Ok(())
}

/// Puts a locked draft on notice (its entries frozen first).
pub async fn start(
    conn: &mut PgConnection,
    id: i64,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    hash: &str,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE batches SET status = 'notice', notice_starts_on = $2, notice_ends_on = $3, notice_hash = $4,
             notice_started_at = $5
         WHERE id = $1 AND status = 'draft'",
    )
    .bind(id)
    .bind(starts_on)
    .bind(ends_on)
    .bind(hash)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The notice's new hash and changes after an upheld objection.
pub async fn refreeze(conn: &mut PgConnection, id: i64, hash: &str, changes: &[NoticeChange]) -> sqlx::Result<()> {
    sqlx::query("UPDATE batches SET notice_hash = $2, notice_changes = $3 WHERE id = $1 AND status = 'notice'")
        .bind(id)
        .bind(hash)
        .bind(Json(changes))
        .execute(conn)
        .await?;
    Ok(())
}

pub struct NewFile<'a> {
    pub sha256: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

pub async fn insert_file(conn: &mut PgConnection, file: NewFile<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO objection_files (sha256, content_type, size, bytes) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(file.sha256)
    .bind(file.content_type)
    .bind(file.bytes.len() as i32)
    .bind(file.bytes)
    .fetch_one(conn)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileRow {
    pub id: i64,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

pub async fn file(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<FileRow>> {
    sqlx::query_as("SELECT id, content_type, bytes FROM objection_files WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub struct NewObjection<'a> {
    pub reference: &'a str,
    pub batch_id: i64,
    pub proposal_id: i64,
    pub town_name: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub contact: &'a str,
    pub phone: &'a str,
    pub letter_file_id: Option<i64>,
    pub evidence_file_id: Option<i64>,
    pub grounds: &'a str,
    pub address_hash: &'a str,
    pub at: DateTime<Utc>,
}

pub async fn insert(conn: &mut PgConnection, o: NewObjection<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO objections (reference, batch_id, proposal_id, town_name, objector_kind, objector_name,
             contact_name, phone, letter_file_id, evidence_file_id, grounds, address_hash, submitted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(o.reference)
    .bind(o.batch_id)
    .bind(o.proposal_id)
    .bind(o.town_name)
    .bind(o.kind)
    .bind(o.name)
    .bind(o.contact)
    .bind(o.phone)
    .bind(o.letter_file_id)
    .bind(o.evidence_file_id)
    .bind(o.grounds)
    .bind(o.address_hash)
    .bind(o.at)
    .fetch_one(conn)
    .await
}

/// Objections sent since `since` from one address, and to one batch.
pub async fn recent_counts(
    conn: &mut PgConnection,
    address_hash: &str,
    batch_id: i64,
    since: DateTime<Utc>,
) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM objections WHERE address_hash = $1 AND submitted_at >= $3),
                (SELECT count(*) FROM objections WHERE batch_id = $2 AND submitted_at >= $3)",
    )
    .bind(address_hash)
    .bind(batch_id)
    .bind(since)
    .fetch_one(conn)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ObjectionRow {
    pub id: i64,
    pub reference: String,
    pub batch_id: i64,
    pub batch_title: String,
    pub proposal_id: i64,
    pub town_name: String,
    pub objector_kind: String,
    pub objector_name: String,
    pub contact_name: String,
    pub phone: String,
    pub letter_file_id: Option<i64>,
    pub evidence_file_id: Option<i64>,
    pub grounds: String,
    pub submitted_at: DateTime<Utc>,
    pub status: String,
    pub outcome: Option<String>,
    pub resolution_reason: String,
    pub reply: String,
    pub resolved_at: Option<DateTime<Utc>>,
    pub erased_at: Option<DateTime<Utc>>,
}

const SELECT: &str = "SELECT o.id, o.reference, o.batch_id, b.title AS batch_title, o.proposal_id, o.town_name,
        o.objector_kind, o.objector_name, o.contact_name, o.phone, o.letter_file_id, o.evidence_file_id, o.grounds,
        o.submitted_at, o.status, o.outcome, o.resolution_reason, o.reply, o.resolved_at, o.erased_at
    FROM objections o JOIN batches b ON b.id = o.batch_id";

pub async fn get(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<ObjectionRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE o.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<ObjectionRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE o.id = $1 FOR UPDATE OF o"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// An objection by its reference and the phone number it was sent with.
pub async fn find(conn: &mut PgConnection, reference: &str, phone: &str) -> sqlx::Result<Option<ObjectionRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE o.reference = $1 AND o.phone = $2 AND o.erased_at IS NULL"
    ))
    .bind(reference)
    .bind(phone)
    .fetch_optional(conn)
    .await
}

/// A batch's objections, oldest first.
pub async fn of_batch(conn: &mut PgConnection, batch_id: i64) -> sqlx::Result<Vec<ObjectionRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE o.batch_id = $1 ORDER BY o.submitted_at, o.id"))
        .bind(batch_id)
        .fetch_all(conn)
        .await
}

pub async fn open_count(conn: &mut PgConnection, batch_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM objections WHERE batch_id = $1 AND status = 'open'")
        .bind(batch_id)
        .fetch_one(conn)
        .await
}

pub struct Resolution<'a> {
    pub status: &'a str,
    pub outcome: Option<&'a str>,
    pub reason: &'a str,
    pub reply: &'a str,
    pub by: i64,
}

pub async fn resolve(conn: &mut PgConnection, id: i64, r: Resolution<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE objections SET status = $2, outcome = $3, resolution_reason = $4, reply = $5, resolved_by = $6,
             resolved_at = now()
         WHERE id = $1 AND status = 'open'",
    )
    .bind(id)
    .bind(r.status)
    .bind(r.outcome)
    .bind(r.reason)
    .bind(r.reply)
    .bind(r.by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Personal data due for erasure: objections to batches published at
/// least `after_days` days before `now`, not yet erased.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Personal {
    pub id: i64,
    pub objector_name: String,
    pub contact_name: String,
    pub phone: String,
}

pub async fn due_for_erasure(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    after_days: i64,
) -> sqlx::Result<Vec<Personal>> {
    sqlx::query_as(
        "SELECT o.id, o.objector_name, o.contact_name, o.phone FROM objections o JOIN batches b ON b.id = o.batch_id
         WHERE b.status = 'published' AND o.erased_at IS NULL
           AND b.published_at + make_interval(days => $2::int) <= $1
         ORDER BY o.id FOR UPDATE OF o",
    )
    .bind(now)
    .bind(after_days.clamp(0, i64::from(i32::MAX)) as i32)
    .fetch_all(conn)
    .await
}

/// Replaces an objection's personal data by its masked form and lets go of
/// its files and address.
pub async fn mask(conn: &mut PgConnection, masked: &Personal, at: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE objections SET objector_name = $2, contact_name = $3, phone = $4, address_hash = NULL,
             letter_file_id = NULL, evidence_file_id = NULL, erased_at = $5
         WHERE id = $1",
    )
    .bind(masked.id)
    .bind(&masked.objector_name)
    .bind(&masked.contact_name)
    .bind(&masked.phone)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes files no objection names any more.
pub async fn delete_orphan_files(conn: &mut PgConnection) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "DELETE FROM objection_files f WHERE NOT EXISTS (
             SELECT 1 FROM objections o WHERE o.letter_file_id = f.id OR o.evidence_file_id = f.id)",
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
