//! What admins do with batches of the creation list: compose a draft (list
//! or withdrawal), and publish it — one transaction that freezes every town
//! with the evaluation and final verdicts it was approved on, moves the
//! proposals to `listed` (or, withdrawing a listed, named or demoted town,
//! `removed`), stores the SHA-256 of the batch's canonical JSON and writes
//! the audit rows. The command line's `demo` calls
//! [`create_list_batch`], [`add_entry`] and [`publish`].

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::{DateTime, SubsecRound, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};

use crate::db::batches::{self, BatchRow, FrozenFinding, FrozenStandard, FrozenTown, NewBatch};
use crate::db::proposals::{self, Scope};
use crate::db::{audit, evaluations, standards as db_standards};
use crate::domain::proposal::Industry;
use crate::domain::publication::{
    BatchHead, PublicBatch, PublicFinding, PublicStandard, PublicTown, content_hash, town_url,
};
use crate::domain::{Lang, Status};
use crate::standards::Rendered;
use crate::standards::{Against, Detail, Finding, Metric, Overall, Severity, Verdict, criterion_label, shown_pct};

/// Longest title and introduction (as the schema allows).
pub const TITLE_MAX: usize = 200;
pub const INTRODUCTION_MAX: usize = 10_000;
pub const REASON_MAX: usize = 5_000;

/// Why a batch change did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("not found")]
    NotFound,
    /// The batch is published: it never changes again.
    #[error("batch already published")]
    Published,
    /// Only approved proposals not yet listed may be added to a list batch.
    #[error("proposal not approved")]
    NotApproved,
    /// The proposal is already in a published list batch.
    #[error("proposal already listed")]
    AlreadyListed,
    /// A withdrawal batch may only remove towns listed by its batch.
    #[error("town not listed in that batch")]
    NotListed,
    #[error("empty batch")]
    Empty,
    /// A withdrawal entry needs its reason.
    #[error("missing reason")]
    MissingReason,
    /// The batch is on public notice: its towns are frozen.
    #[error("batch on notice")]
    OnNotice,
    /// The proposal is on public notice in another batch: it is frozen
    /// there until that notice is published or an objection takes it out.
    #[error("proposal on notice elsewhere")]
    OnNoticeElsewhere,
    /// A list batch with notice switched on is put on notice before it is published.
    #[error("notice required")]
    NoticeRequired,
    /// The notice has not ended yet (it ends at 24:00 China time on its last day).
    #[error("notice not ended")]
    NoticeNotEnded,
    /// Every objection is resolved before publication.
    #[error("open objections")]
    OpenObjections,
    /// The objection was resolved already.
    #[error("objection resolved")]
    AlreadyResolved,
    /// A form value is not acceptable: (field, catalogue key).
    #[error("invalid {0}")]
    Invalid(&'static str, &'static str),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

type Result<T> = std::result::Result<T, BatchError>;

fn entry<'a>(actor: i64, action: &'a str, id: i64, before: Option<Value>, after: Option<Value>) -> audit::Entry<'a> {
    audit::Entry {
        actor_id: Some(actor),
        action,
        entity: "batch",
        entity_id: Some(id),
        before,
        after,
    }
}

fn check_text(title: &str, introduction: &str) -> Result<()> {
    let n = title.trim().chars().count();
    if n == 0 {
        return Err(BatchError::Invalid("title", "admin.batches.error.title_required"));
    }
    if n > TITLE_MAX {
        return Err(BatchError::Invalid("title", "admin.batches.error.title_long"));
    }
    if introduction.chars().count() > INTRODUCTION_MAX {
        return Err(BatchError::Invalid(
            "introduction",
            "admin.batches.error.introduction_long",
        ));
    }
    Ok(())
}

/// Locks a draft batch; a published one, or one on notice, refuses every change.
pub(crate) async fn lock_draft(conn: &mut PgConnection, id: i64) -> Result<BatchRow> {
    let batch = batches::lock(conn, id).await?.ok_or(BatchError::NotFound)?;
    if batch.is_published() {
        return Err(BatchError::Published);
    }
    if batch.is_on_notice() {
        return Err(BatchError::OnNotice);
    }
    Ok(batch)
}

/// Creates a draft list batch (e.g. 第一批省级特色小镇创建名单) that goes on
/// public notice (公示) before publication, as list batches do by default;
/// returns its id.
pub async fn create_list_batch(db: &PgPool, actor: i64, title: &str, introduction: &str) -> Result<i64> {
    create_list(db, actor, title, introduction, true).await
}

/// A draft list batch published without public notice: what a round that
/// switches notice off asks for (rounds do not exist yet, so the switch is
/// the batch's own).
pub async fn create_list_batch_without_notice(db: &PgPool, actor: i64, title: &str, introduction: &str) -> Result<i64> {
    create_list(db, actor, title, introduction, false).await
}

async fn create_list(db: &PgPool, actor: i64, title: &str, introduction: &str, notice: bool) -> Result<i64> {
    check_text(title, introduction)?;
    let mut tx = crate::db::begin(db).await?;
    let id = batches::insert(
        &mut tx,
        NewBatch {
            kind: "list",
            title: title.trim(),
            introduction: introduction.trim(),
            withdraws_batch_id: None,
            created_by: actor,
            notice_required: notice,
        },
    )
    .await?;
    let after = Some(json!({"kind": "list", "title": title.trim(), "notice_required": notice}));
    audit::record(&mut tx, entry(actor, "batch.created", id, None, after)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Creates a draft withdrawal batch removing towns of the published list
/// batch `withdraws`; returns its id.
pub async fn create_withdrawal_batch(
    db: &PgPool,
    actor: i64,
    withdraws: i64,
    title: &str,
    introduction: &str,
) -> Result<i64> {
    check_text(title, introduction)?;
    let mut tx = crate::db::begin(db).await?;
    let target = batches::get_published(&mut tx, withdraws).await?;
    if target.as_ref().is_none_or(|b| b.kind != "list") {
        return Err(BatchError::Invalid("withdraws", "admin.batches.error.withdraws"));
    }
    let id = batches::insert(
        &mut tx,
        NewBatch {
            kind: "withdrawal",
            title: title.trim(),
            introduction: introduction.trim(),
            withdraws_batch_id: Some(withdraws),
            created_by: actor,
            notice_required: false,
        },
    )
    .await?;
    let after = Some(json!({"kind": "withdrawal", "title": title.trim(), "withdraws": withdraws}));
    audit::record(&mut tx, entry(actor, "batch.created", id, None, after)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a draft's title and introduction.
pub async fn update_text(db: &PgPool, actor: i64, id: i64, title: &str, introduction: &str) -> Result<()> {
    check_text(title, introduction)?;
    let mut tx = crate::db::begin(db).await?;
    let before = lock_draft(&mut tx, id).await?;
    batches::update_text(&mut tx, id, title.trim(), introduction.trim()).await?;
    let before = Some(json!({"title": before.title, "introduction": before.introduction}));
    let after = Some(json!({"title": title.trim(), "introduction": introduction.trim()}));
    audit::record(&mut tx, entry(actor, "batch.updated", id, before, after)).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a proposal at the end of a draft: to a list batch an approved one
/// not yet listed; to a withdrawal batch a town of the batch it withdraws
/// from still on the creation list (listed, named or demoted), with the
/// reason (required).
pub async fn add_entry(db: &PgPool, actor: i64, batch_id: i64, proposal_id: i64, reason: &str) -> Result<()> {
    let reason = reason.trim();
    let mut tx = crate::db::begin(db).await?;
    let batch = lock_draft(&mut tx, batch_id).await?;
    let proposal = proposals::get(&mut tx, proposal_id, Scope::All)
        .await?
        .ok_or(BatchError::NotApproved)?;
    match batch.withdraws_batch_id {
        None => {
            if batches::published_list_of(&mut tx, proposal_id).await?.is_some() {
                return Err(BatchError::AlreadyListed);
            }
            if proposal.status() != Status::Approved {
                return Err(BatchError::NotApproved);
            }
            if batches::on_notice_of(&mut tx, proposal_id).await?.is_some() {
                return Err(BatchError::OnNoticeElsewhere);
            }
        }
        Some(list) => {
            if reason.is_empty() {
                return Err(BatchError::Invalid("reason", "admin.batches.error.reason_required"));
            }
            if reason.chars().count() > REASON_MAX {
                return Err(BatchError::Invalid("reason", "admin.batches.error.reason_long"));
            }
            let listed_there = batches::published_list_of(&mut tx, proposal_id).await? == Some(list);
            if !listed_there || !proposal.status().is_on_creation_list() {
                return Err(BatchError::NotListed);
            }
        }
    }
    let reason = if batch.is_withdrawal() { reason } else { "" };
    if batches::add_entry(&mut tx, batch_id, proposal_id, reason).await? {
        let after = Some(json!({"proposal": proposal_id, "name": proposal.name, "reason": reason}));
        audit::record(&mut tx, entry(actor, "batch.entry_added", batch_id, None, after)).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Removes an entry from a draft.
pub async fn remove_entry(db: &PgPool, actor: i64, batch_id: i64, entry_id: i64) -> Result<()> {
    let mut tx = crate::db::begin(db).await?;
    lock_draft(&mut tx, batch_id).await?;
    let entries = batches::entries(&mut tx, batch_id).await?;
    let Some(gone) = entries.iter().find(|e| e.id == entry_id) else {
        return Err(BatchError::NotFound);
    };
    batches::remove_entry(&mut tx, batch_id, entry_id).await?;
    let before = Some(json!({"proposal": gone.proposal_id, "name": gone.proposal_name}));
    audit::record(&mut tx, entry(actor, "batch.entry_removed", batch_id, before, None)).await?;
    let order: Vec<i64> = entries.iter().map(|e| e.id).filter(|id| *id != entry_id).collect();
    batches::set_order(&mut tx, batch_id, &order).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves an entry of a draft one place up or down.
pub async fn move_entry(db: &PgPool, actor: i64, batch_id: i64, entry_id: i64, up: bool) -> Result<()> {
    let mut tx = crate::db::begin(db).await?;
    lock_draft(&mut tx, batch_id).await?;
    let mut order: Vec<i64> = batches::entries(&mut tx, batch_id)
        .await?
        .iter()
        .map(|e| e.id)
        .collect();
    let at = order
        .iter()
        .position(|id| *id == entry_id)
        .ok_or(BatchError::NotFound)?;
    let to = if up {
        at.checked_sub(1)
    } else {
        Some(at + 1).filter(|t| *t < order.len())
    };
    if let Some(to) = to {
        order.swap(at, to);
        batches::set_order(&mut tx, batch_id, &order).await?;
        let after = Some(json!({"order": order}));
        audit::record(&mut tx, entry(actor, "batch.reordered", batch_id, None, after)).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Changes the reason of an entry of a draft withdrawal batch.
pub async fn set_reason(db: &PgPool, actor: i64, batch_id: i64, entry_id: i64, reason: &str) -> Result<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(BatchError::Invalid("reason", "admin.batches.error.reason_required"));
    }
    if reason.chars().count() > REASON_MAX {
        return Err(BatchError::Invalid("reason", "admin.batches.error.reason_long"));
    }
    let mut tx = crate::db::begin(db).await?;
    let batch = lock_draft(&mut tx, batch_id).await?;
    if !batch.is_withdrawal() {
        return Err(BatchError::NotFound);
    }
    if !batches::set_reason(&mut tx, batch_id, entry_id, reason).await? {
        return Err(BatchError::NotFound);
    }
    let after = Some(json!({"entry": entry_id, "reason": reason}));
    audit::record(&mut tx, entry(actor, "batch.reason_changed", batch_id, None, after)).await?;
    tx.commit().await?;
    Ok(())
}

/// States whether an entry of a draft withdrawal batch leaves for missing
/// its targets (追惩制 applies at publication) or for another reason.
pub async fn set_missed_targets(db: &PgPool, actor: i64, batch_id: i64, entry_id: i64, missed: bool) -> Result<()> {
    let mut tx = crate::db::begin(db).await?;
    let batch = lock_draft(&mut tx, batch_id).await?;
    if !batch.is_withdrawal() || !batches::set_missed_targets(&mut tx, batch_id, entry_id, missed).await? {
        return Err(BatchError::NotFound);
    }
    let after = Some(json!({"entry": entry_id, "missed_targets": missed}));
    audit::record(&mut tx, entry(actor, "batch.reason_changed", batch_id, None, after)).await?;
    tx.commit().await?;
    Ok(())
}

/// Publishes a draft in one transaction; returns the content hash. The batch
/// row is locked first, so a second click or a concurrent publication waits
/// and then finds it published: [`BatchError::Published`] (409), nothing more.
pub async fn publish(db: &PgPool, actor: i64, batch_id: i64) -> Result<String> {
    publish_as_of(db, actor, batch_id, Utc::now()).await
}

/// [`publish`] recorded as published at `at`: for `demo` (and tests), whose
/// towns need a listing year in the past to have whole creation periods.
/// Not reachable from any page.
///
/// A batch on notice is published only after its notice has ended and every
/// objection is resolved, with the towns frozen when the notice started.
pub async fn publish_as_of(db: &PgPool, actor: i64, batch_id: i64, at: chrono::DateTime<Utc>) -> Result<String> {
    let mut tx = crate::db::begin(db).await?;
    let batch = batches::lock(&mut tx, batch_id).await?.ok_or(BatchError::NotFound)?;
    if batch.is_published() {
        return Err(BatchError::Published);
    }
    let frozen = batch.is_on_notice();
    if frozen {
        let ends = batch.notice_ends_on.map(crate::domain::notice::ends_at);
        if ends.is_none_or(|end| at < end) {
            return Err(BatchError::NoticeNotEnded);
        }
        if crate::db::objections::open_count(&mut tx, batch_id).await? > 0 {
            return Err(BatchError::OpenObjections);
        }
    } else if batch.notice_required {
        return Err(BatchError::NoticeRequired);
    }
    let entries = batches::entries(&mut tx, batch_id).await?;
    if entries.is_empty() {
        return Err(BatchError::Empty);
    }
    let mut towns = Vec::with_capacity(entries.len());
    for e in &entries {
        let proposal = proposals::lock(&mut tx, e.proposal_id, Scope::All)
            .await?
            .ok_or(BatchError::NotFound)?;
        let from = proposal.status();
        let (town, to, action) = match batch.withdraws_batch_id {
            None => {
                if batches::published_list_of(&mut tx, e.proposal_id).await?.is_some() {
                    return Err(BatchError::AlreadyListed);
                }
                if from != Status::Approved {
                    return Err(BatchError::NotApproved);
                }
                if !frozen && batches::on_notice_of(&mut tx, e.proposal_id).await?.is_some() {
                    return Err(BatchError::OnNoticeElsewhere);
                }
                let town = match (&e.final_findings, frozen) {
                    (Some(town), true) => town.0.clone(),
                    _ => freeze_town(&mut tx, e.proposal_id).await?,
                };
                (town, Status::Listed, "proposal.listed")
            }
            Some(list) => {
                if e.reason.trim().is_empty() {
                    return Err(BatchError::MissingReason);
                }
                let town = batches::frozen_in(&mut tx, list, e.proposal_id).await?;
                let Some(town) = town.filter(|_| from.is_on_creation_list()) else {
                    return Err(BatchError::NotListed);
                };
                (town, Status::Removed, "proposal.removed")
            }
        };
        if !frozen {
            batches::freeze_entry(&mut tx, e.id, &town).await?;
        }
        proposals::set_status(&mut tx, e.proposal_id, to, actor).await?;
        if batch.is_withdrawal() && e.missed_targets {
            crate::services::creation::deduct_withdrawn(&mut tx, actor, e.proposal_id)
                .await
                .map_err(|err| match err {
                    crate::services::ServiceError::Db(db) => BatchError::Db(db),
                    _ => BatchError::NotListed,
                })?;
        }
        let after = json!({"status": to.code(), "batch": batch_id, "overall": town.overall});
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: Some(actor),
                action,
                entity: "proposal",
                entity_id: Some(e.proposal_id),
                before: Some(json!({"status": from.code()})),
                after: Some(after),
            },
        )
        .await?;
        towns.push((e.reason.clone(), town));
    }
    let published_at = at.trunc_subsecs(0);
    let public = public_batch_of(&batch, Some(published_at), towns);
    let text = public.canonical_json();
    let hash = content_hash(&text);
    batches::mark_published(&mut tx, batch_id, published_at, actor, &hash).await?;
    let after = Some(json!({"status": "published", "content_hash": hash, "towns": entries.len()}));
    audit::record(
        &mut tx,
        entry(
            actor,
            "batch.published",
            batch_id,
            Some(json!({"status": batch.status})),
            after,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(hash)
}

/// What of a batch row the public reads apart from its towns.
fn head_of(batch: &BatchRow) -> BatchHead {
    BatchHead {
        id: batch.id,
        kind: batch.kind.clone(),
        title: batch.title.clone(),
        introduction: batch.introduction.clone(),
        withdraws_batch_id: batch.withdraws_batch_id,
        document_number: batch.document_number.clone(),
        notice: batch.notice_starts_on.zip(batch.notice_ends_on),
        changes: batch.notice_changes.0.clone(),
    }
}

/// A frozen town as the public reads it (numbered by [`PublicBatch::new`]).
fn public_town(reason: String, t: FrozenTown) -> PublicTown {
    PublicTown {
        position: 0,
        proposal_id: t.proposal_id,
        url: town_url(t.proposal_id),
        name: t.name,
        region: t.region,
        industry: t.industry,
        industry_zh: t.industry_zh,
        industry_en: t.industry_en,
        planned_area_km2: t.planned_area_km2,
        eligible_investment_yi: t.eligible_investment_yi,
        characteristic_share_pct: t.characteristic_share_pct,
        overall: t.overall,
        standard: PublicStandard {
            code: t.standard.code,
            version: t.standard.version,
        },
        reason,
        findings: t
            .findings
            .into_iter()
            .map(|f| PublicFinding {
                criterion: f.criterion,
                computed_verdict: f.computed_verdict,
                verdict: f.verdict,
                override_reason: f.override_reason,
            })
            .collect(),
    }
}

/// A batch row with its frozen towns, (reason, town) in their order, as the
/// public reads it: published at `published_at`, or on notice (`None`).
pub(crate) fn public_batch_of(
    batch: &BatchRow,
    published_at: Option<DateTime<Utc>>,
    towns: Vec<(String, FrozenTown)>,
) -> PublicBatch {
    let towns = towns.into_iter().map(|(reason, t)| public_town(reason, t)).collect();
    PublicBatch::new(head_of(batch), published_at, towns)
}

/// A published batch as the public reads it; `None` for a draft or an
/// unknown id.
pub async fn public_batch(conn: &mut PgConnection, id: i64) -> Result<Option<(BatchRow, PublicBatch)>> {
    let Some(batch) = batches::get_published(conn, id).await? else {
        return Ok(None);
    };
    let public = public_of(&batch, batches::entries(conn, id).await?);
    Ok(Some((batch, public)))
}

/// A published batch with its towns' summaries only (no findings): enough
/// for the batch page, the CSV and the XLSX, and much lighter to read.
///
/// A published batch never changes, so its summary is kept in memory under
/// its content hash (the SHA-256 of everything published): the same hash is
/// the same content, whichever database or instance it came from, and a
/// page costs one small statement instead of reading every town again.
pub async fn public_batch_summary(conn: &mut PgConnection, id: i64) -> Result<Option<(BatchRow, Arc<PublicBatch>)>> {
    let Some(batch) = batches::get_published(conn, id).await? else {
        return Ok(None);
    };
    let key = batch.content_hash.clone().unwrap_or_default();
    if let Some(hit) = summaries().get(&key).cloned() {
        return Ok(Some((batch, hit)));
    }
    let public = Arc::new(public_of(&batch, batches::entry_summaries(conn, id).await?));
    let mut memo = summaries();
    if memo.len() >= MAX_SUMMARIES {
        memo.clear();
    }
    memo.insert(key, public.clone());
    Ok(Some((batch, public)))
}

/// Published batches' summaries by content hash; a program publishes a few
/// batches a year, so clearing when full is enough.
static SUMMARIES: LazyLock<Mutex<HashMap<String, Arc<PublicBatch>>>> = LazyLock::new(Mutex::default);
const MAX_SUMMARIES: usize = 256;

fn summaries() -> std::sync::MutexGuard<'static, HashMap<String, Arc<PublicBatch>>> {
    SUMMARIES.lock().unwrap_or_else(|e| e.into_inner())
}

fn public_of(batch: &BatchRow, entries: Vec<batches::EntryRow>) -> PublicBatch {
    let towns = entries
        .into_iter()
        .filter_map(|e| e.final_findings.map(|t| (e.reason, t.0)))
        .collect();
    public_batch_of(batch, batch.published_at, towns)
}

/// What a draft will look like once published (the preview): every town
/// frozen now as publication would freeze it. Towns that could not be
/// published are left out and named in the second list.
pub async fn preview(conn: &mut PgConnection, id: i64) -> Result<(BatchRow, PublicBatch, Vec<String>)> {
    let batch = batches::get(conn, id).await?.ok_or(BatchError::NotFound)?;
    let mut towns = Vec::new();
    let mut refused = Vec::new();
    for e in batches::entries(conn, id).await? {
        let town = match (batch.withdraws_batch_id, e.final_findings) {
            (_, Some(frozen)) => Some(frozen.0),
            (None, None) if e.proposal_status == Status::Approved.code() => {
                Some(freeze_town(conn, e.proposal_id).await?)
            }
            (Some(list), None) if Status::from_code(&e.proposal_status).is_some_and(Status::is_on_creation_list) => {
                batches::frozen_in(conn, list, e.proposal_id).await?
            }
            _ => None,
        };
        match town {
            Some(t) => towns.push((e.reason, t)),
            None => refused.push(e.proposal_name),
        }
    }
    let public = public_batch_of(&batch, batch.published_at, towns);
    Ok((batch, public, refused))
}

/// A reviewer's override of one finding, read from `reviews.overrides`.
struct OverrideSpec {
    verdict: Verdict,
    reason: String,
}

fn verdict_of(code: &str) -> Option<Verdict> {
    serde_json::from_value(Value::String(code.to_owned())).ok()
}

fn code_of<T: Serialize>(value: T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Reads overrides as a list of `{criterion, verdict|final_verdict|final|to,
/// reason}` objects, or as an object keyed by criterion.
fn parse_overrides(value: &Value) -> HashMap<String, OverrideSpec> {
    fn one(criterion: Option<&str>, v: &Value) -> Option<(String, OverrideSpec)> {
        let criterion = criterion.or_else(|| v.get("criterion").and_then(Value::as_str))?;
        let verdict = ["verdict", "final_verdict", "final", "to"]
            .iter()
            .find_map(|k| v.get(*k).and_then(Value::as_str).and_then(verdict_of))?;
        let reason = v.get("reason").and_then(Value::as_str).unwrap_or("").to_owned();
        Some((criterion.to_owned(), OverrideSpec { verdict, reason }))
    }
    match value {
        Value::Array(items) => items.iter().filter_map(|v| one(None, v)).collect(),
        Value::Object(map) => map.iter().filter_map(|(k, v)| one(Some(k), v)).collect(),
        _ => HashMap::new(),
    }
}

/// The characteristic-industry share as published: the figure of the
/// finding that judged it (on that standard's base), shown by the one rule
/// of [`shown_pct`] against its threshold; without such a finding, the
/// share of eligible investment against nothing.
fn published_share(findings: &[Finding], share: Decimal) -> Decimal {
    let judged = findings.iter().find_map(|f| match &f.detail {
        Detail::Quantity {
            metric: Metric::CharacteristicSharePct,
            actual,
            required,
            ..
        } => Some(shown_pct(*actual, Against::of(*actual, required))),
        _ => None,
    });
    judged
        .unwrap_or_else(|| shown_pct(share * Decimal::ONE_HUNDRED, Against::Nothing))
        .figure
}

/// Freezes a town as publication records it: the figures, the evaluation
/// it was approved on with the approving review's overrides applied, and
/// that review's final overall verdict — never a later evaluation that no
/// one approved.
pub async fn freeze_town(conn: &mut PgConnection, proposal_id: i64) -> Result<FrozenTown> {
    let p = proposals::get(conn, proposal_id, Scope::All)
        .await?
        .ok_or(BatchError::NotFound)?;
    let approval = batches::approval_of(conn, proposal_id).await?;
    let eval = match approval.as_ref().and_then(|a| a.evaluation_id) {
        Some(id) => evaluations::get(conn, id)
            .await?
            .filter(|e| e.proposal_id == proposal_id),
        None => evaluations::latest(conn, proposal_id).await?,
    }
    .ok_or(BatchError::NotApproved)?;
    let standard = db_standards::get(conn, &eval.standard_code, eval.standard_version).await?;
    let review_id = approval.as_ref().map(|a| a.id);
    let overrides = approval
        .as_ref()
        .map(|a| parse_overrides(&a.overrides))
        .unwrap_or_default();

    let zero = Decimal::ZERO;
    let total = p.investment_total_yi.unwrap_or(zero);
    let eligible =
        total - p.investment_residential_yi.unwrap_or(zero) - p.investment_commercial_complex_yi.unwrap_or(zero);
    let characteristic = p.investment_characteristic_yi.unwrap_or(zero);
    let share = characteristic.checked_div(eligible).unwrap_or(zero);
    let industry = p.industry.as_deref().and_then(Industry::from_code);

    let label = |id: &str, lang: Lang| match &standard {
        Some(s) => s.standard().criterion_label(id, lang).to_owned(),
        None => criterion_label(id, lang).to_owned(),
    };
    // Rendered now rather than copied from the evaluation's stored text, so
    // that a new freeze shows its figures by today's rules (STANDARDS.md §5);
    // batches frozen before keep theirs.
    let rendered = &Rendered::of_findings(&eval.findings);
    let mut findings = Vec::with_capacity(rendered.zh.len());
    let mut finals: Vec<(Verdict, Severity)> = Vec::new();
    for (i, zh) in rendered.zh.iter().enumerate() {
        let en = rendered.en.get(i);
        let o = overrides.get(&zh.criterion);
        let verdict = o.map(|o| o.verdict).unwrap_or(zh.verdict);
        finals.push((verdict, zh.severity));
        findings.push(FrozenFinding {
            criterion: zh.criterion.clone(),
            label_zh: label(&zh.criterion, Lang::Zh),
            label_en: label(&zh.criterion, Lang::En),
            severity: code_of(zh.severity),
            computed_verdict: zh.verdict.code().to_owned(),
            verdict: verdict.code().to_owned(),
            actual_zh: zh.actual.clone(),
            actual_en: en.and_then(|f| f.actual.clone()),
            required_zh: zh.required.clone(),
            required_en: en.and_then(|f| f.required.clone()),
            message_zh: zh.message.clone(),
            message_en: en.map(|f| f.message.clone()).unwrap_or_default(),
            citation: zh.citation.clone(),
            override_reason: o
                .map(|o| o.reason.clone())
                .filter(|_| o.is_some_and(|o| o.verdict != zh.verdict)),
        });
    }
    let overall = approval
        .and_then(|a| a.final_overall)
        .unwrap_or_else(|| Overall::from_findings(finals).code().to_owned());
    Ok(FrozenTown {
        proposal_id,
        name: p.name,
        region: p.region_name,
        industry: industry.map(|i| i.code()).unwrap_or("").to_owned(),
        industry_zh: industry.map(|i| i.label(Lang::Zh)).unwrap_or("").to_owned(),
        industry_en: industry.map(|i| i.label(Lang::En)).unwrap_or("").to_owned(),
        planned_area_km2: p.planned_area_km2.unwrap_or(zero).normalize(),
        built_area_km2: p.built_area_km2.unwrap_or(zero).normalize(),
        total_investment_yi: total.normalize(),
        eligible_investment_yi: eligible.normalize(),
        characteristic_investment_yi: characteristic.normalize(),
        characteristic_share_pct: published_share(&eval.findings, share),
        evaluation_id: eval.id,
        review_id,
        standard: FrozenStandard {
            code: eval.standard_code.clone(),
            version: eval.standard_version,
            name_zh: standard
                .as_ref()
                .map(|s| s.standard().name_zh.clone())
                .unwrap_or_else(|| eval.standard_code.clone()),
            name_en: standard
                .as_ref()
                .map(|s| s.standard().name_en.clone())
                .unwrap_or_else(|| eval.standard_code.clone()),
        },
        computed_overall: eval.overall.clone(),
        overall,
        findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::publication::fixtures;

    #[test]
    fn overrides_are_read_in_either_shape() {
        let list = json!([{"criterion": "area.planned", "verdict": "pass", "reason": "约3平方公里"}]);
        let o = parse_overrides(&list);
        assert_eq!(o["area.planned"].verdict, Verdict::Pass);
        assert_eq!(o["area.planned"].reason, "约3平方公里");
        let map = json!({"area.planned": {"final_verdict": "warn", "reason": "r"}});
        assert_eq!(parse_overrides(&map)["area.planned"].verdict, Verdict::Warn);
        assert!(parse_overrides(&json!([{"criterion": "x"}])).is_empty());
        assert!(parse_overrides(&json!("nonsense")).is_empty());
    }

    #[test]
    fn a_share_without_a_finding_has_two_places_half_up() {
        assert_eq!(published_share(&[], Decimal::new(7, 1)).to_string(), "70");
        assert_eq!(published_share(&[], Decimal::new(123455, 6)).to_string(), "12.35");
    }

    /// A stored batch row and frozen town that read as the domain's fixtures.
    fn stored(notice: bool) -> (BatchRow, FrozenTown) {
        let head = fixtures::head(notice);
        let town = fixtures::town(1);
        let row = BatchRow {
            id: head.id,
            kind: head.kind,
            title: head.title,
            introduction: head.introduction,
            withdraws_batch_id: head.withdraws_batch_id,
            status: "published".into(),
            content_hash: None,
            published_at: None,
            published_by: None,
            created_by: 1,
            created_at: DateTime::UNIX_EPOCH,
            entries: 1,
            document_number: head.document_number,
            notice_required: notice,
            notice_starts_on: head.notice.map(|n| n.0),
            notice_ends_on: head.notice.map(|n| n.1),
            notice_hash: None,
            notice_changes: sqlx::types::Json(head.changes),
        };
        let frozen = FrozenTown {
            proposal_id: town.proposal_id,
            name: town.name,
            region: town.region,
            industry: town.industry,
            industry_zh: town.industry_zh,
            industry_en: town.industry_en,
            planned_area_km2: town.planned_area_km2,
            built_area_km2: Decimal::ONE,
            total_investment_yi: Decimal::new(52, 0),
            eligible_investment_yi: town.eligible_investment_yi,
            characteristic_investment_yi: Decimal::new(40, 0),
            characteristic_share_pct: town.characteristic_share_pct,
            evaluation_id: 11,
            review_id: Some(12),
            standard: FrozenStandard {
                code: town.standard.code,
                version: town.standard.version,
                name_zh: "浙江".into(),
                name_en: "Zhejiang".into(),
            },
            computed_overall: "pass_with_warnings".into(),
            overall: town.overall,
            findings: town
                .findings
                .into_iter()
                .map(|f| FrozenFinding {
                    criterion: f.criterion,
                    label_zh: "规划面积".into(),
                    label_en: "Planned area".into(),
                    severity: "hard".into(),
                    computed_verdict: f.computed_verdict,
                    verdict: f.verdict,
                    actual_zh: Some("3.5".into()),
                    actual_en: None,
                    required_zh: None,
                    required_en: None,
                    message_zh: "m".into(),
                    message_en: "m".into(),
                    citation: "c".into(),
                    override_reason: f.override_reason,
                })
                .collect(),
        };
        (row, frozen)
    }

    /// A stored row and its frozen towns give the public text the domain's
    /// rules pin, so published batches keep their hashes byte for byte.
    #[test]
    fn a_batch_row_and_its_frozen_towns_give_the_same_hash_as_before() {
        for (notice, hash) in [(false, fixtures::OLD_HASH), (true, fixtures::NOTICE_HASH)] {
            let (row, town) = stored(notice);
            let public = public_batch_of(&row, Some(fixtures::at()), vec![(String::new(), town)]);
            assert_eq!(content_hash(&public.canonical_json()), hash, "notice: {notice}");
        }
    }
}
