//! Rounds (申报批次), a proposal's place in its round, the city's
//! recommendations and the stage acts (city, formal review).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::domain::round::{Stage, Stages};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoundRow {
    pub id: i64,
    pub name: String,
    pub deadline: Option<DateTime<Utc>>,
    pub standard_id: Option<i64>,
    /// "CODE vN" of the standard version, when the round names one.
    pub standard_label: Option<String>,
    pub scoring_table: Option<String>,
    pub city_stage: bool,
    pub formal_stage: bool,
    pub expert_stage: bool,
    pub notice_stage: bool,
    pub city_quota: Option<i32>,
    pub is_default: bool,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A round with how many proposals entered it, as the admins' pages show
/// it. Counting reads the round's part of an index (100,000 entries for the
/// default round at province scale), so only these pages pay for it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CountedRound {
    #[sqlx(flatten)]
    pub round: RoundRow,
    pub proposals: i64,
}

impl RoundRow {
    pub fn stages(&self) -> Stages {
        Stages {
            city: self.city_stage,
            formal: self.formal_stage,
            expert: self.expert_stage,
            notice: self.notice_stage,
        }
    }

    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }
}

const SELECT: &str = "SELECT ro.id, ro.name, ro.deadline, ro.standard_id,
        s.code || ' v' || s.version AS standard_label, ro.scoring_table,
        ro.city_stage, ro.formal_stage, ro.expert_stage, ro.notice_stage, ro.city_quota, ro.is_default,
        ro.closed_at, ro.created_at
    FROM rounds ro LEFT JOIN standards s ON s.id = ro.standard_id";

/// [`SELECT`] with each round's number of proposals.
static COUNTED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    SELECT.replacen(
        " FROM rounds ro",
        ", (SELECT count(*) FROM proposals p WHERE p.round_id = ro.id) AS proposals FROM rounds ro",
        1,
    )
});

const LIST_ORDER: &str = "ORDER BY ro.closed_at IS NOT NULL, ro.created_at DESC, ro.id DESC";

/// The rounds as [`list`] orders them, with their numbers of proposals.
pub async fn list_counted(conn: &mut PgConnection) -> sqlx::Result<Vec<CountedRound>> {
    sqlx::query_as(&format!("{} {LIST_ORDER}", COUNTED.as_str()))
        .fetch_all(conn)
        .await
}

/// A round with its number of proposals.
pub async fn get_counted(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<CountedRound>> {
    sqlx::query_as(&format!("{} WHERE ro.id = $1", COUNTED.as_str()))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Every round, open ones first, newest first.
pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<RoundRow>> {
    sqlx::query_as(&format!("{SELECT} {LIST_ORDER}")).fetch_all(conn).await
}

/// The rounds not closed, in the order they close (no deadline last).
pub async fn open(conn: &mut PgConnection) -> sqlx::Result<Vec<RoundRow>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE ro.closed_at IS NULL ORDER BY ro.deadline NULLS LAST, ro.id"
    ))
    .fetch_all(conn)
    .await
}

pub async fn get(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<RoundRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE ro.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The round, its row locked for the rest of the transaction.
pub async fn lock(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<RoundRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE ro.id = $1 FOR UPDATE OF ro"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The round that holds proposals submitted without choosing one.
pub async fn default_round(conn: &mut PgConnection) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM rounds WHERE is_default")
        .fetch_optional(conn)
        .await
}

/// What an admin sets on a round.
#[derive(Debug, Clone)]
pub struct RoundData<'a> {
    pub name: &'a str,
    pub deadline: Option<DateTime<Utc>>,
    pub standard_id: Option<i64>,
    pub scoring_table: Option<&'a str>,
    pub stages: Stages,
    pub city_quota: Option<i32>,
}

/// The round's columns as `$1`–`$9`, `$10` the statement's own.
async fn write(conn: &mut PgConnection, sql: &str, data: &RoundData<'_>, tenth: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(sql)
        .bind(data.name)
        .bind(data.deadline)
        .bind(data.standard_id)
        .bind(data.scoring_table)
        .bind(data.stages.city)
        .bind(data.stages.formal)
        .bind(data.stages.expert)
        .bind(data.stages.notice)
        .bind(data.city_quota)
        .bind(tenth)
        .fetch_optional(conn)
        .await
}

const COLUMNS: &str =
    "name, deadline, standard_id, scoring_table, city_stage, formal_stage, expert_stage, notice_stage, city_quota";

pub async fn insert(conn: &mut PgConnection, data: &RoundData<'_>, user_id: i64) -> sqlx::Result<i64> {
    let sql = format!(
        "INSERT INTO rounds ({COLUMNS}, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"
    );
    write(conn, &sql, data, user_id).await?.ok_or(sqlx::Error::RowNotFound)
}

pub async fn update(conn: &mut PgConnection, id: i64, data: &RoundData<'_>) -> sqlx::Result<bool> {
    let sql =
        format!("UPDATE rounds SET ({COLUMNS}) = ($1, $2, $3, $4, $5, $6, $7, $8, $9) WHERE id = $10 RETURNING id");
    Ok(write(conn, &sql, data, id).await?.is_some())
}

pub async fn close(conn: &mut PgConnection, id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE rounds SET closed_at = now() WHERE id = $1 AND closed_at IS NULL")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether another round has this name.
pub async fn name_taken(conn: &mut PgConnection, name: &str, except: Option<i64>) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM rounds WHERE name = $1 AND id IS DISTINCT FROM $2)")
        .bind(name)
        .bind(except)
        .fetch_one(conn)
        .await
}

/// Puts a (locked) proposal in `round` at `stage` (its round is kept when
/// it has one: a proposal stays in the round it first entered).
pub async fn enter(conn: &mut PgConnection, proposal_id: i64, round_id: i64, stage: Stage) -> sqlx::Result<()> {
    sqlx::query("UPDATE proposals SET round_id = COALESCE(round_id, $2), stage = $3 WHERE id = $1")
        .bind(proposal_id)
        .bind(round_id)
        .bind(stage.code())
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves a submitted proposal on to `stage`, bumping its version.
pub async fn set_stage(conn: &mut PgConnection, proposal_id: i64, stage: Stage, user_id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE proposals SET stage = $2, version = version + 1, updated_by = $3, updated_at = now()
         WHERE id = $1 AND status = 'submitted'",
    )
    .bind(proposal_id)
    .bind(stage.code())
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The city of a county, if it has one.
pub async fn city_of(conn: &mut PgConnection, region_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT parent_id FROM regions WHERE id = $1")
        .bind(region_id)
        .fetch_optional(conn)
        .await
        .map(Option::flatten)
}

// ---- The city's recommendations ----

/// How many proposals `city` recommended in `round`, not counting `except`.
pub async fn recommendations_of(
    conn: &mut PgConnection,
    round_id: i64,
    city_id: i64,
    except: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM city_recommendations WHERE round_id = $1 AND city_id = $2 AND proposal_id <> $3",
    )
    .bind(round_id)
    .bind(city_id)
    .bind(except)
    .fetch_one(conn)
    .await
}

/// Whether another proposal of the city holds `rank` in the round.
pub async fn rank_taken(
    conn: &mut PgConnection,
    round_id: i64,
    city_id: i64,
    rank: i32,
    except: i64,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM city_recommendations
                        WHERE round_id = $1 AND city_id = $2 AND rank = $3 AND proposal_id <> $4)",
    )
    .bind(round_id)
    .bind(city_id)
    .bind(rank)
    .bind(except)
    .fetch_one(conn)
    .await
}

pub struct NewRecommendation<'a> {
    pub proposal_id: i64,
    pub round_id: i64,
    pub city_id: i64,
    pub rank: i32,
    pub opinion: &'a str,
    pub user_id: i64,
}

/// Records the recommendation (replacing an earlier one of the proposal).
pub async fn recommend(conn: &mut PgConnection, r: NewRecommendation<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO city_recommendations (proposal_id, round_id, city_id, rank, opinion, decided_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (proposal_id) DO UPDATE SET round_id = EXCLUDED.round_id, city_id = EXCLUDED.city_id,
             rank = EXCLUDED.rank, opinion = EXCLUDED.opinion, decided_by = EXCLUDED.decided_by,
             decided_at = now()",
    )
    .bind(r.proposal_id)
    .bind(r.round_id)
    .bind(r.city_id)
    .bind(r.rank)
    .bind(r.opinion)
    .bind(r.user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes a proposal's recommendation (it goes back to the city stage, or
/// is withdrawn): its rank and its place in the quota are free again.
pub async fn forget_recommendation(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM city_recommendations WHERE proposal_id = $1")
        .bind(proposal_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

// ---- Stage acts ----

pub struct NewAction<'a> {
    pub proposal_id: i64,
    pub round_id: i64,
    pub stage: Stage,
    pub passed: bool,
    pub comment: &'a str,
    pub missing: serde_json::Value,
    pub user_id: i64,
}

pub async fn record_action(conn: &mut PgConnection, a: NewAction<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO stage_actions (proposal_id, round_id, stage, outcome, comment, missing, acted_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(a.proposal_id)
    .bind(a.round_id)
    .bind(a.stage.code())
    .bind(if a.passed { "passed" } else { "returned" })
    .bind(a.comment)
    .bind(a.missing)
    .bind(a.user_id)
    .fetch_one(conn)
    .await
}

/// An item the formal review found missing: its criterion and the label
/// shown then in both languages.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MissingItem {
    pub criterion: String,
    pub label_zh: String,
    pub label_en: String,
}

// ---- Lists by stage ----

/// A proposal at a stage, as the stage's lists show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StageRow {
    pub id: i64,
    pub name: String,
    pub region_name: String,
    pub round_id: Option<i64>,
    pub round_name: Option<String>,
    pub deadline: Option<DateTime<Utc>>,
    pub stage: Option<String>,
    pub status: String,
    pub overall: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub rank: Option<i32>,
    /// At the city stage of a round still open: what the city's to-do
    /// lists, and what `todo_count` counts for it.
    pub waits_for_city: bool,
}

const STAGE_SELECT: &str = "SELECT p.id, p.name, r.name AS region_name, p.round_id, ro.name AS round_name,
        ro.deadline, p.stage, p.status, p.latest_overall AS overall, p.submitted_at, cr.rank,
        (p.stage = 'city' AND ro.closed_at IS NULL) IS TRUE AS waits_for_city
    FROM proposals p JOIN regions r ON r.id = p.region_id
    LEFT JOIN rounds ro ON ro.id = p.round_id
    LEFT JOIN city_recommendations cr ON cr.proposal_id = p.id";

/// Proposals at `stage`, oldest submission first, at most `limit`. A
/// closed round takes no more proposals, but those in it are still
/// reviewed: the list holds what the to-do count counts.
pub async fn at_stage(conn: &mut PgConnection, stage: Stage, limit: i64) -> sqlx::Result<Vec<StageRow>> {
    sqlx::query_as(&format!(
        "{STAGE_SELECT} WHERE p.stage = $1 ORDER BY p.submitted_at, p.id LIMIT $2"
    ))
    .bind(stage.code())
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// The proposals of a city's counties from submission on (never drafts
/// nor withdrawn ones), those waiting for the city first, then the newest.
/// Read from the candidates only: every proposal at the city stage, and
/// each county's newest `limit` (from the index of migration
/// `20261209000400`). That is enough: a proposal not waiting is shown only
/// when fewer than `limit` newer ones, waiting or not, are shown, so it is
/// among its county's newest `limit`. Sorting all the counties' proposals
/// instead took 160 ms at 100,000.
pub async fn of_city(conn: &mut PgConnection, city_id: i64, limit: i64) -> sqlx::Result<Vec<StageRow>> {
    sqlx::query_as(&format!(
        "WITH counties AS (SELECT id FROM regions WHERE parent_id = $1),
         candidates AS (
             SELECT n.id FROM counties c CROSS JOIN LATERAL (
                 SELECT p.id FROM proposals p
                 WHERE p.region_id = c.id AND p.status NOT IN ('draft', 'withdrawn')
                 ORDER BY p.submitted_at DESC NULLS LAST, p.id DESC LIMIT $2) n
             UNION
             SELECT p.id FROM proposals p
             WHERE p.stage = 'city' AND p.region_id IN (SELECT id FROM counties))
         {STAGE_SELECT} WHERE p.id IN (SELECT id FROM candidates)
             AND r.parent_id = $1 AND p.status NOT IN ('draft', 'withdrawn')
         ORDER BY waits_for_city DESC, p.submitted_at DESC NULLS LAST, p.id DESC
         LIMIT $2"
    ))
    .bind(city_id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// An official's region: returned proposals, and the open rounds closing
/// within 3 days while the region has drafts (with how many).
pub async fn returned_of_region(conn: &mut PgConnection, region_id: i64) -> sqlx::Result<Vec<StageRow>> {
    sqlx::query_as(&format!(
        "{STAGE_SELECT} WHERE p.region_id = $1 AND p.status = 'returned' ORDER BY p.updated_at DESC, p.id DESC"
    ))
    .bind(region_id)
    .fetch_all(conn)
    .await
}

/// (round id, name, deadline, the region's drafts) of the open rounds
/// closing within 3 days, when the region has drafts.
pub async fn closing_soon(
    conn: &mut PgConnection,
    region_id: i64,
) -> sqlx::Result<Vec<(i64, String, DateTime<Utc>, i64)>> {
    sqlx::query_as(
        "SELECT ro.id, ro.name, ro.deadline, d.n
         FROM rounds ro,
              (SELECT count(*) AS n FROM proposals WHERE region_id = $1 AND status = 'draft') d
         WHERE ro.closed_at IS NULL AND ro.deadline >= now() AND ro.deadline <= now() + interval '3 days' AND d.n > 0
         ORDER BY ro.deadline, ro.id",
    )
    .bind(region_id)
    .fetch_all(conn)
    .await
}

/// (formal checks, decisions) waiting for the reviewers: proposals at the
/// formal stage, and at the joint decision (legacy proposals without a
/// stage included).
pub async fn reviewer_counts(conn: &mut PgConnection) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM proposals WHERE stage = 'formal'),
                GREATEST(0, COALESCE((SELECT n FROM review_counters WHERE key = 'status:submitted'), 0)
                    - (SELECT count(*) FROM proposals WHERE stage IN ('city', 'formal', 'expert')))",
    )
    .fetch_one(conn)
    .await
}

/// Everything the round panel of a proposal shows, in one statement: its
/// round and stage, the city's recommendation and the stage acts.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PanelRow {
    pub round_id: Option<i64>,
    pub round_name: Option<String>,
    pub round_closed: bool,
    pub stage: Option<String>,
    pub status: String,
    pub city_name: Option<String>,
    pub rank: Option<i32>,
    pub opinion: Option<String>,
    pub actions: sqlx::types::Json<Vec<PanelAction>>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct PanelAction {
    pub stage: String,
    pub outcome: String,
    pub comment: String,
    pub missing: Vec<MissingItem>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

pub async fn panel(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Option<PanelRow>> {
    sqlx::query_as(
        "SELECT p.round_id, ro.name AS round_name, ro.closed_at IS NOT NULL AS round_closed,
                p.stage, p.status, c.name AS city_name, cr.rank, cr.opinion,
                COALESCE((SELECT json_agg(json_build_object(
                              'stage', a.stage, 'outcome', a.outcome, 'comment', a.comment,
                              'missing', a.missing, 'actor', u.display_name, 'at', a.acted_at) ORDER BY a.id DESC)
                          FROM stage_actions a JOIN users u ON u.id = a.acted_by
                          WHERE a.proposal_id = p.id), '[]'::json) AS actions
         FROM proposals p JOIN regions r ON r.id = p.region_id
         LEFT JOIN regions c ON c.id = r.parent_id
         LEFT JOIN rounds ro ON ro.id = p.round_id
         LEFT JOIN city_recommendations cr ON cr.proposal_id = p.id
         WHERE p.id = $1",
    )
    .bind(proposal_id)
    .fetch_optional(conn)
    .await
}
