//! Evaluations: immutable records of a proposal scored under a standard
//! version (a trigger refuses UPDATE and DELETE).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use sqlx::types::Json;

use crate::domain::Lang;
use crate::standards::{Evaluation, Finding, Rendered};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvaluationRow {
    pub id: i64,
    pub proposal_id: i64,
    pub proposal_revision: i32,
    pub standard_id: i64,
    pub standard_code: String,
    pub standard_version: i32,
    pub snapshot: serde_json::Value,
    pub findings: Json<Vec<Finding>>,
    pub rendered: Json<Rendered>,
    pub overall: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// The content hash of the standard version it was made under (its
    /// definition is then read from memory).
    pub standard_hash: String,
    /// The materials its submission froze, read in the same statement (the
    /// report's budget of statements has no room for another).
    pub materials: Json<Vec<super::materials::MaterialRow>>,
    /// The boundary its submission froze, with what was found then: read
    /// only by [`list_in`] (the report and the proposal's page), in the same statement.
    #[sqlx(default)]
    pub boundary: super::boundaries::FrozenJson,
}

pub struct NewEvaluation<'a> {
    pub proposal_id: i64,
    pub proposal_revision: i32,
    pub standard_id: i64,
    pub snapshot: serde_json::Value,
    pub evaluation: &'a Evaluation,
    /// The findings in words, as the services rendered them.
    pub rendered: Rendered,
    pub created_by: Option<i64>,
}

pub async fn insert(conn: &mut PgConnection, new: NewEvaluation<'_>) -> sqlx::Result<i64> {
    let e = new.evaluation;
    sqlx::query_scalar(
        "INSERT INTO evaluations (proposal_id, proposal_revision, standard_id, standard_code, standard_version,
             snapshot, findings, rendered, overall, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(new.proposal_id)
    .bind(new.proposal_revision)
    .bind(new.standard_id)
    .bind(&e.standard.code)
    .bind(e.standard.version)
    .bind(new.snapshot)
    .bind(Json(&e.findings))
    .bind(Json(&new.rendered))
    .bind(e.overall.code())
    .bind(new.created_by)
    .fetch_one(conn)
    .await
}

const SELECT: &str = "SELECT e.id, e.proposal_id, e.proposal_revision, e.standard_id, e.standard_code,
    e.standard_version, e.snapshot, e.findings, e.rendered, e.overall, e.created_by, e.created_at,
    s.content_hash AS standard_hash,
    (SELECT COALESCE(json_agg(json_build_object(
         'id', m.id, 'proposal_id', m.proposal_id, 'material_type', m.material_type, 'file_name', m.file_name,
         'sha256', m.sha256, 'size', f.size, 'kind', f.kind, 'uploaded_by_name', u.display_name,
         'uploaded_at', m.uploaded_at, 'retired_at', m.retired_at) ORDER BY m.material_type), '[]')
     FROM submitted_materials sm JOIN materials m ON m.id = sm.material_id
     JOIN material_files f ON f.sha256 = m.sha256 JOIN users u ON u.id = m.uploaded_by
     WHERE sm.evaluation_id = e.id) AS materials
    FROM evaluations e JOIN standards s ON s.id = e.standard_id";

pub async fn latest(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Option<EvaluationRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE e.proposal_id = $1 ORDER BY e.id DESC LIMIT 1"))
        .bind(proposal_id)
        .fetch_optional(conn)
        .await
}

/// All evaluations of a proposal, newest first, for a page in `lang`, each
/// with its frozen boundary: their `rendered` holds that language's
/// findings only (the other is empty), so the database sends, and the page
/// decodes, half the words.
pub async fn list_in(conn: &mut PgConnection, proposal_id: i64, lang: Lang) -> sqlx::Result<Vec<EvaluationRow>> {
    static LIST: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let one_language = SELECT.replacen(
            "e.rendered,",
            "CASE WHEN $2 = 'en' THEN jsonb_build_object('zh', '[]'::jsonb, 'en', e.rendered -> 'en')
                  ELSE jsonb_build_object('zh', e.rendered -> 'zh', 'en', '[]'::jsonb) END AS rendered,",
            1,
        );
        let with_boundary = one_language.replacen(
            " FROM evaluations e",
            &format!(
                ", {} AS boundary FROM evaluations e",
                super::boundaries::FROZEN_SUBQUERY
            ),
            1,
        );
        format!("{with_boundary} WHERE e.proposal_id = $1 ORDER BY e.id DESC")
    });
    sqlx::query_as(LIST.as_str())
        .bind(proposal_id)
        .bind(lang.code())
        .fetch_all(conn)
        .await
}

pub async fn get(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<EvaluationRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Inserts many evaluations in one statement (generated data for load
/// tests); keep it under ~5,000 rows.
pub async fn insert_many(conn: &mut PgConnection, rows: &[NewEvaluation<'_>]) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut b = sqlx::QueryBuilder::new(
        "INSERT INTO evaluations (proposal_id, proposal_revision, standard_id, standard_code, standard_version,
             snapshot, findings, rendered, overall, created_by) ",
    );
    b.push_values(rows, |mut s, new| {
        let e = new.evaluation;
        s.push_bind(new.proposal_id)
            .push_bind(new.proposal_revision)
            .push_bind(new.standard_id)
            .push_bind(e.standard.code.clone())
            .push_bind(e.standard.version)
            .push_bind(new.snapshot.clone())
            .push_bind(Json(e.findings.clone()))
            .push_bind(Json(&new.rendered))
            .push_bind(e.overall.code())
            .push_bind(new.created_by);
    });
    b.build().execute(conn).await?;
    Ok(())
}
