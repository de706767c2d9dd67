//! Batches of the creation list and their entries. A published batch and its
//! entries never change (a trigger refuses it, see the batches_guard
//! migration); each entry of a published batch carries the town frozen as it
//! was published ([`FrozenTown`]), so its public pages read the same for ever.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use sqlx::types::Json;

use crate::domain::Status;
use crate::domain::publication::NoticeChange;

/// A town as published: the figures, the standard and every finding with its
/// final verdict. Labels are frozen in both languages so that a later change
/// of wording never alters a published record (or its content hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrozenTown {
    pub proposal_id: i64,
    pub name: String,
    pub region: String,
    pub industry: String,
    pub industry_zh: String,
    pub industry_en: String,
    pub planned_area_km2: Decimal,
    pub built_area_km2: Decimal,
    pub total_investment_yi: Decimal,
    pub eligible_investment_yi: Decimal,
    pub characteristic_investment_yi: Decimal,
    /// characteristic / eligible investment, in percent, two decimals.
    pub characteristic_share_pct: Decimal,
    pub evaluation_id: i64,
    /// The approving review whose overrides and final verdict are frozen
    /// (absent in towns frozen before entries named it).
    #[serde(default)]
    pub review_id: Option<i64>,
    pub standard: FrozenStandard,
    /// The engine's verdict, and the final one after reviewers' overrides.
    pub computed_overall: String,
    pub overall: String,
    /// Absent when only the summary was read (`entry_summaries`).
    #[serde(default)]
    pub findings: Vec<FrozenFinding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrozenStandard {
    pub code: String,
    pub version: i32,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrozenFinding {
    pub criterion: String,
    pub label_zh: String,
    pub label_en: String,
    pub severity: String,
    pub computed_verdict: String,
    pub verdict: String,
    pub actual_zh: Option<String>,
    pub actual_en: Option<String>,
    pub required_zh: Option<String>,
    pub required_en: Option<String>,
    pub message_zh: String,
    pub message_en: String,
    pub citation: String,
    /// Set when a reviewer overrode the computed verdict: why.
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BatchRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub introduction: String,
    pub withdraws_batch_id: Option<i64>,
    pub status: String,
    pub content_hash: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub published_by: Option<i64>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub entries: i64,
    /// 文号; empty when none was given.
    pub document_number: String,
    /// The batch goes on public notice (公示) before it is published.
    pub notice_required: bool,
    pub notice_starts_on: Option<chrono::NaiveDate>,
    /// The notice ends at 24:00 China time on this day.
    pub notice_ends_on: Option<chrono::NaiveDate>,
    pub notice_hash: Option<String>,
    pub notice_changes: Json<Vec<NoticeChange>>,
}

impl BatchRow {
    pub fn is_published(&self) -> bool {
        self.status == "published"
    }

    pub fn is_withdrawal(&self) -> bool {
        self.kind == "withdrawal"
    }

    pub fn is_on_notice(&self) -> bool {
        self.status == "notice"
    }
}

const SELECT: &str = "SELECT b.id, b.kind, b.title, b.introduction, b.withdraws_batch_id, b.status, b.content_hash,
        b.published_at, b.published_by, b.created_by, b.created_at,
        (SELECT count(*) FROM batch_entries e WHERE e.batch_id = b.id) AS entries,
        b.document_number, b.notice_required, b.notice_starts_on, b.notice_ends_on, b.notice_hash, b.notice_changes
    FROM batches b";

pub struct NewBatch<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub introduction: &'a str,
    pub withdraws_batch_id: Option<i64>,
    pub created_by: i64,
    pub notice_required: bool,
}

pub async fn insert(conn: &mut PgConnection, new: NewBatch<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO batches (kind, title, introduction, withdraws_batch_id, created_by, notice_required)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(new.kind)
    .bind(new.title)
    .bind(new.introduction)
    .bind(new.withdraws_batch_id)
    .bind(new.created_by)
    .bind(new.notice_required)
    .fetch_one(conn)
    .await
}

pub async fn get(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<BatchRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE b.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// A published batch, or nothing (drafts are not public).
pub async fn get_published(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<BatchRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE b.id = $1 AND b.status = 'published'"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// A batch on public notice, or nothing.
pub async fn get_on_notice(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<BatchRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE b.id = $1 AND b.status = 'notice'"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Batches on public notice, the soonest to end first.
pub async fn list_on_notice(conn: &mut PgConnection) -> sqlx::Result<Vec<BatchRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE b.status = 'notice' ORDER BY b.notice_ends_on, b.id"
    ))
    .fetch_all(conn)
    .await
}

/// The batch row locked for the rest of the transaction: two publications
/// (or an edit and a publication) of one batch run one after the other.
pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<BatchRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE b.id = $1 FOR UPDATE OF b"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Every batch, drafts and notices first, then newest publication first.
pub async fn list_all(conn: &mut PgConnection) -> sqlx::Result<Vec<BatchRow>> {
    sqlx::query_as(&format!(
        "{SELECT} ORDER BY (b.status <> 'published') DESC, b.published_at DESC NULLS LAST, b.id DESC"
    ))
    .fetch_all(conn)
    .await
}

/// Published batches, newest first.
pub async fn list_published(conn: &mut PgConnection) -> sqlx::Result<Vec<BatchRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE b.status = 'published' ORDER BY b.published_at DESC, b.id DESC"
    ))
    .fetch_all(conn)
    .await
}

pub async fn update_text(conn: &mut PgConnection, id: i64, title: &str, introduction: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE batches SET title = $2, introduction = $3 WHERE id = $1 AND status = 'draft'")
        .bind(id)
        .bind(title)
        .bind(introduction)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks a locked draft (or a batch whose notice has ended) published.
pub async fn mark_published(
    conn: &mut PgConnection,
    id: i64,
    at: DateTime<Utc>,
    by: i64,
    content_hash: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE batches SET status = 'published', published_at = $2, published_by = $3, content_hash = $4
         WHERE id = $1 AND status IN ('draft', 'notice')",
    )
    .bind(id)
    .bind(at)
    .bind(by)
    .bind(content_hash)
    .execute(conn)
    .await?;
    Ok(())
}

/// An entry with the proposal's current name, region and status (for the
/// draft editor), and what was frozen at publication.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EntryRow {
    pub id: i64,
    pub batch_id: i64,
    pub proposal_id: i64,
    pub position: i32,
    pub evaluation_id: Option<i64>,
    pub final_overall: Option<String>,
    pub final_findings: Option<Json<FrozenTown>>,
    pub reason: String,
    pub proposal_name: String,
    pub region_name: String,
    pub proposal_status: String,
    /// A withdrawal for missing the town's targets (追惩制 applies).
    pub missed_targets: bool,
}

const ENTRY_SELECT: &str = "SELECT e.id, e.batch_id, e.proposal_id, e.position, e.evaluation_id, e.final_overall,
        e.final_findings, e.reason, p.name AS proposal_name, r.name AS region_name, p.status AS proposal_status,
        e.missed_targets
    FROM batch_entries e JOIN proposals p ON p.id = e.proposal_id JOIN regions r ON r.id = p.region_id";

/// A batch's entries in their order.
pub async fn entries(conn: &mut PgConnection, batch_id: i64) -> sqlx::Result<Vec<EntryRow>> {
    sqlx::query_as(&format!(
        "{ENTRY_SELECT} WHERE e.batch_id = $1 ORDER BY e.position, e.id"
    ))
    .bind(batch_id)
    .fetch_all(conn)
    .await
}

/// The entries without their frozen findings (the bulk of each row): what
/// the batch page and its tables show.
pub async fn entry_summaries(conn: &mut PgConnection, batch_id: i64) -> sqlx::Result<Vec<EntryRow>> {
    let select = ENTRY_SELECT.replace("e.final_findings,", "e.final_findings - 'findings' AS final_findings,");
    sqlx::query_as(&format!("{select} WHERE e.batch_id = $1 ORDER BY e.position, e.id"))
        .bind(batch_id)
        .fetch_all(conn)
        .await
}

/// Marks a withdrawal entry as leaving for missing its targets, or not;
/// `false` when there is no such entry.
pub async fn set_missed_targets(
    conn: &mut PgConnection,
    batch_id: i64,
    entry_id: i64,
    missed: bool,
) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE batch_entries SET missed_targets = $3 WHERE batch_id = $1 AND id = $2")
        .bind(batch_id)
        .bind(entry_id)
        .bind(missed)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Appends a proposal at the end; `false` when it is already in the batch.
pub async fn add_entry(conn: &mut PgConnection, batch_id: i64, proposal_id: i64, reason: &str) -> sqlx::Result<bool> {
    let added = sqlx::query(
        "INSERT INTO batch_entries (batch_id, proposal_id, position, reason)
         SELECT $1, $2, COALESCE(max(position), 0) + 1, $3 FROM batch_entries WHERE batch_id = $1
         ON CONFLICT (batch_id, proposal_id) DO NOTHING",
    )
    .bind(batch_id)
    .bind(proposal_id)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(added.rows_affected() == 1)
}

pub async fn remove_entry(conn: &mut PgConnection, batch_id: i64, entry_id: i64) -> sqlx::Result<bool> {
    let removed = sqlx::query("DELETE FROM batch_entries WHERE batch_id = $1 AND id = $2")
        .bind(batch_id)
        .bind(entry_id)
        .execute(conn)
        .await?;
    Ok(removed.rows_affected() == 1)
}

/// Lets the caller's transaction (and only it) take towns out of a batch on
/// public notice and renumber the rest: the upheld-objection path, the one
/// change the notice_guard migration's triggers permit.
pub async fn allow_notice_removal(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query("SELECT set_config('xiaozhen.notice_removal', 'on', true)")
        .execute(conn)
        .await?;
    Ok(())
}

/// Gives the entries the positions 1, 2, … in the order of `entry_ids`.
pub async fn set_order(conn: &mut PgConnection, batch_id: i64, entry_ids: &[i64]) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE batch_entries e SET position = o.n
         FROM unnest($2::bigint[]) WITH ORDINALITY AS o(id, n)
         WHERE e.batch_id = $1 AND e.id = o.id",
    )
    .bind(batch_id)
    .bind(entry_ids)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_reason(conn: &mut PgConnection, batch_id: i64, entry_id: i64, reason: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE batch_entries SET reason = $3 WHERE batch_id = $1 AND id = $2")
        .bind(batch_id)
        .bind(entry_id)
        .bind(reason)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Freezes an entry at publication (its batch still a draft).
pub async fn freeze_entry(conn: &mut PgConnection, entry_id: i64, town: &FrozenTown) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE batch_entries SET evaluation_id = $2, review_id = $3, final_overall = $4, final_findings = $5
         WHERE id = $1",
    )
    .bind(entry_id)
    .bind(town.evaluation_id)
    .bind(town.review_id)
    .bind(&town.overall)
    .bind(Json(town))
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes a proposal out of every draft batch (it needs a new decision
/// before it can be listed); returns the batches it was in.
pub async fn remove_from_drafts(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Vec<i64>> {
    let batches: Vec<i64> = sqlx::query_scalar(
        "DELETE FROM batch_entries e USING batches b
         WHERE b.id = e.batch_id AND b.status = 'draft' AND e.proposal_id = $1
         RETURNING e.batch_id",
    )
    .bind(proposal_id)
    .fetch_all(&mut *conn)
    .await?;
    // The entries left keep their order, numbered 1, 2, … again.
    sqlx::query(
        "UPDATE batch_entries e SET position = n.position
         FROM (SELECT id, row_number() OVER (PARTITION BY batch_id ORDER BY position, id)::int AS position
               FROM batch_entries WHERE batch_id = ANY($1)) n
         WHERE e.id = n.id AND e.position <> n.position",
    )
    .bind(&batches)
    .execute(conn)
    .await?;
    Ok(batches)
}

/// The published list batch a proposal is on, if any.
pub async fn published_list_of(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT b.id FROM batch_entries e JOIN batches b ON b.id = e.batch_id
         WHERE e.proposal_id = $1 AND b.kind = 'list' AND b.status = 'published'
         ORDER BY b.published_at LIMIT 1",
    )
    .bind(proposal_id)
    .fetch_optional(conn)
    .await
}

/// The batch on public notice a proposal is in, if any: its towns are
/// frozen, so it is in no other batch and is not re-evaluated meanwhile.
pub async fn on_notice_of(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT b.id FROM batch_entries e JOIN batches b ON b.id = e.batch_id
         WHERE e.proposal_id = $1 AND b.status = 'notice' ORDER BY b.id LIMIT 1",
    )
    .bind(proposal_id)
    .fetch_optional(conn)
    .await
}

/// A town's entry in a published batch, with the batch.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublishedEntry {
    pub batch_id: i64,
    pub batch_kind: String,
    pub batch_title: String,
    pub published_at: DateTime<Utc>,
    pub reason: String,
    pub town: Json<FrozenTown>,
}

/// Every published entry of a proposal (its listing, then any withdrawal),
/// oldest publication first.
pub async fn published_entries_of(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Vec<PublishedEntry>> {
    sqlx::query_as(
        "SELECT b.id AS batch_id, b.kind AS batch_kind, b.title AS batch_title, b.published_at, e.reason,
                e.final_findings AS town
         FROM batch_entries e JOIN batches b ON b.id = e.batch_id
         WHERE e.proposal_id = $1 AND b.status = 'published' AND e.final_findings IS NOT NULL
         ORDER BY b.published_at, b.id",
    )
    .bind(proposal_id)
    .fetch_all(conn)
    .await
}

/// Approved proposals in no published list batch nor in a batch on public
/// notice: the candidates a list batch may take.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub region_name: String,
}

pub async fn list_candidates(conn: &mut PgConnection, exclude_batch: i64) -> sqlx::Result<Vec<Candidate>> {
    sqlx::query_as(
        "SELECT p.id, p.name, r.name AS region_name FROM proposals p JOIN regions r ON r.id = p.region_id
         WHERE p.status = 'approved'
           AND NOT EXISTS (SELECT 1 FROM batch_entries e WHERE e.batch_id = $1 AND e.proposal_id = p.id)
           AND NOT EXISTS (SELECT 1 FROM batch_entries e JOIN batches b ON b.id = e.batch_id
                           WHERE e.proposal_id = p.id AND b.status = 'notice')
         ORDER BY r.name, p.name, p.id",
    )
    .bind(exclude_batch)
    .fetch_all(conn)
    .await
}

/// Towns of a published list batch still on the creation list (listed,
/// named or demoted), not yet in `exclude_batch`: what a withdrawal batch
/// may remove.
pub async fn withdrawal_candidates(
    conn: &mut PgConnection,
    list_batch: i64,
    exclude_batch: i64,
) -> sqlx::Result<Vec<Candidate>> {
    sqlx::query_as(
        "SELECT p.id, p.name, r.name AS region_name
         FROM batch_entries e JOIN proposals p ON p.id = e.proposal_id JOIN regions r ON r.id = p.region_id
         WHERE e.batch_id = $1 AND p.status = ANY($3)
           AND NOT EXISTS (SELECT 1 FROM batch_entries x WHERE x.batch_id = $2 AND x.proposal_id = p.id)
         ORDER BY e.position, e.id",
    )
    .bind(list_batch)
    .bind(exclude_batch)
    .bind(Status::ON_CREATION_LIST.map(Status::code).to_vec())
    .fetch_all(conn)
    .await
}

/// The frozen town of a proposal in a given published batch.
pub async fn frozen_in(conn: &mut PgConnection, batch_id: i64, proposal_id: i64) -> sqlx::Result<Option<FrozenTown>> {
    let town: Option<Json<FrozenTown>> = sqlx::query_scalar(
        "SELECT e.final_findings FROM batch_entries e JOIN batches b ON b.id = e.batch_id
         WHERE e.batch_id = $1 AND e.proposal_id = $2 AND b.status = 'published' AND e.final_findings IS NOT NULL",
    )
    .bind(batch_id)
    .bind(proposal_id)
    .fetch_optional(conn)
    .await?;
    Ok(town.map(|t| t.0))
}

/// The review that approved a proposal: its latest approval (a
/// re-evaluation returns an approved proposal to review, so no approval
/// older than the latest is in force), with the evaluation it was given on.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApprovalRow {
    pub id: i64,
    /// `None` only for approvals recorded before every review named it.
    pub evaluation_id: Option<i64>,
    pub overrides: serde_json::Value,
    pub final_overall: Option<String>,
}

pub async fn approval_of(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Option<ApprovalRow>> {
    sqlx::query_as(
        "SELECT id, evaluation_id, overrides, final_overall FROM reviews
         WHERE proposal_id = $1 AND decision = 'approve' ORDER BY id DESC LIMIT 1",
    )
    .bind(proposal_id)
    .fetch_optional(conn)
    .await
}

/// What needs the admins' attention, for their home page.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Attention {
    pub awaiting_review: i64,
    pub approved_unlisted: i64,
    pub draft_batches: i64,
    pub draft_standards: i64,
    /// Objections waiting for a decision, and the batches they are to.
    pub open_objections: i64,
    pub objection_batches: Vec<i64>,
}

pub async fn attention(conn: &mut PgConnection) -> sqlx::Result<Attention> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM proposals WHERE status = 'submitted') AS awaiting_review,
                (SELECT count(*) FROM proposals WHERE status = 'approved') AS approved_unlisted,
                (SELECT count(*) FROM batches WHERE status = 'draft') AS draft_batches,
                (SELECT count(*) FROM standards WHERE status = 'draft') AS draft_standards,
                (SELECT count(*) FROM objections WHERE status = 'open') AS open_objections,
                ARRAY(SELECT DISTINCT batch_id FROM objections WHERE status = 'open' ORDER BY batch_id)
                    AS objection_batches",
    )
    .fetch_one(conn)
    .await
}
