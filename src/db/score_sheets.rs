//! Experts' score sheets by version, the chair's notes on the flags, and
//! the panel's result frozen when a proposal's expert stage closes.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;
use sqlx::types::Json;

use crate::standards::scoring::Judgements;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SheetRow {
    pub id: i64,
    pub proposal_id: i64,
    pub expert_id: i64,
    pub expert_name: String,
    pub version: i32,
    pub judged: Json<Judgements>,
    pub reason: String,
    pub total: Option<Decimal>,
    pub sha256: Option<String>,
    pub signed_by_name: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl SheetRow {
    pub fn submitted(&self) -> bool {
        self.submitted_at.is_some()
    }
}

const SELECT: &str = "SELECT s.id, s.proposal_id, s.expert_id, u.display_name AS expert_name, s.version, s.judged,
        s.reason, s.total, s.sha256, su.display_name AS signed_by_name, s.submitted_at, s.created_at
    FROM score_sheets s JOIN experts x ON x.id = s.expert_id JOIN users u ON u.id = x.user_id
    LEFT JOIN users su ON su.id = s.signed_by";

/// The expert's latest sheet of the proposal.
pub async fn latest(conn: &mut PgConnection, proposal_id: i64, expert_id: i64) -> sqlx::Result<Option<SheetRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE s.proposal_id = $1 AND s.expert_id = $2 ORDER BY s.version DESC LIMIT 1"
    ))
    .bind(proposal_id)
    .bind(expert_id)
    .fetch_optional(conn)
    .await
}

/// Every version of the expert's sheets of the proposal, newest first.
pub async fn versions(conn: &mut PgConnection, proposal_id: i64, expert_id: i64) -> sqlx::Result<Vec<SheetRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE s.proposal_id = $1 AND s.expert_id = $2 ORDER BY s.version DESC"
    ))
    .bind(proposal_id)
    .bind(expert_id)
    .fetch_all(conn)
    .await
}

pub async fn get(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<SheetRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Each expert's latest sheet of the proposal (submitted or not).
pub async fn latest_of_proposal(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Vec<SheetRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE s.id IN (SELECT DISTINCT ON (expert_id) id FROM score_sheets WHERE proposal_id = $1
                                 ORDER BY expert_id, version DESC)
         ORDER BY s.expert_id"
    ))
    .bind(proposal_id)
    .fetch_all(conn)
    .await
}

/// A new draft version (1, or a correction / re-score with its reason).
pub async fn insert(
    conn: &mut PgConnection,
    proposal_id: i64,
    expert_id: i64,
    version: i32,
    judged: &Judgements,
    reason: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO score_sheets (proposal_id, expert_id, version, judged, reason)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(proposal_id)
    .bind(expert_id)
    .bind(version)
    .bind(Json(judged))
    .bind(reason)
    .fetch_one(conn)
    .await
}

/// Saves a draft's judgements (refused by the database once submitted).
pub async fn save(conn: &mut PgConnection, id: i64, judged: &Judgements) -> sqlx::Result<()> {
    sqlx::query("UPDATE score_sheets SET judged = $2 WHERE id = $1")
        .bind(id)
        .bind(Json(judged))
        .execute(conn)
        .await?;
    Ok(())
}

/// Locks the sheet row.
pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<SheetRow>> {
    sqlx::query_scalar::<_, i64>("SELECT id FROM score_sheets WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    get(conn, id).await
}

/// Submits and signs a draft.
pub async fn sign(
    conn: &mut PgConnection,
    id: i64,
    judged: &Judgements,
    total: Decimal,
    sha256: &str,
    user_id: i64,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE score_sheets SET judged = $2, total = $3, sha256 = $4, signed_by = $5, submitted_at = $6
         WHERE id = $1 AND submitted_at IS NULL",
    )
    .bind(id)
    .bind(Json(judged))
    .bind(total)
    .bind(sha256)
    .bind(user_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoteRow {
    pub id: i64,
    pub proposal_id: i64,
    pub kind: String,
    pub expert_id: Option<i64>,
    pub line_code: Option<String>,
    pub sheet_id: Option<i64>,
    pub outcome: String,
    pub reason: String,
    pub chair_name: String,
    pub created_at: DateTime<Utc>,
}

pub struct NewNote<'a> {
    pub proposal_id: i64,
    pub kind: &'a str,
    pub expert_id: Option<i64>,
    pub line_code: Option<&'a str>,
    pub sheet_id: Option<i64>,
    pub outcome: &'a str,
    pub reason: &'a str,
    pub chair_id: i64,
}

pub async fn insert_note(conn: &mut PgConnection, n: &NewNote<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO chair_notes (proposal_id, kind, expert_id, line_code, sheet_id, outcome, reason, chair_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(n.proposal_id)
    .bind(n.kind)
    .bind(n.expert_id)
    .bind(n.line_code)
    .bind(n.sheet_id)
    .bind(n.outcome)
    .bind(n.reason)
    .bind(n.chair_id)
    .fetch_one(conn)
    .await
}

pub async fn notes(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Vec<NoteRow>> {
    sqlx::query_as(
        "SELECT n.id, n.proposal_id, n.kind, n.expert_id, n.line_code, n.sheet_id, n.outcome, n.reason,
                u.display_name AS chair_name, n.created_at
         FROM chair_notes n JOIN users u ON u.id = n.chair_id WHERE n.proposal_id = $1 ORDER BY n.id",
    )
    .bind(proposal_id)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResultRow {
    pub proposal_id: i64,
    pub panel_id: i64,
    pub judged: Json<Judgements>,
    pub total: Decimal,
    pub maximum: Decimal,
    pub vetoes: Vec<String>,
    pub sheet_ids: Vec<i64>,
    pub closed_by_name: String,
    pub closed_at: DateTime<Utc>,
}

pub struct NewResult<'a> {
    pub proposal_id: i64,
    pub panel_id: i64,
    pub judged: &'a Judgements,
    pub total: Decimal,
    pub maximum: Decimal,
    pub vetoes: &'a [String],
    pub sheet_ids: &'a [i64],
    pub closed_by: i64,
}

pub async fn insert_result(conn: &mut PgConnection, r: &NewResult<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO panel_results (proposal_id, panel_id, judged, total, maximum, vetoes, sheet_ids, closed_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(r.proposal_id)
    .bind(r.panel_id)
    .bind(Json(r.judged))
    .bind(r.total)
    .bind(r.maximum)
    .bind(r.vetoes)
    .bind(r.sheet_ids)
    .bind(r.closed_by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn result(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Option<ResultRow>> {
    sqlx::query_as(
        "SELECT r.proposal_id, r.panel_id, r.judged, r.total, r.maximum, r.vetoes, r.sheet_ids,
                u.display_name AS closed_by_name, r.closed_at
         FROM panel_results r JOIN users u ON u.id = r.closed_by WHERE r.proposal_id = $1",
    )
    .bind(proposal_id)
    .fetch_optional(conn)
    .await
}

/// One line of a round's joint decision table.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JointRow {
    pub proposal_id: i64,
    pub name: String,
    pub region_name: String,
    pub status: String,
    pub stage: Option<String>,
    pub version: i32,
    pub overall: Option<String>,
    pub total: Option<Decimal>,
    pub maximum: Option<Decimal>,
    pub vetoes: Option<Vec<String>>,
    pub panel_judged: Option<Json<Judgements>>,
    pub city_rank: Option<i32>,
    pub city_opinion: Option<String>,
    pub city_name: Option<String>,
}

/// The round's proposals that reached the joint decision or were decided
/// in it, with the latest evaluation's verdict, the panel's result and the
/// city's recommendation: highest panel total first.
pub async fn joint(conn: &mut PgConnection, round_id: i64) -> sqlx::Result<Vec<JointRow>> {
    sqlx::query_as(
        "SELECT p.id AS proposal_id, p.name, rg.name AS region_name, p.status, p.stage, p.version,
                e.overall, pr.total, pr.maximum, pr.vetoes, pr.judged AS panel_judged,
                cr.rank AS city_rank, cr.opinion AS city_opinion, c.name AS city_name
         FROM proposals p
         JOIN regions rg ON rg.id = p.region_id
         LEFT JOIN panel_results pr ON pr.proposal_id = p.id
         LEFT JOIN city_recommendations cr ON cr.proposal_id = p.id
         LEFT JOIN regions c ON c.id = cr.city_id
         LEFT JOIN LATERAL (SELECT overall FROM evaluations WHERE proposal_id = p.id ORDER BY id DESC LIMIT 1) e
                ON true
         WHERE p.round_id = $1
           AND (p.stage = 'joint' OR (p.stage IS NULL AND p.status IN ('approved', 'rejected', 'listed')))
         ORDER BY pr.total DESC NULLS LAST, p.id",
    )
    .bind(round_id)
    .fetch_all(conn)
    .await
}

/// The panel totals and statuses of the other proposals of a proposal's
/// round (for the score-order rule of the joint decision).
pub async fn round_totals(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Vec<(i64, Decimal, String)>> {
    sqlx::query_as(
        "SELECT o.id, r.total, o.status FROM proposals p
         JOIN proposals o ON o.round_id = p.round_id AND o.id <> p.id
         JOIN panel_results r ON r.proposal_id = o.id
         WHERE p.id = $1 AND p.round_id IS NOT NULL",
    )
    .bind(proposal_id)
    .fetch_all(conn)
    .await
}
