//! A proposal's self-assessment: the rows being edited, and the rows frozen
//! with the evaluation of a submission.

use rust_decimal::Decimal;
use sqlx::PgConnection;
use sqlx::types::Json;

use crate::standards::scoring::{Judgement, Judgements};

type Row = (String, Option<Decimal>, Option<bool>, String);

fn judgements(rows: Vec<Row>) -> Judgements {
    rows.into_iter()
        .map(|(code, points, veto, comment)| (code, Judgement { points, veto, comment }))
        .collect()
}

/// The self-assessment being edited.
pub async fn load(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Judgements> {
    let rows: Vec<Row> =
        sqlx::query_as("SELECT line_code, points, veto, comment FROM self_assessments WHERE proposal_id = $1")
            .bind(proposal_id)
            .fetch_all(conn)
            .await?;
    Ok(judgements(rows))
}

/// Replaces the self-assessment with `judged` (lines with nothing given and
/// no comment are dropped).
pub async fn replace(conn: &mut PgConnection, proposal_id: i64, judged: &Judgements, user_id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM self_assessments WHERE proposal_id = $1")
        .bind(proposal_id)
        .execute(&mut *conn)
        .await?;
    let given: Vec<(&String, &Judgement)> = judged
        .iter()
        .filter(|(_, j)| j.points.is_some() || j.veto.is_some() || !j.comment.is_empty())
        .collect();
    if given.is_empty() {
        return Ok(());
    }
    let codes: Vec<&str> = given.iter().map(|(c, _)| c.as_str()).collect();
    let points: Vec<Option<Decimal>> = given.iter().map(|(_, j)| j.points).collect();
    let vetoes: Vec<Option<bool>> = given.iter().map(|(_, j)| j.veto).collect();
    let comments: Vec<&str> = given.iter().map(|(_, j)| j.comment.as_str()).collect();
    sqlx::query(
        "INSERT INTO self_assessments (proposal_id, line_code, points, veto, comment, updated_by)
         SELECT $1, * , $6 FROM unnest($2::text[], $3::numeric[], $4::bool[], $5::text[])",
    )
    .bind(proposal_id)
    .bind(&codes)
    .bind(&points)
    .bind(&vetoes)
    .bind(&comments)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Freezes the proposal's self-assessment with the evaluation of its submission.
pub async fn freeze(conn: &mut PgConnection, proposal_id: i64, evaluation_id: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO submitted_self_assessments (evaluation_id, line_code, points, veto, comment)
         SELECT $2, line_code, points, veto, comment FROM self_assessments WHERE proposal_id = $1",
    )
    .bind(proposal_id)
    .bind(evaluation_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The self-assessment submitted with an evaluation (the function
/// `submitted_judgements`, also called by the report's statement).
pub async fn submitted(conn: &mut PgConnection, evaluation_id: i64) -> sqlx::Result<Judgements> {
    let rows: Json<Vec<JsonRow>> = sqlx::query_scalar("SELECT submitted_judgements($1)")
        .bind(evaluation_id)
        .fetch_one(conn)
        .await?;
    Ok(judgements_of(rows.0))
}

/// A submitted judgement as `submitted_judgements` sends it, in JSON.
#[derive(serde::Deserialize)]
pub(super) struct JsonRow {
    line_code: String,
    points: Option<Decimal>,
    veto: Option<bool>,
    comment: String,
}

pub(super) fn judgements_of(rows: Vec<JsonRow>) -> Judgements {
    judgements(
        rows.into_iter()
            .map(|r| (r.line_code, r.points, r.veto, r.comment))
            .collect(),
    )
}
