//! Evaluations: immutable records of a proposal scored under a standard
//! version (a trigger refuses UPDATE and DELETE).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use sqlx::types::Json;

use crate::domain::Lang;
use crate::standards::{Evaluation, Finding, Rendered};

/// An evaluation as pages and services read it. The parts that never
/// change (the snapshot, the findings and their words) are shared: the
/// report's list of a proposal's evaluations takes them from
/// [`EvaluationCache`] instead of decoding them again.
#[derive(Debug, Clone)]
pub struct EvaluationRow {
    pub id: i64,
    pub proposal_id: i64,
    pub proposal_revision: i32,
    pub standard_id: i64,
    pub standard_code: String,
    pub standard_version: i32,
    pub snapshot: Arc<serde_json::Value>,
    pub findings: Arc<Vec<Finding>>,
    pub rendered: Arc<Rendered>,
    pub overall: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// The content hash of the standard version it was made under (its
    /// definition is then read from memory).
    pub standard_hash: String,
    /// The materials its submission froze, read in the same statement (the
    /// report's budget of statements has no room for another). Not cached:
    /// a material's retirement and its uploader's name are read fresh.
    pub materials: Json<Vec<super::materials::MaterialRow>>,
    /// The boundary its submission froze, with what was found then: read
    /// only by [`list_in`] (the proposal's page) and [`super::report`], in the same
    /// statement; not cached, for the same reason as the materials.
    pub boundary: super::boundaries::FrozenJson,
}

/// A row as the database sends it: `snapshot`, `findings` and `rendered`
/// are NULL where [`list_in`] found the evaluation in its cache (the
/// columns themselves are NOT NULL). Also read as JSON, where another
/// statement carries a proposal's evaluations in a column
/// ([`super::report`]).
#[derive(sqlx::FromRow, serde::Deserialize)]
pub(super) struct RawRow {
    id: i64,
    proposal_id: i64,
    proposal_revision: i32,
    standard_id: i64,
    standard_code: String,
    standard_version: i32,
    snapshot: Option<serde_json::Value>,
    findings: Option<Json<Vec<Finding>>>,
    rendered: Option<Json<Rendered>>,
    overall: String,
    created_by: Option<i64>,
    created_at: DateTime<Utc>,
    standard_hash: String,
    materials: Json<Vec<super::materials::MaterialRow>>,
    #[sqlx(default)]
    #[serde(default)]
    boundary: super::boundaries::FrozenJson,
}

/// What never changes in an evaluation (a trigger refuses UPDATE and
/// DELETE), decoded.
#[derive(Debug)]
struct Body {
    snapshot: Arc<serde_json::Value>,
    findings: Arc<Vec<Finding>>,
    rendered: Arc<Rendered>,
}

impl RawRow {
    /// The row with its body, or `None` when a part was left out and is not
    /// in `cached`.
    fn into_row(self, cached: Option<&Body>) -> Option<EvaluationRow> {
        let body = match (self.snapshot, self.findings, self.rendered) {
            (Some(snapshot), Some(findings), Some(rendered)) => Body {
                snapshot: Arc::new(snapshot),
                findings: Arc::new(findings.0),
                rendered: Arc::new(rendered.0),
            },
            _ => {
                let c = cached?;
                Body {
                    snapshot: c.snapshot.clone(),
                    findings: c.findings.clone(),
                    rendered: c.rendered.clone(),
                }
            }
        };
        Some(EvaluationRow {
            id: self.id,
            proposal_id: self.proposal_id,
            proposal_revision: self.proposal_revision,
            standard_id: self.standard_id,
            standard_code: self.standard_code,
            standard_version: self.standard_version,
            snapshot: body.snapshot,
            findings: body.findings,
            rendered: body.rendered,
            overall: self.overall,
            created_by: self.created_by,
            created_at: self.created_at,
            standard_hash: self.standard_hash,
            materials: self.materials,
            boundary: self.boundary,
        })
    }
}

/// A proposal's decoded bodies in one language: (id, created at, body).
type Bodies = Arc<Vec<(i64, DateTime<Utc>, Arc<Body>)>>;

/// The decoded bodies of the evaluations that pages showed, per proposal
/// and language (the report renders one language's words). Keyed by the
/// evaluation's id and creation time, so that a database restored under a
/// running server cannot serve another evaluation's body under a reused id.
/// One per [`crate::state::AppState`], i.e. per database.
#[derive(Clone)]
pub struct EvaluationCache {
    entries: Arc<quick_cache::sync::Cache<(i64, Lang), Bodies, BodyWeight>>,
}

/// Weighs an entry by its findings: they are most of an evaluation's size
/// (about 2 KB decoded each, both words and figures).
#[derive(Clone)]
struct BodyWeight;

impl quick_cache::Weighter<(i64, Lang), Bodies> for BodyWeight {
    fn weight(&self, _: &(i64, Lang), bodies: &Bodies) -> u64 {
        bodies
            .iter()
            .map(|(_, _, b)| 2_000 * (b.findings.len() as u64 + 1))
            .sum::<u64>()
            .max(1)
    }
}

impl EvaluationCache {
    /// A cache of about `bytes` of decoded evaluations.
    pub fn new(bytes: u64) -> Self {
        // quick_cache wants an estimate of the number of items.
        let items = (bytes / 40_000).max(16) as usize;
        Self {
            entries: Arc::new(quick_cache::sync::Cache::with_weighter(items, bytes.max(1), BodyWeight)),
        }
    }
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

/// The evaluations' columns, with the materials the submission froze. The
/// frozen materials (here) and boundary (in [`LIST`]) are read by the
/// functions of migration `20261209000200`, called only when there is
/// something to read: a sub-query is started with its statement whether a
/// row needs it or not, and these two were most of the report's statement
/// (issue 19); the probe is one index look-up.
const SELECT: &str = "SELECT e.id, e.proposal_id, e.proposal_revision, e.standard_id, e.standard_code,
    e.standard_version, e.snapshot, e.findings, e.rendered, e.overall, e.created_by, e.created_at,
    (SELECT s.content_hash FROM standards s WHERE s.id = e.standard_id) AS standard_hash,
    CASE WHEN EXISTS (SELECT 1 FROM submitted_materials fm WHERE fm.evaluation_id = e.id)
         THEN frozen_materials(e.id) ELSE '[]' END AS materials
    FROM evaluations e";

pub async fn latest(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Option<EvaluationRow>> {
    let raw: Option<RawRow> = sqlx::query_as(&format!("{SELECT} WHERE e.proposal_id = $1 ORDER BY e.id DESC LIMIT 1"))
        .bind(proposal_id)
        .fetch_optional(conn)
        .await?;
    Ok(raw.and_then(|r| r.into_row(None)))
}

/// All evaluations of a proposal, newest first, for a page in `lang`, each
/// with its frozen boundary: their `rendered` holds that language's
/// findings only (the other is empty), so the database sends, and the page
/// decodes, half the words. The bodies of evaluations already in `cache`
/// are not sent at all: one statement still, and a second only when the
/// cache turns out to hold another database's evaluation under an id.
pub async fn list_in(
    conn: &mut PgConnection,
    cache: &EvaluationCache,
    proposal_id: i64,
    lang: Lang,
) -> sqlx::Result<Vec<EvaluationRow>> {
    let lookup = Lookup::new(cache, proposal_id, lang);
    for attempt in 0..2 {
        let known = lookup.known(attempt);
        let raw: Vec<RawRow> = sqlx::query_as(LIST.as_str())
            .bind(proposal_id)
            .bind(lang.code())
            .bind(&known)
            .fetch_all(&mut *conn)
            .await?;
        if let Some(rows) = lookup.finish(raw, &known) {
            return Ok(rows);
        }
    }
    Err(Lookup::failed())
}

/// A proposal's evaluations, newest first, each with its frozen boundary,
/// for a page in `lang` (`$1` the proposal, `$2` the language, `$3` the ids
/// whose bodies the page has already): `rendered` holds that language's
/// words only, and the bodies of the ids in `$3` are NULL.
pub(super) static LIST: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let one_language = SELECT.replacen(
        "e.snapshot, e.findings, e.rendered,",
        "CASE WHEN e.id = ANY($3) THEN NULL ELSE e.snapshot END AS snapshot,
         CASE WHEN e.id = ANY($3) THEN NULL ELSE e.findings END AS findings,
         CASE WHEN e.id = ANY($3) THEN NULL
              WHEN $2 = 'en' THEN jsonb_build_object('zh', '[]'::jsonb, 'en', e.rendered -> 'en')
              ELSE jsonb_build_object('zh', e.rendered -> 'zh', 'en', '[]'::jsonb) END AS rendered,",
        1,
    );
    let with_boundary = one_language.replacen(
        " FROM evaluations e",
        ", CASE WHEN EXISTS (SELECT 1 FROM submitted_boundaries fb WHERE fb.evaluation_id = e.id)
              THEN frozen_boundary(e.id) END AS boundary FROM evaluations e",
        1,
    );
    format!("{with_boundary} WHERE e.proposal_id = $1 ORDER BY e.id DESC")
});

/// One read of a proposal's evaluations through the cache: the statement
/// is told which bodies not to send ([`Lookup::known`]), and the rows get
/// them from the cache ([`Lookup::finish`]). A statement whose left-out
/// body the cache turns out to hold under another creation time (another
/// database's evaluation under the same id) is run a second time, asking
/// for every body.
pub(super) struct Lookup<'a> {
    cache: &'a EvaluationCache,
    key: (i64, Lang),
    cached: Option<Bodies>,
}

impl<'a> Lookup<'a> {
    pub(super) fn new(cache: &'a EvaluationCache, proposal_id: i64, lang: Lang) -> Self {
        let key = (proposal_id, lang);
        Self {
            cache,
            key,
            cached: cache.entries.get(&key),
        }
    }

    /// The ids whose bodies the statement may leave out on this attempt.
    pub(super) fn known(&self, attempt: usize) -> Vec<i64> {
        match (&self.cached, attempt) {
            (Some(bodies), 0) => bodies.iter().map(|(id, _, _)| *id).collect(),
            _ => Vec::new(),
        }
    }

    /// The rows with their bodies, keeping the new ones; `None` when a
    /// body was left out that the cache does not hold.
    pub(super) fn finish(&self, raw: Vec<RawRow>, known: &[i64]) -> Option<Vec<EvaluationRow>> {
        let body_of = |id: i64, at: DateTime<Utc>| {
            self.cached
                .as_ref()
                .and_then(|bodies| bodies.iter().find(|(i, t, _)| *i == id && *t == at))
                .map(|(_, _, b)| b.clone())
        };
        let rows: Vec<EvaluationRow> = raw
            .into_iter()
            .map(|r| {
                let found = body_of(r.id, r.created_at);
                r.into_row(found.as_deref())
            })
            .collect::<Option<_>>()?;
        // Every body came from the cache: the entry already says so.
        if !rows.iter().all(|e| known.contains(&e.id)) {
            let bodies = rows
                .iter()
                .map(|e| {
                    let body = Body {
                        snapshot: e.snapshot.clone(),
                        findings: e.findings.clone(),
                        rendered: e.rendered.clone(),
                    };
                    (e.id, e.created_at, Arc::new(body))
                })
                .collect();
            self.cache.entries.insert(self.key, Arc::new(bodies));
        }
        Some(rows)
    }

    /// Both attempts left out a body the cache does not hold: the second
    /// asks for every body, so only a protocol fault gets here.
    pub(super) fn failed() -> sqlx::Error {
        sqlx::Error::Protocol("evaluation bodies left out but not cached".into())
    }
}

pub async fn get(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<EvaluationRow>> {
    let raw: Option<RawRow> = sqlx::query_as(&format!("{SELECT} WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(raw.and_then(|r| r.into_row(None)))
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
