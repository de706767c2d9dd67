//! What admins do with standard versions: copy into a draft, edit a draft
//! (parameters and example cases), publish, activate; the what-if over every
//! proposal in the pipeline; and a reviewer's re-evaluation of a proposal
//! under the active version. Each change is one transaction with its audit
//! row; a version that any evaluation used, or that is not a draft, is never
//! edited (the `standards_guard` trigger refuses it too).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use crate::auth::User;
use crate::db::evaluations::{self, NewEvaluation};
use crate::db::proposals::{self, Scope};
use crate::db::standards::{self as db_standards, AdminRow};
use crate::db::{audit, is_unique_violation};
use crate::domain::Status;
use crate::domain::proposal::Proposal;
use crate::standards::{Example, Overall, Rendered, Standard, StandardError, Verdict, run_examples, scoring};

/// Why a change to a standard did not happen.
#[derive(Debug, thiserror::Error)]
pub enum StandardsError {
    #[error("not found")]
    NotFound,
    /// Only drafts are edited or published.
    #[error("not a draft")]
    NotDraft,
    /// An evaluation used the version: it never changes.
    #[error("used by evaluations")]
    Used,
    /// The draft changed since the form was loaded.
    #[error("stale")]
    Stale,
    /// Some example cases do not give their expected results.
    #[error("example cases fail")]
    ExamplesFail,
    #[error("already active")]
    AlreadyActive,
    /// The proposal has no evaluation to repeat, or is not in the pipeline.
    #[error("cannot re-evaluate")]
    NotEvaluable,
    /// The proposal is on public notice: what the public reads is frozen
    /// and is what will be published, so it is not re-evaluated meanwhile.
    #[error("on public notice")]
    OnNotice,
    /// The parameters are not sound.
    #[error("invalid standard")]
    Invalid(Vec<StandardError>),
    /// The new code is not a valid standard code.
    #[error("invalid code")]
    BadCode,
    #[error("no active standard")]
    NoActiveStandard,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Measuring a boundary fails only in the database (or on stored data that
/// no longer reads, which cannot be evaluated).
impl From<crate::services::ServiceError> for StandardsError {
    fn from(e: crate::services::ServiceError) -> Self {
        match e {
            crate::services::ServiceError::Db(e) => StandardsError::Db(e),
            _ => StandardsError::NotEvaluable,
        }
    }
}

fn entry<'a>(
    user: &User,
    action: &'a str,
    id: i64,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> audit::Entry<'a> {
    audit::Entry {
        actor_id: Some(user.id),
        action,
        entity: "standard",
        entity_id: Some(id),
        before,
        after,
    }
}

/// A standard code as the database accepts it: `ZJ-2015`, `ZC-2026`.
pub fn valid_code(code: &str) -> bool {
    let mut chars = code.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && code.len() <= 32
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
}

/// Whether every example case of the standard gives its expected results.
pub fn examples_pass(standard: &Standard) -> bool {
    run_examples(standard).iter().all(|r| r.passed)
}

/// Copies a version into a new draft: the same code with the next version
/// number, or `new_code` (version 1 or its next). Returns the draft's id.
pub async fn copy(db: &PgPool, user: &User, source_id: i64, new_code: Option<&str>) -> Result<i64, StandardsError> {
    let new_code = new_code.map(str::trim).filter(|c| !c.is_empty());
    if new_code.is_some_and(|c| !valid_code(c)) {
        return Err(StandardsError::BadCode);
    }
    let mut tx = crate::db::begin(db).await?;
    let source = db_standards::get_admin(&mut tx, source_id)
        .await?
        .ok_or(StandardsError::NotFound)?;
    let mut draft = source.standard().clone();
    draft.code = new_code.unwrap_or(&source.code).to_owned();
    draft.version = db_standards::next_version(&mut tx, &draft.code).await?;
    let id = match db_standards::insert_draft(&mut tx, &draft, user.id).await {
        Ok(id) => id,
        // Someone copied the same code at the same moment.
        Err(e) if is_unique_violation(&e) => return Err(StandardsError::Stale),
        Err(e) => return Err(e.into()),
    };
    let before = Some(json!({"id": source.id, "code": source.code, "version": source.version}));
    let after = Some(json!({"code": draft.code, "version": draft.version, "status": "draft"}));
    audit::record(&mut tx, entry(user, "standard.copied", id, before, after)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Locks a draft that no evaluation used, checking it is still the content
/// the caller loaded (`expected_hash`, when given).
async fn lock_draft(conn: &mut PgConnection, id: i64, expected_hash: Option<&str>) -> Result<AdminRow, StandardsError> {
    let row = db_standards::lock_admin(conn, id)
        .await?
        .ok_or(StandardsError::NotFound)?;
    if row.is_used() {
        return Err(StandardsError::Used);
    }
    if row.status != "draft" {
        return Err(StandardsError::NotDraft);
    }
    if expected_hash.is_some_and(|h| h != row.content_hash) {
        return Err(StandardsError::Stale);
    }
    Ok(row)
}

/// Applies `change` to a draft, validates the result and saves it, with an
/// audit row `action` that records what changed.
async fn modify_draft(
    db: &PgPool,
    user: &User,
    id: i64,
    expected_hash: Option<&str>,
    action: &str,
    detail: serde_json::Value,
    change: impl FnOnce(&mut Standard) -> Result<(), StandardsError>,
) -> Result<(), StandardsError> {
    let mut tx = crate::db::begin(db).await?;
    let row = lock_draft(&mut tx, id, expected_hash).await?;
    let mut standard = row.standard().clone();
    change(&mut standard)?;
    // Code and version identify the row: an edit never changes them.
    standard.code = row.code.clone();
    standard.version = row.version;
    let errors = standard.validate();
    if !errors.is_empty() {
        return Err(StandardsError::Invalid(errors));
    }
    db_standards::update_draft(&mut tx, id, &standard).await?;
    let before = Some(json!({"content_hash": row.content_hash}));
    let after = Some(json!({"content_hash": db_standards::content_hash(&standard), "change": detail}));
    audit::record(&mut tx, entry(user, action, id, before, after)).await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces a draft's parameters with `edited` (loaded at `expected_hash`).
pub async fn save_draft(
    db: &PgPool,
    user: &User,
    id: i64,
    expected_hash: &str,
    edited: Standard,
) -> Result<(), StandardsError> {
    let ids: Vec<&str> = edited.criteria.iter().map(|c| c.id.as_str()).collect();
    let detail = json!({"criteria": ids});
    modify_draft(db, user, id, Some(expected_hash), "standard.edited", detail, move |s| {
        *s = edited;
        Ok(())
    })
    .await
}

/// Replaces a draft's scoring tables (loaded at `expected_hash`); the whole
/// version is validated as for any edit.
pub async fn save_tables(
    db: &PgPool,
    user: &User,
    id: i64,
    expected_hash: &str,
    tables: Vec<scoring::ScoringTable>,
) -> Result<(), StandardsError> {
    let codes: Vec<&str> = tables.iter().map(|t| t.code.as_str()).collect();
    let detail = json!({"tables": codes});
    modify_draft(
        db,
        user,
        id,
        Some(expected_hash),
        "standard.tables_edited",
        detail,
        move |s| {
            s.tables = tables;
            Ok(())
        },
    )
    .await
}

/// Changes what example case `index` expects.
pub async fn set_example_expectations(
    db: &PgPool,
    user: &User,
    id: i64,
    index: usize,
    name: String,
    expected_overall: Overall,
    expected: BTreeMap<String, Verdict>,
) -> Result<(), StandardsError> {
    let detail = json!({"example": index, "name": name, "expected_overall": expected_overall.code()});
    modify_draft(db, user, id, None, "standard.example_edited", detail, move |s| {
        let ex = s.examples.get_mut(index).ok_or(StandardsError::NotFound)?;
        ex.name = name;
        ex.expected_overall = expected_overall;
        ex.expected = expected;
        Ok(())
    })
    .await
}

/// Removes example case `index`.
pub async fn remove_example(db: &PgPool, user: &User, id: i64, index: usize) -> Result<(), StandardsError> {
    modify_draft(
        db,
        user,
        id,
        None,
        "standard.example_removed",
        json!({"example": index}),
        move |s| {
            if index >= s.examples.len() {
                return Err(StandardsError::NotFound);
            }
            s.examples.remove(index);
            Ok(())
        },
    )
    .await
}

/// Adds an example case made from a proposal as last evaluated (or as
/// stored, when never evaluated), expecting the results the draft gives it
/// now: the admin then adjusts what it should give. Returns the case's index.
pub async fn add_example_from_proposal(
    db: &PgPool,
    user: &User,
    id: i64,
    proposal_id: i64,
    name: Option<String>,
) -> Result<usize, StandardsError> {
    let mut conn = crate::db::acquire(db).await?;
    let row = proposals::get(&mut conn, proposal_id, Scope::All)
        .await?
        .ok_or(StandardsError::NotEvaluable)?;
    // The case is checked under the draft it joins: its by-year list must
    // fit the draft's period (read in the change below).
    let latest = evaluations::latest(&mut conn, proposal_id).await?;
    let input = row.to_input();
    drop(conn);
    let files = example_attachments(db, proposal_id, latest.as_ref()).await?;
    let snapshot = latest.map(|e| e.snapshot);
    let name = name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| row.name.clone());
    let mut index = 0;
    let detail = json!({"proposal_id": proposal_id, "name": name});
    modify_draft(db, user, id, None, "standard.example_added", detail, |s| {
        let proposal = match &snapshot {
            Some(snapshot) => Proposal::from_json_under(snapshot, s.periods()),
            None => input.complete_under(s.periods()),
        }
        .map_err(|_| StandardsError::NotEvaluable)?;
        let ev = crate::standards::evaluate_with(&proposal, s, &files);
        s.examples.push(Example {
            name,
            proposal: proposal.to_json(),
            expected_overall: ev.overall,
            expected: ev.findings.iter().map(|f| (f.criterion.clone(), f.verdict)).collect(),
            materials: files.materials,
            boundary: Some(files.boundary.clone()),
        });
        index = s.examples.len() - 1;
        Ok(())
    })
    .await?;
    Ok(index)
}

/// What a case made from a proposal carries besides its figures, so that
/// its material and boundary criteria expect what the proposal had: the
/// materials and the boundary facts its latest evaluation froze (`missing`
/// when it froze none), or, never evaluated, its current materials and its
/// current boundary measured now (nothing written). Overlapping towns are
/// kept by name only (a case stands without the database).
async fn example_attachments(
    db: &PgPool,
    proposal_id: i64,
    latest: Option<&evaluations::EvaluationRow>,
) -> Result<crate::standards::Attachments, StandardsError> {
    use crate::standards::{Attachments, BoundaryState};
    let (materials, boundary) = match latest {
        Some(e) => {
            let materials =
                crate::services::materials::types_of(e.materials.0.iter().map(|m| m.material_type.as_str()));
            let mut conn = crate::db::acquire(db).await?;
            let facts = crate::services::boundaries::latest_facts(&mut conn, &[proposal_id])
                .await?
                .remove(&proposal_id);
            (materials, facts)
        }
        None => {
            let materials = {
                let mut conn = crate::db::acquire(db).await?;
                crate::services::materials::attachments(&mut conn, proposal_id)
                    .await?
                    .materials
                    .unwrap_or_default()
            };
            let facts = crate::services::boundaries::current_for_page(db, proposal_id)
                .await?
                .map(|(_, _, measured)| measured.facts);
            (materials, facts)
        }
    };
    let boundary = match boundary {
        Some(mut facts) => {
            for o in &mut facts.overlaps {
                o.proposal_id = None;
            }
            BoundaryState::Known(facts)
        }
        None => BoundaryState::Missing,
    };
    Ok(Attachments {
        materials: Some(materials),
        boundary,
    })
}

/// A draft becomes published, if all its example cases pass.
pub async fn publish(db: &PgPool, user: &User, id: i64) -> Result<(), StandardsError> {
    let mut tx = crate::db::begin(db).await?;
    let row = db_standards::lock_admin(&mut tx, id)
        .await?
        .ok_or(StandardsError::NotFound)?;
    if row.status != "draft" {
        return Err(StandardsError::NotDraft);
    }
    if !examples_pass(row.standard()) {
        return Err(StandardsError::ExamplesFail);
    }
    db_standards::publish(&mut tx, id).await?;
    let before = Some(json!({"status": "draft"}));
    let after = Some(json!({"status": "published", "content_hash": row.content_hash}));
    audit::record(&mut tx, entry(user, "standard.published", id, before, after)).await?;
    tx.commit().await?;
    Ok(())
}

/// Makes a draft or published version the active one from `effective_from`
/// (the previously active one becomes published), if all its example cases
/// pass. Activations are serialised, so exactly one version is active even
/// when two admins activate at once.
pub async fn activate(
    db: &PgPool,
    user: &User,
    id: i64,
    effective_from: chrono::NaiveDate,
) -> Result<(), StandardsError> {
    let mut tx = crate::db::begin(db).await?;
    db_standards::lock_activation(&mut tx).await?;
    let row = db_standards::lock_admin(&mut tx, id)
        .await?
        .ok_or(StandardsError::NotFound)?;
    if row.status == "active" {
        return Err(StandardsError::AlreadyActive);
    }
    if !examples_pass(row.standard()) {
        return Err(StandardsError::ExamplesFail);
    }
    let previous = db_standards::activate(&mut tx, id, effective_from).await?;
    let before = Some(json!({"status": row.status, "previous_active": previous}));
    let after = Some(json!({"status": "active", "effective_from": effective_from}));
    audit::record(&mut tx, entry(user, "standard.activated", id, before, after)).await?;
    tx.commit().await?;
    Ok(())
}

/// Pass / pass_with_warnings / fail counts under one version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub pass: usize,
    pub pass_with_warnings: usize,
    pub fail: usize,
}

impl Counts {
    fn add(&mut self, overall: Overall) {
        match overall {
            Overall::Pass => self.pass += 1,
            Overall::PassWithWarnings => self.pass_with_warnings += 1,
            Overall::Fail => self.fail += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.pass + self.pass_with_warnings + self.fail
    }
}

/// A criterion whose verdict differs between the two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionChange {
    pub criterion: String,
    /// `None` when the version has no such criterion.
    pub before: Option<Verdict>,
    pub after: Option<Verdict>,
}

/// A proposal whose overall verdict the draft would change.
#[derive(Debug, Clone)]
pub struct Changed {
    pub proposal_id: i64,
    pub name: String,
    pub region: String,
    pub status: Status,
    pub before: Overall,
    pub after: Overall,
    pub criteria: Vec<CriterionChange>,
}

/// A proposal's creation-review score (computed lines only: judged lines
/// are people's and are the same under both versions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableScore {
    pub total: Decimal,
    pub maximum: Decimal,
    pub grade: Option<scoring::GradeName>,
    pub vetoed: bool,
}

/// A proposal whose score or grade the draft would change.
#[derive(Debug, Clone)]
pub struct ScoreChanged {
    pub proposal_id: i64,
    pub name: String,
    pub region: String,
    /// `None` when the version has no creation-review table.
    pub before: Option<TableScore>,
    pub after: Option<TableScore>,
}

#[derive(Debug, Clone)]
pub struct WhatIf {
    pub active: Standard,
    pub candidate: Standard,
    pub under_active: Counts,
    pub under_candidate: Counts,
    pub changed: Vec<Changed>,
    pub score_changed: Vec<ScoreChanged>,
    /// Proposals whose stored data is incomplete and could not be scored.
    pub skipped: usize,
    /// Time to load and evaluate everything.
    pub elapsed: Duration,
}

/// Re-evaluates every submitted and approved proposal and every town on the
/// creation list (listed, named, demoted — not the towns that left it) under
/// the active version and under version `id`; stores nothing. One query loads
/// the proposals; evaluation runs in memory.
pub async fn what_if(db: &PgPool, id: i64) -> Result<WhatIf, StandardsError> {
    let started = Instant::now();
    let mut conn = crate::db::acquire(db).await?;
    let candidate = db_standards::get_admin(&mut conn, id)
        .await?
        .ok_or(StandardsError::NotFound)?;
    let active = db_standards::active(&mut conn)
        .await?
        .ok_or(StandardsError::NoActiveStandard)?;
    let rows = db_standards::whatif_proposals(&mut conn).await?;
    // Boundaries as measured at their last evaluation: kept, not measured again.
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut boundaries = crate::services::boundaries::latest_facts(&mut conn, &ids).await?;
    // Stored proposals are evaluated with the materials they have.
    let materials: std::collections::HashMap<i64, crate::standards::Attachments> =
        crate::db::materials::all_current_types(&mut conn)
            .await?
            .into_iter()
            .map(|(id, types)| {
                let set = crate::services::materials::types_of(types.iter().map(String::as_str));
                (id, crate::standards::Attachments::stored(set, None))
            })
            .collect();
    drop(conn);
    let (a, c) = (active.standard().clone(), candidate.standard().clone());
    // Evaluation is CPU work: off the async workers.
    let outcome = tokio::task::spawn_blocking(move || {
        let mut result = WhatIf {
            under_active: Counts::default(),
            under_candidate: Counts::default(),
            changed: Vec::new(),
            score_changed: Vec::new(),
            skipped: 0,
            elapsed: Duration::ZERO,
            active: a,
            candidate: c,
        };
        for row in rows {
            // Each version reads the by-year list against its own period; a
            // proposal that fits neither cannot be compared and is counted.
            let input = row.to_input();
            let (Ok(proposal), Ok(candidate_proposal)) = (
                input.complete_under(result.active.periods()),
                input.complete_under(result.candidate.periods()),
            ) else {
                result.skipped += 1;
                continue;
            };
            let files = crate::standards::Attachments {
                boundary: boundaries.remove(&row.id).map_or(
                    crate::standards::BoundaryState::Missing,
                    crate::standards::BoundaryState::Known,
                ),
                ..materials
                    .get(&row.id)
                    .cloned()
                    .unwrap_or_else(|| crate::standards::Attachments::stored(Default::default(), None))
            };
            let before = crate::standards::evaluate_with(&proposal, &result.active, &files);
            let after = crate::standards::evaluate_with(&candidate_proposal, &result.candidate, &files);
            result.under_active.add(before.overall);
            result.under_candidate.add(after.overall);
            let (score_before, score_after) = (
                review_score(&proposal, &result.active, &files),
                review_score(&candidate_proposal, &result.candidate, &files),
            );
            if score_before != score_after {
                result.score_changed.push(ScoreChanged {
                    proposal_id: row.id,
                    name: row.name.clone(),
                    region: row.region_name.clone(),
                    before: score_before,
                    after: score_after,
                });
            }
            if before.overall != after.overall {
                let ids: BTreeSet<&str> = before
                    .findings
                    .iter()
                    .chain(after.findings.iter())
                    .map(|f| f.criterion.as_str())
                    .collect();
                let criteria = result
                    .candidate
                    .criteria
                    .iter()
                    .map(|c| c.id.as_str())
                    .chain(result.active.criteria.iter().map(|c| c.id.as_str()))
                    .filter(|id| ids.contains(id))
                    .fold(Vec::<&str>::new(), |mut v, id| {
                        if !v.contains(&id) {
                            v.push(id);
                        }
                        v
                    })
                    .into_iter()
                    .filter_map(|id| {
                        let (b, a) = (before.verdict(id), after.verdict(id));
                        (b != a).then(|| CriterionChange {
                            criterion: id.to_owned(),
                            before: b,
                            after: a,
                        })
                    })
                    .collect();
                result.changed.push(Changed {
                    proposal_id: row.id,
                    name: row.name.clone(),
                    region: row.region_name.clone(),
                    status: row.status(),
                    before: before.overall,
                    after: after.overall,
                    criteria,
                });
            }
        }
        result
    })
    .await
    .map_err(|e| StandardsError::Db(sqlx::Error::Protocol(format!("what-if task failed: {e}"))))?;
    Ok(WhatIf {
        elapsed: started.elapsed(),
        ..outcome
    })
}

/// The computed part of a proposal's score on the version's common
/// creation-review table, if it has one.
fn review_score(p: &Proposal, s: &Standard, files: &crate::standards::Attachments) -> Option<TableScore> {
    let table = scoring::common_table(s, scoring::Purpose::CreationReview)?;
    let boundary = match &files.boundary {
        crate::standards::BoundaryState::Known(facts) => Some(facts),
        _ => None,
    };
    let inputs = scoring::ScoreInputs {
        boundary,
        ..scoring::ScoreInputs::default()
    };
    let r = scoring::score(p, s, &table.code, &inputs).ok()?;
    Some(TableScore {
        total: r.total,
        maximum: r.maximum,
        grade: r.grade,
        vetoed: !r.vetoes.is_empty(),
    })
}

/// A reviewer's re-evaluation: the proposal as last evaluated, scored under
/// the active version and stored as a new evaluation of the same revision.
/// Earlier evaluations stay. Returns the new evaluation's id.
pub async fn reevaluate(db: &PgPool, user: &User, proposal_id: i64) -> Result<i64, StandardsError> {
    crate::services::boundaries::warm(db).await?;
    let mut tx = crate::db::begin(db).await?;
    let row = proposals::lock(&mut tx, proposal_id, Scope::All)
        .await?
        .ok_or(StandardsError::NotFound)?;
    if matches!(row.status(), Status::Draft | Status::Withdrawn) {
        return Err(StandardsError::NotEvaluable);
    }
    if crate::db::batches::on_notice_of(&mut tx, proposal_id).await?.is_some() {
        return Err(StandardsError::OnNotice);
    }
    let latest = evaluations::latest(&mut tx, proposal_id)
        .await?
        .ok_or(StandardsError::NotEvaluable)?;
    let active = db_standards::active(&mut tx)
        .await?
        .ok_or(StandardsError::NoActiveStandard)?;
    let proposal = Proposal::from_json_under(&latest.snapshot, active.standard().periods())
        .map_err(|_| StandardsError::NotEvaluable)?;
    // The materials as last evaluated, frozen again with this evaluation.
    let frozen = crate::db::materials::frozen_types(&mut tx, latest.id).await?;
    // The boundary as last submitted, measured again (the layers in force
    // and the other towns may have changed), and frozen with this evaluation.
    let boundary = crate::services::boundaries::for_reevaluation(&mut tx, proposal_id, latest.id).await?;
    let files = crate::standards::Attachments::stored(
        crate::services::materials::types_of(frozen.iter().map(String::as_str)),
        boundary.as_ref().map(|(_, m)| m.facts.clone()),
    );
    let evaluation = crate::standards::evaluate_with(&proposal, active.standard(), &files);
    let evaluation_id = evaluations::insert(
        &mut tx,
        NewEvaluation {
            proposal_id,
            proposal_revision: latest.proposal_revision,
            standard_id: active.id,
            snapshot: (*latest.snapshot).clone(),
            evaluation: &evaluation,
            rendered: Rendered::of(&evaluation),
            created_by: Some(user.id),
        },
    )
    .await?;
    crate::db::materials::copy_frozen(&mut tx, latest.id, evaluation_id).await?;
    if let Some(b) = &boundary {
        crate::services::boundaries::freeze(&mut tx, evaluation_id, b).await?;
    }
    let before = Some(
        json!({"evaluation": latest.id, "standard": format!("{} v{}", latest.standard_code, latest.standard_version), "overall": latest.overall}),
    );
    let after = Some(
        json!({"evaluation": evaluation_id, "standard": format!("{} v{}", active.code, active.version), "overall": evaluation.overall.code(), "revision": latest.proposal_revision}),
    );
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: Some(user.id),
            action: "proposal.reevaluated",
            entity: "proposal",
            entity_id: Some(proposal_id),
            before,
            after,
        },
    )
    .await?;
    crate::services::reviews::reopen_after_reevaluation(&mut tx, user, proposal_id, evaluation_id).await?;
    tx.commit().await?;
    Ok(evaluation_id)
}
