//! Expert panels: a round's panels with what replays their draw, their
//! seats, and each proposal's assigned experts with recusals and declines.
//! Also what the expert stage reads of a round and moves in it (a
//! proposal's stage).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

// A round as the expert stage reads it is the rounds' own row.
pub use super::rounds::{RoundRow, get as round, list as rounds};

/// Rounds with the expert stage on (open ones first, newest first).
pub async fn expert_rounds(conn: &mut PgConnection) -> sqlx::Result<Vec<RoundRow>> {
    Ok(rounds(conn).await?.into_iter().filter(|r| r.expert_stage).collect())
}

/// A proposal's round and stage, locked with the proposal.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Placement {
    pub proposal_id: i64,
    pub round_id: Option<i64>,
    pub stage: Option<String>,
    pub status: String,
    pub name: String,
    pub region_id: i64,
    pub city_id: Option<i64>,
    pub developer: Option<String>,
}

const PLACEMENT: &str = "SELECT p.id AS proposal_id, p.round_id, p.stage, p.status, p.name, p.region_id,
        r.parent_id AS city_id, p.developer
    FROM proposals p JOIN regions r ON r.id = p.region_id";

pub async fn placement(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Option<Placement>> {
    sqlx::query_as(&format!("{PLACEMENT} WHERE p.id = $1"))
        .bind(proposal_id)
        .fetch_optional(conn)
        .await
}

pub async fn lock_placement(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Option<Placement>> {
    sqlx::query_as(&format!("{PLACEMENT} WHERE p.id = $1 FOR UPDATE OF p"))
        .bind(proposal_id)
        .fetch_optional(conn)
        .await
}

/// The round's proposals at the expert stage, with their panel if drawn.
pub async fn at_expert_stage(conn: &mut PgConnection, round_id: i64) -> sqlx::Result<Vec<(Placement, Option<i64>)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        p: Placement,
        panel_id: Option<i64>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT p.id AS proposal_id, p.round_id, p.stage, p.status, p.name, p.region_id,
                r.parent_id AS city_id, p.developer, pp.panel_id
         FROM proposals p JOIN regions r ON r.id = p.region_id
         LEFT JOIN panel_proposals pp ON pp.proposal_id = p.id
         WHERE p.round_id = $1 AND p.stage = 'expert' ORDER BY p.id",
    )
    .bind(round_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.p, r.panel_id)).collect())
}

pub async fn set_stage(conn: &mut PgConnection, proposal_id: i64, stage: Option<&str>) -> sqlx::Result<()> {
    sqlx::query("UPDATE proposals SET stage = $2 WHERE id = $1")
        .bind(proposal_id)
        .bind(stage)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PanelRow {
    pub id: i64,
    pub round_id: i64,
    pub name: String,
    pub size: i32,
    pub mix: serde_json::Value,
    pub min_scorers: i32,
    pub due_at: Option<DateTime<Utc>>,
    pub seed: Vec<u8>,
    pub algorithm: String,
    pub candidates: Vec<i64>,
    pub candidate_fields: Vec<String>,
    pub next_stream: i64,
    pub drawn_by_name: String,
    pub drawn_at: DateTime<Utc>,
}

const PANEL: &str = "SELECT p.id, p.round_id, p.name, p.size, p.mix, p.min_scorers, p.due_at, p.seed, p.algorithm,
        p.candidates, p.candidate_fields, p.next_stream, u.display_name AS drawn_by_name, p.drawn_at
    FROM panels p JOIN users u ON u.id = p.drawn_by";

pub async fn panel(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<PanelRow>> {
    sqlx::query_as(&format!("{PANEL} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn lock_panel(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<PanelRow>> {
    sqlx::query_as(&format!("{PANEL} WHERE p.id = $1 FOR UPDATE OF p"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn panels_of_round(conn: &mut PgConnection, round_id: i64) -> sqlx::Result<Vec<PanelRow>> {
    sqlx::query_as(&format!("{PANEL} WHERE p.round_id = $1 ORDER BY p.id"))
        .bind(round_id)
        .fetch_all(conn)
        .await
}

pub struct NewPanel<'a> {
    pub round_id: i64,
    pub name: &'a str,
    pub size: i32,
    pub mix: serde_json::Value,
    pub min_scorers: i32,
    pub due_at: Option<DateTime<Utc>>,
    pub seed: &'a [u8],
    pub algorithm: &'a str,
    pub candidates: &'a [i64],
    pub candidate_fields: &'a [&'a str],
    pub drawn_by: i64,
}

pub async fn insert_panel(conn: &mut PgConnection, p: &NewPanel<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO panels (round_id, name, size, mix, min_scorers, due_at, seed, algorithm, candidates,
                             candidate_fields, drawn_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(p.round_id)
    .bind(p.name)
    .bind(p.size)
    .bind(&p.mix)
    .bind(p.min_scorers)
    .bind(p.due_at)
    .bind(p.seed)
    .bind(p.algorithm)
    .bind(p.candidates)
    .bind(p.candidate_fields)
    .bind(p.drawn_by)
    .fetch_one(conn)
    .await
}

pub async fn set_next_stream(conn: &mut PgConnection, panel_id: i64, next: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE panels SET next_stream = $2 WHERE id = $1")
        .bind(panel_id)
        .bind(next)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn add_proposal(conn: &mut PgConnection, panel_id: i64, proposal_id: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO panel_proposals (proposal_id, panel_id) VALUES ($1, $2)")
        .bind(proposal_id)
        .bind(panel_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn proposals_of_panel(conn: &mut PgConnection, panel_id: i64) -> sqlx::Result<Vec<Placement>> {
    sqlx::query_as(
        "SELECT p.id AS proposal_id, p.round_id, p.stage, p.status, p.name, p.region_id,
                r.parent_id AS city_id, p.developer
         FROM panel_proposals pp JOIN proposals p ON p.id = pp.proposal_id JOIN regions r ON r.id = p.region_id
         WHERE pp.panel_id = $1 ORDER BY p.id",
    )
    .bind(panel_id)
    .fetch_all(conn)
    .await
}

pub async fn panel_of_proposal(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT panel_id FROM panel_proposals WHERE proposal_id = $1")
        .bind(proposal_id)
        .fetch_optional(conn)
        .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SeatRow {
    pub id: i64,
    pub panel_id: i64,
    pub position: i32,
    pub expert_id: i64,
    pub expert_name: String,
    pub field: String,
    pub kind: String,
    pub stream: Option<i64>,
    pub proposal_id: Option<i64>,
    pub replaces: Option<i64>,
    pub declined_at: Option<DateTime<Utc>>,
    pub decline_reason: Option<String>,
}

pub struct NewSeat<'a> {
    pub panel_id: i64,
    pub expert_id: i64,
    pub field: &'a str,
    pub kind: &'a str,
    pub stream: Option<i64>,
    pub proposal_id: Option<i64>,
    pub replaces: Option<i64>,
}

pub async fn insert_seat(conn: &mut PgConnection, s: &NewSeat<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO panel_seats (panel_id, position, expert_id, field, kind, stream, proposal_id, replaces)
         VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM panel_seats WHERE panel_id = $1),
                 $2, $3, $4, $5, $6, $7)
         RETURNING id",
    )
    .bind(s.panel_id)
    .bind(s.expert_id)
    .bind(s.field)
    .bind(s.kind)
    .bind(s.stream)
    .bind(s.proposal_id)
    .bind(s.replaces)
    .fetch_one(conn)
    .await
}

pub async fn seats(conn: &mut PgConnection, panel_id: i64) -> sqlx::Result<Vec<SeatRow>> {
    sqlx::query_as(
        "SELECT s.id, s.panel_id, s.position, s.expert_id, u.display_name AS expert_name, s.field, s.kind, s.stream,
                s.proposal_id, s.replaces, s.declined_at, s.decline_reason
         FROM panel_seats s JOIN experts x ON x.id = s.expert_id JOIN users u ON u.id = x.user_id
         WHERE s.panel_id = $1 ORDER BY s.position",
    )
    .bind(panel_id)
    .fetch_all(conn)
    .await
}

pub async fn decline_seat(conn: &mut PgConnection, seat_id: i64, reason: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE panel_seats SET declined_at = now(), decline_reason = $2 WHERE id = $1")
        .bind(seat_id)
        .bind(reason)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssignmentRow {
    pub proposal_id: i64,
    pub expert_id: i64,
    pub expert_name: String,
    pub field: String,
    pub panel_id: i64,
    pub seat_id: i64,
    pub recusal: Option<String>,
    pub recusal_note: String,
    pub declined: bool,
}

impl AssignmentRow {
    /// Scores the proposal: neither recused nor declined.
    pub fn scores(&self) -> bool {
        self.recusal.is_none() && !self.declined
    }
}

const ASSIGNMENT: &str = "SELECT a.proposal_id, a.expert_id, u.display_name AS expert_name, x.field, a.panel_id,
        a.seat_id, a.recusal, a.recusal_note, a.declined
    FROM expert_assignments a JOIN experts x ON x.id = a.expert_id JOIN users u ON u.id = x.user_id";

pub async fn insert_assignment(
    conn: &mut PgConnection,
    proposal_id: i64,
    expert_id: i64,
    panel_id: i64,
    seat_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO expert_assignments (proposal_id, expert_id, panel_id, seat_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (proposal_id, expert_id) DO NOTHING",
    )
    .bind(proposal_id)
    .bind(expert_id)
    .bind(panel_id)
    .bind(seat_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Every assignment of a proposal, in seat order.
pub async fn assignments(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Vec<AssignmentRow>> {
    sqlx::query_as(&format!(
        "{ASSIGNMENT} JOIN panel_seats s ON s.id = a.seat_id WHERE a.proposal_id = $1 ORDER BY s.position"
    ))
    .bind(proposal_id)
    .fetch_all(conn)
    .await
}

pub async fn assignment(
    conn: &mut PgConnection,
    proposal_id: i64,
    expert_id: i64,
) -> sqlx::Result<Option<AssignmentRow>> {
    sqlx::query_as(&format!("{ASSIGNMENT} WHERE a.proposal_id = $1 AND a.expert_id = $2"))
        .bind(proposal_id)
        .bind(expert_id)
        .fetch_optional(conn)
        .await
}

pub async fn recuse(
    conn: &mut PgConnection,
    proposal_id: i64,
    expert_id: i64,
    why: &str,
    note: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE expert_assignments SET recusal = $3, recusal_note = $4 WHERE proposal_id = $1 AND expert_id = $2",
    )
    .bind(proposal_id)
    .bind(expert_id)
    .bind(why)
    .bind(note)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks every assignment of a declined seat.
pub async fn mark_declined(conn: &mut PgConnection, seat_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("UPDATE expert_assignments SET declined = true WHERE seat_id = $1 RETURNING proposal_id")
        .bind(seat_id)
        .fetch_all(conn)
        .await
}

/// An expert's work: every assignment that scores, with the proposal's
/// name, round, stage, due date and the state of the expert's latest sheet.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TodoRow {
    pub proposal_id: i64,
    pub name: String,
    pub region_name: String,
    pub round_name: String,
    pub stage: Option<String>,
    pub panel_id: i64,
    pub panel_name: String,
    pub due_at: Option<DateTime<Utc>>,
    pub sheet_version: Option<i32>,
    pub submitted_at: Option<DateTime<Utc>>,
}

pub async fn todo(conn: &mut PgConnection, expert_id: i64) -> sqlx::Result<Vec<TodoRow>> {
    sqlx::query_as(
        "SELECT p.id AS proposal_id, p.name, r.name AS region_name, rd.name AS round_name, p.stage,
                pn.id AS panel_id, pn.name AS panel_name, pn.due_at, s.version AS sheet_version, s.submitted_at
         FROM expert_assignments a
         JOIN proposals p ON p.id = a.proposal_id
         JOIN regions r ON r.id = p.region_id
         JOIN panels pn ON pn.id = a.panel_id
         JOIN rounds rd ON rd.id = pn.round_id
         LEFT JOIN LATERAL (SELECT version, submitted_at FROM score_sheets
                            WHERE proposal_id = a.proposal_id AND expert_id = a.expert_id
                            ORDER BY version DESC LIMIT 1) s ON true
         WHERE a.expert_id = $1 AND a.recusal IS NULL AND NOT a.declined
         ORDER BY pn.due_at NULLS LAST, p.id",
    )
    .bind(expert_id)
    .fetch_all(conn)
    .await
}

/// The panels an expert sits on (seats not declined, not for one proposal).
pub async fn seats_of_expert(conn: &mut PgConnection, expert_id: i64) -> sqlx::Result<Vec<(i64, String, i64)>> {
    sqlx::query_as(
        "SELECT p.id, p.name, s.id FROM panel_seats s JOIN panels p ON p.id = s.panel_id
         WHERE s.expert_id = $1 AND s.declined_at IS NULL AND s.proposal_id IS NULL ORDER BY p.id",
    )
    .bind(expert_id)
    .fetch_all(conn)
    .await
}
