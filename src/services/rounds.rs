//! Rounds (申报批次, DESIGN.md "Review as provinces run it"): admins open,
//! edit and close them; officials submit into an open one; the city
//! recommends or returns; a provincial reviewer checks completeness (形式审查).
//! Each act is one transaction with its audit row.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use super::ServiceError;
use crate::auth::User;
use crate::db::proposals::{self, Scope};
use crate::db::rounds::{self as db, MissingItem, NewAction, NewRecommendation, RoundData, RoundRow};
use crate::db::{audit, evaluations, standards as db_standards};
use crate::domain::creation::china_time;
use crate::domain::round::{EntryRefusal, Stage, Stages, may_enter};
use crate::domain::{Lang, Role, Status};
use crate::standards::{Verdict, criterion_label};

/// Longest opinion or comment accepted.
pub const MAX_TEXT: usize = 2000;

/// A problem with what was typed: (form field, catalogue key).
pub type InputError = (&'static str, &'static str);

#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error("invalid input")]
    Invalid(Vec<InputError>),
    #[error(transparent)]
    Refused(#[from] ServiceError),
}

impl From<sqlx::Error> for RoundError {
    fn from(e: sqlx::Error) -> Self {
        RoundError::Refused(ServiceError::Db(e))
    }
}

type Result<T> = std::result::Result<T, RoundError>;

/// An audit row of a round.
fn round_entry<'a>(
    user: &User,
    action: &'a str,
    id: i64,
    change: (Option<serde_json::Value>, Option<serde_json::Value>),
) -> audit::Entry<'a> {
    audit::Entry {
        actor_id: Some(user.id),
        action,
        entity: "round",
        entity_id: Some(id),
        before: change.0,
        after: change.1,
    }
}

// ---- Admin: the rounds ----

/// The round form as typed (kept on errors).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RoundForm {
    #[serde(default)]
    pub name: String,
    /// `YYYY-MM-DD` (the end of that day, China time) or `YYYY-MM-DDTHH:MM`.
    #[serde(default)]
    pub deadline: String,
    /// A standard version's id; empty: the active version at each submission.
    #[serde(default)]
    pub standard: String,
    #[serde(default)]
    pub scoring_table: String,
    #[serde(default)]
    pub city_stage: Option<String>,
    #[serde(default)]
    pub formal_stage: Option<String>,
    #[serde(default)]
    pub expert_stage: Option<String>,
    #[serde(default)]
    pub notice_stage: Option<String>,
    #[serde(default)]
    pub city_quota: String,
}

impl RoundForm {
    pub fn of(round: &RoundRow) -> RoundForm {
        let on = |b: bool| b.then(|| "on".to_owned());
        RoundForm {
            name: round.name.clone(),
            deadline: round
                .deadline
                .map(|d| d.with_timezone(&china_time()).format("%Y-%m-%dT%H:%M").to_string())
                .unwrap_or_default(),
            standard: round.standard_id.map(|s| s.to_string()).unwrap_or_default(),
            scoring_table: round.scoring_table.clone().unwrap_or_default(),
            city_stage: on(round.city_stage),
            formal_stage: on(round.formal_stage),
            expert_stage: on(round.expert_stage),
            notice_stage: on(round.notice_stage),
            city_quota: round.city_quota.map(|q| q.to_string()).unwrap_or_default(),
        }
    }

    fn stages(&self) -> Stages {
        Stages {
            city: self.city_stage.is_some(),
            formal: self.formal_stage.is_some(),
            expert: self.expert_stage.is_some(),
            notice: self.notice_stage.is_some(),
        }
    }
}

/// A deadline as typed: a date is the end of that day in China (24:00), a
/// date and time that minute.
pub fn parse_deadline(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let local = if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        NaiveDateTime::new(d, NaiveTime::from_hms_opt(23, 59, 59)?)
    } else {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
            .ok()?
    };
    china_time().from_local_datetime(&local).single().map(|d| d.to_utc())
}

/// The form read and checked: every problem at once.
async fn read_form<'f>(
    conn: &mut PgConnection,
    form: &'f RoundForm,
    id: Option<i64>,
    is_default: bool,
) -> Result<RoundData<'f>> {
    let mut errors = Vec::new();
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(("name", "rounds.error.name"));
    } else if db::name_taken(conn, name, id).await? {
        errors.push(("name", "rounds.error.name_taken"));
    }
    let deadline = if form.deadline.trim().is_empty() {
        // Only the round of the single-reviewer path runs without one.
        if !is_default {
            errors.push(("deadline", "rounds.error.deadline_required"));
        }
        None
    } else {
        let d = parse_deadline(&form.deadline);
        if d.is_none() {
            errors.push(("deadline", "rounds.error.deadline"));
        }
        d
    };
    let mut standard_id = None;
    let mut scoring_table = None;
    let standard = form.standard.trim();
    if !standard.is_empty() {
        let row = match standard.parse::<i64>() {
            Ok(sid) => db_standards::by_id(conn, sid).await?.filter(|s| s.status != "draft"),
            Err(_) => None,
        };
        match row {
            None => errors.push(("standard", "rounds.error.standard")),
            Some(row) => {
                standard_id = Some(row.id);
                let table = form.scoring_table.trim();
                if !table.is_empty() {
                    // The column takes codes of lower-case letters, digits,
                    // `_` and `.` (every built-in table's).
                    let storable = table.len() <= 60
                        && table
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
                    if storable && row.standard().tables.iter().any(|t| t.code == table) {
                        scoring_table = Some(table);
                    } else {
                        errors.push(("scoring_table", "rounds.error.scoring_table"));
                    }
                }
            }
        }
    } else if !form.scoring_table.trim().is_empty() {
        errors.push(("scoring_table", "rounds.error.table_needs_standard"));
    }
    let quota = form.city_quota.trim();
    let city_quota = if quota.is_empty() {
        None
    } else {
        match quota.parse::<i32>() {
            Ok(q) if (1..=1000).contains(&q) => Some(q),
            _ => {
                errors.push(("city_quota", "rounds.error.quota"));
                None
            }
        }
    };
    if !errors.is_empty() {
        return Err(RoundError::Invalid(errors));
    }
    Ok(RoundData {
        name,
        deadline,
        standard_id,
        scoring_table,
        stages: form.stages(),
        city_quota,
    })
}

fn round_json(data: &RoundData<'_>) -> serde_json::Value {
    json!({
        "name": data.name, "deadline": data.deadline, "standard_id": data.standard_id,
        "scoring_table": data.scoring_table, "stages": data.stages, "city_quota": data.city_quota,
    })
}

/// Opens a round; returns its id.
pub async fn create(db: &PgPool, user: &User, form: &RoundForm) -> Result<i64> {
    let mut tx = crate::db::begin(db).await?;
    let data = read_form(&mut tx, form, None, false).await?;
    let id = match db::insert(&mut tx, &data, user.id).await {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(RoundError::Invalid(vec![("name", "rounds.error.name_taken")]));
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &mut tx,
        round_entry(user, "round.created", id, (None, Some(round_json(&data)))),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes an open round.
pub async fn update(db: &PgPool, user: &User, id: i64, form: &RoundForm) -> Result<()> {
    let mut tx = crate::db::begin(db).await?;
    let before = db::lock(&mut tx, id).await?.ok_or(ServiceError::NotFound)?;
    if !before.is_open() {
        return Err(ServiceError::Refused("rounds.error.closed").into());
    }
    let data = read_form(&mut tx, form, Some(id), before.is_default).await?;
    match db::update(&mut tx, id, &data).await {
        Ok(_) => {}
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(RoundError::Invalid(vec![("name", "rounds.error.name_taken")]));
        }
        Err(e) => return Err(e.into()),
    }
    let b = json!({"name": before.name, "deadline": before.deadline, "standard_id": before.standard_id,
        "scoring_table": before.scoring_table, "stages": before.stages(), "city_quota": before.city_quota});
    audit::record(
        &mut tx,
        round_entry(user, "round.updated", id, (Some(b), Some(round_json(&data)))),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Closes a round: nothing enters it any more, and its city stage stops.
pub async fn close(db: &PgPool, user: &User, id: i64) -> Result<()> {
    let mut tx = crate::db::begin(db).await?;
    db::lock(&mut tx, id).await?.ok_or(ServiceError::NotFound)?;
    if !db::close(&mut tx, id).await? {
        return Err(ServiceError::Refused("rounds.error.closed").into());
    }
    audit::record(&mut tx, round_entry(user, "round.closed", id, (None, None))).await?;
    tx.commit().await?;
    Ok(())
}

// ---- Submission into a round ----

/// Where a submission goes: the chosen round, or the only open one; the
/// standard version it is evaluated under; the stage it enters.
pub struct Entry {
    pub round: RoundRow,
    pub stage: Stage,
}

/// The round a (re)submission of the locked `row` enters, checked: a
/// proposal stays in the round it first entered; otherwise the chosen one
/// (required when several are open), or the only open one. Nothing enters a
/// closed round or one past its deadline.
pub(super) async fn entry_for(
    conn: &mut PgConnection,
    row: &proposals::ProposalRow,
    chosen: Option<i64>,
    now: DateTime<Utc>,
) -> std::result::Result<Entry, ServiceError> {
    let round_id = match (row.round_id, chosen) {
        (Some(current), _) => current,
        (None, Some(chosen)) => chosen,
        (None, None) => {
            let open = db::open(conn).await?;
            match open.as_slice() {
                [only] => only.id,
                [] => db::default_round(conn)
                    .await?
                    .ok_or(ServiceError::Refused("rounds.error.none_open"))?,
                _ => return Err(ServiceError::Refused("rounds.error.choose")),
            }
        }
    };
    let round = db::lock(conn, round_id)
        .await?
        .ok_or(ServiceError::Refused("rounds.error.choose"))?;
    match may_enter(round.deadline, !round.is_open(), now) {
        Ok(()) => {}
        Err(EntryRefusal::Closed) => return Err(ServiceError::Refused("rounds.error.entry_closed")),
        Err(EntryRefusal::PastDeadline) => return Err(ServiceError::Refused("rounds.error.entry_deadline")),
    }
    let has_city = db::city_of(conn, row.region_id).await?.is_some();
    let stage = round.stages().first(has_city);
    Ok(Entry { round, stage })
}

// ---- The city's pre-review ----

/// The proposal locked, if it is one of the city user's counties' and at
/// the city stage of an open round.
async fn at_city_stage(
    conn: &mut PgConnection,
    user: &User,
    id: i64,
    version: i32,
) -> std::result::Result<(proposals::ProposalRow, RoundRow, i64), ServiceError> {
    let city = match (user.role, user.region_id) {
        (Role::City, Some(city)) => city,
        _ => return Err(ServiceError::NotFound),
    };
    let row = proposals::lock(conn, id, Scope::City(city))
        .await?
        .ok_or(ServiceError::NotFound)?;
    if row.version != version {
        return Err(ServiceError::Stale);
    }
    if row.status() != Status::Submitted || stage_of(&row) != Some(Stage::City) {
        return Err(ServiceError::Refused("rounds.error.not_city_stage"));
    }
    let round_id = row.round_id.ok_or(ServiceError::WrongState)?;
    let round = db::lock(conn, round_id).await?.ok_or(ServiceError::WrongState)?;
    if !round.is_open() {
        return Err(ServiceError::Refused("rounds.error.closed"));
    }
    Ok((row, round, city))
}

pub struct Recommend<'a> {
    pub version: i32,
    pub rank: &'a str,
    pub opinion: &'a str,
}

/// The city recommends a proposal with an opinion and a rank among its
/// recommendations in the round (unique, within the quota): it moves on to
/// the next stage that is on.
pub async fn recommend(db: &PgPool, user: &User, id: i64, input: Recommend<'_>) -> Result<Stage> {
    let opinion = input.opinion.trim();
    let mut errors = Vec::new();
    if opinion.is_empty() {
        errors.push(("opinion", "rounds.error.opinion_required"));
    } else if opinion.chars().count() > MAX_TEXT {
        errors.push(("opinion", "rounds.error.too_long"));
    }
    let rank = input.rank.trim().parse::<i32>().ok().filter(|r| (1..=1000).contains(r));
    if rank.is_none() {
        errors.push(("rank", "rounds.error.rank"));
    }
    let mut tx = crate::db::begin(db).await?;
    let (_, round, city) = at_city_stage(&mut tx, user, id, input.version).await?;
    if let Some(quota) = round.city_quota {
        let used = db::recommendations_of(&mut tx, round.id, city, id).await?;
        if used >= i64::from(quota) {
            return Err(ServiceError::Refused("rounds.error.quota_reached").into());
        }
    }
    if let Some(rank) = rank
        && db::rank_taken(&mut tx, round.id, city, rank, id).await?
    {
        errors.push(("rank", "rounds.error.rank_taken"));
    }
    if !errors.is_empty() {
        return Err(RoundError::Invalid(errors));
    }
    let rank = rank.expect("checked above");
    db::recommend(
        &mut tx,
        NewRecommendation {
            proposal_id: id,
            round_id: round.id,
            city_id: city,
            rank,
            opinion,
            user_id: user.id,
        },
    )
    .await?;
    let next = round.stages().after(Stage::City, true).unwrap_or(Stage::Joint);
    let passed = Passed {
        id,
        round_id: round.id,
        stage: Stage::City,
        next,
        comment: opinion,
        action: "proposal.recommended",
        after: json!({"stage": next.code(), "round": round.id, "rank": rank, "opinion": opinion}),
    };
    pass_stage(&mut tx, user, passed).await?;
    tx.commit().await?;
    Ok(next)
}

/// A stage passed: the proposal moves on to `next`.
struct Passed<'a> {
    id: i64,
    round_id: i64,
    stage: Stage,
    next: Stage,
    comment: &'a str,
    action: &'a str,
    after: serde_json::Value,
}

/// Moves a proposal on, recorded as the stage's act and audited.
async fn pass_stage(tx: &mut PgConnection, user: &User, p: Passed<'_>) -> std::result::Result<(), ServiceError> {
    db::set_stage(tx, p.id, p.next, user.id).await?;
    db::record_action(
        tx,
        NewAction {
            proposal_id: p.id,
            round_id: p.round_id,
            stage: p.stage,
            passed: true,
            comment: p.comment,
            missing: json!([]),
            user_id: user.id,
        },
    )
    .await?;
    let before = Some(json!({"stage": p.stage.code()}));
    audit::record(
        tx,
        super::proposals::audit_entry(user, p.action, p.id, before, Some(p.after)),
    )
    .await?;
    Ok(())
}

/// Returns a proposal to its county (status `returned`) with a comment,
/// recorded as the stage's act; the county sees the comment.
async fn return_to_county(
    tx: &mut PgConnection,
    user: &User,
    row: &proposals::ProposalRow,
    round_id: i64,
    stage: Stage,
    comment: &str,
    missing: &[MissingItem],
) -> std::result::Result<(), ServiceError> {
    let id = row.id;
    proposals::set_status(tx, id, Status::Returned, user.id).await?;
    db::record_action(
        tx,
        NewAction {
            proposal_id: id,
            round_id,
            stage,
            passed: false,
            comment,
            missing: serde_json::to_value(missing).unwrap_or_default(),
            user_id: user.id,
        },
    )
    .await?;
    let missing_codes: Vec<&str> = missing.iter().map(|m| m.criterion.as_str()).collect();
    audit::record(
        tx,
        super::proposals::audit_entry(
            user,
            "proposal.returned",
            id,
            Some(json!({"status": row.status().code(), "stage": stage.code()})),
            Some(json!({"status": Status::Returned.code(), "comment": comment, "missing": missing_codes})),
        ),
    )
    .await?;
    Ok(())
}

fn check_comment(comment: &str) -> std::result::Result<&str, RoundError> {
    let comment = comment.trim();
    if comment.is_empty() {
        Err(RoundError::Invalid(vec![("comment", "rounds.error.comment_required")]))
    } else if comment.chars().count() > MAX_TEXT {
        Err(RoundError::Invalid(vec![("comment", "rounds.error.too_long")]))
    } else {
        Ok(comment)
    }
}

/// The city does not recommend: back to the county with its comment (it
/// may resubmit while the round is open).
pub async fn city_return(db: &PgPool, user: &User, id: i64, version: i32, comment: &str) -> Result<()> {
    let comment = check_comment(comment)?;
    let mut tx = crate::db::begin(db).await?;
    let (row, round, _) = at_city_stage(&mut tx, user, id, version).await?;
    return_to_county(&mut tx, user, &row, round.id, Stage::City, comment, &[]).await?;
    tx.commit().await?;
    Ok(())
}

// ---- Formal review ----

/// What the formal review finds missing in the latest evaluation: every
/// finding `missing` (the materials and the boundary a stored proposal was
/// submitted without); the data themselves were complete at submission.
pub async fn missing_items(conn: &mut PgConnection, id: i64) -> sqlx::Result<Vec<MissingItem>> {
    let Some(latest) = evaluations::latest(conn, id).await? else {
        return Ok(Vec::new());
    };
    Ok(latest
        .findings
        .iter()
        .filter(|f| f.verdict == Verdict::Missing)
        .map(|f| MissingItem {
            criterion: f.criterion.clone(),
            label_zh: criterion_label(&f.criterion, Lang::Zh).to_owned(),
            label_en: criterion_label(&f.criterion, Lang::En).to_owned(),
        })
        .collect())
}

/// The proposal locked, if it is at the formal stage.
async fn at_formal_stage(
    conn: &mut PgConnection,
    id: i64,
    version: i32,
) -> std::result::Result<(proposals::ProposalRow, RoundRow), ServiceError> {
    let row = proposals::lock(conn, id, Scope::Reviewable)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if row.version != version {
        return Err(ServiceError::Stale);
    }
    if row.status() != Status::Submitted || stage_of(&row) != Some(Stage::Formal) {
        return Err(ServiceError::Refused("rounds.error.not_formal_stage"));
    }
    let round = db::lock(conn, row.round_id.ok_or(ServiceError::WrongState)?)
        .await?
        .ok_or(ServiceError::WrongState)?;
    Ok((row, round))
}

/// The reviewer finds the proposal complete: it moves on.
pub async fn formal_complete(db: &PgPool, user: &User, id: i64, version: i32, comment: &str) -> Result<Stage> {
    let comment = comment.trim();
    if comment.chars().count() > MAX_TEXT {
        return Err(RoundError::Invalid(vec![("comment", "rounds.error.too_long")]));
    }
    let mut tx = crate::db::begin(db).await?;
    let (row, round) = at_formal_stage(&mut tx, id, version).await?;
    let has_city = db::city_of(&mut tx, row.region_id).await?.is_some();
    let next = round.stages().after(Stage::Formal, has_city).unwrap_or(Stage::Joint);
    let passed = Passed {
        id,
        round_id: round.id,
        stage: Stage::Formal,
        next,
        comment,
        action: "proposal.found_complete",
        after: json!({"stage": next.code(), "comment": comment}),
    };
    pass_stage(&mut tx, user, passed).await?;
    tx.commit().await?;
    Ok(next)
}

/// The reviewer returns the proposal with the missing items listed (those
/// ticked among what the evaluation found missing, or named in the
/// comment); at least a comment is needed.
pub async fn formal_return(
    db: &PgPool,
    user: &User,
    id: i64,
    version: i32,
    comment: &str,
    ticked: &[String],
) -> Result<()> {
    let comment = check_comment(comment)?;
    let mut tx = crate::db::begin(db).await?;
    let (row, round) = at_formal_stage(&mut tx, id, version).await?;
    let found = missing_items(&mut tx, id).await?;
    if ticked.iter().any(|t| !found.iter().any(|m| &m.criterion == t)) {
        return Err(RoundError::Invalid(vec![("missing", "rounds.error.missing_unknown")]));
    }
    let missing: Vec<MissingItem> = found.into_iter().filter(|m| ticked.contains(&m.criterion)).collect();
    return_to_county(&mut tx, user, &row, round.id, Stage::Formal, comment, &missing).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a submitted proposal is at the decision: at the joint stage, or
/// without a stage in the default round (or in none: data from before
/// rounds).
pub(super) async fn at_decision(conn: &mut PgConnection, row: &proposals::ProposalRow) -> sqlx::Result<bool> {
    match (stage_allows_decision(row), row.round_id) {
        (Some(allowed), _) => Ok(allowed),
        (None, Some(round)) => Ok(db::get(conn, round).await?.is_some_and(|r| r.is_default)),
        (None, None) => Ok(true),
    }
}

/// The stage a (locked) proposal is at in its round.
fn stage_of(row: &proposals::ProposalRow) -> Option<Stage> {
    row.stage.as_deref().and_then(Stage::from_code)
}

/// What a submitted proposal's stage alone says of [`at_decision`]: `None`
/// when it has no stage in a round, whose being the default round decides.
pub fn stage_allows_decision(row: &proposals::ProposalRow) -> Option<bool> {
    match (stage_of(row), row.round_id) {
        (Some(stage), _) => Some(stage == Stage::Joint),
        (None, None) => Some(true),
        (None, Some(_)) => None,
    }
}
