//! Public notice (公示) of a list batch and the objections to it: an admin
//! sets the 文号 and whether the batch goes on notice, starts the notice
//! (the towns frozen exactly as publication freezes them, with a hash),
//! anyone objects without an account, admins resolve each objection, and
//! objectors' personal data is erased a year after publication. Publication
//! itself stays in [`crate::services::batches::publish`].

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use crate::db::audit;
use crate::db::batches::{self, BatchRow};
use crate::db::objections::{self, FileRow, NewFile, NewObjection, ObjectionRow, Resolution};
use crate::db::proposals::{self, Scope};
use crate::domain::Status;
use crate::domain::notice::{self as rules, FieldProblem, ObjectionInput, ObjectorKind, Phase, TokenProblem};
use crate::domain::publication::{NoticeChange, PublicBatch, content_hash};
use crate::services::batches::{BatchError, freeze_town, lock_draft, public_batch_of};

type Result<T> = std::result::Result<T, BatchError>;

fn audit_entry<'a>(
    actor: Option<i64>,
    action: &'a str,
    entity: &'a str,
    id: i64,
    after: serde_json::Value,
) -> audit::Entry<'a> {
    audit::Entry {
        actor_id: actor,
        action,
        entity,
        entity_id: Some(id),
        before: None,
        after: Some(after),
    }
}

/// Sets a draft's 文号 and whether it goes on notice (list batches only).
pub async fn set_settings(db: &PgPool, actor: i64, id: i64, document_number: &str, required: bool) -> Result<()> {
    let document_number = document_number.trim();
    if document_number.chars().count() > rules::DOCUMENT_NUMBER_MAX {
        return Err(BatchError::Invalid(
            "document_number",
            "notice.error.document_number_long",
        ));
    }
    let mut tx = crate::db::begin(db).await?;
    let batch = lock_draft(&mut tx, id).await?;
    if batch.is_withdrawal() && required {
        return Err(BatchError::Invalid("notice_required", "notice.error.withdrawal"));
    }
    objections::set_settings(&mut tx, id, document_number, required).await?;
    let after = json!({"document_number": document_number, "notice_required": required});
    audit::record(
        &mut tx,
        audit_entry(Some(actor), "batch.notice_settings", "batch", id, after),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The notice as the public reads it: the batch as it stands with its frozen
/// towns (`published_at` absent).
fn notice_of(batch: &BatchRow, entries: Vec<batches::EntryRow>) -> PublicBatch {
    let towns = entries
        .into_iter()
        .filter_map(|e| e.final_findings.map(|t| (e.reason, t.0)))
        .collect();
    public_batch_of(batch, None, towns)
}

/// Starts the notice of a draft list batch on `starts_on` for `days`
/// calendar days: every town frozen as publication would freeze it, the
/// notice's hash stored; answers the hash.
pub async fn start(
    db: &PgPool,
    actor: i64,
    id: i64,
    starts_on: NaiveDate,
    days: u32,
    now: DateTime<Utc>,
) -> Result<String> {
    rules::check_schedule(starts_on, days, rules::china_date(now))
        .map_err(|key| BatchError::Invalid("starts_on", key))?;
    let mut tx = crate::db::begin(db).await?;
    let mut batch = lock_draft(&mut tx, id).await?;
    if batch.is_withdrawal() || !batch.notice_required {
        return Err(BatchError::Invalid("notice_required", "notice.error.not_required"));
    }
    let entries = batches::entries(&mut tx, id).await?;
    if entries.is_empty() {
        return Err(BatchError::Empty);
    }
    for e in &entries {
        let proposal = proposals::lock(&mut tx, e.proposal_id, Scope::All)
            .await?
            .ok_or(BatchError::NotFound)?;
        if batches::published_list_of(&mut tx, e.proposal_id).await?.is_some() {
            return Err(BatchError::AlreadyListed);
        }
        if proposal.status() != Status::Approved {
            return Err(BatchError::NotApproved);
        }
        if batches::on_notice_of(&mut tx, e.proposal_id).await?.is_some() {
            return Err(BatchError::OnNoticeElsewhere);
        }
        let town = freeze_town(&mut tx, e.proposal_id).await?;
        batches::freeze_entry(&mut tx, e.id, &town).await?;
    }
    let ends_on = rules::last_day(starts_on, days);
    batch.notice_starts_on = Some(starts_on);
    batch.notice_ends_on = Some(ends_on);
    let public = notice_of(&batch, batches::entries(&mut tx, id).await?);
    let hash = content_hash(&public.canonical_json());
    objections::start(&mut tx, id, starts_on, ends_on, &hash, now).await?;
    let after = json!({
        "status": "notice", "starts_on": starts_on, "ends_on": ends_on, "notice_hash": hash, "towns": entries.len(),
    });
    audit::record(
        &mut tx,
        audit_entry(Some(actor), "batch.notice_started", "batch", id, after),
    )
    .await?;
    tx.commit().await?;
    Ok(hash)
}

/// A batch on notice as the public reads it; `None` for any other batch.
pub async fn public_notice(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<(BatchRow, PublicBatch)>> {
    let Some(batch) = batches::get_on_notice(conn, id).await? else {
        return Ok(None);
    };
    let public = notice_of(&batch, batches::entry_summaries(conn, id).await?);
    Ok(Some((batch, public)))
}

/// A batch on notice with every finding of its towns: the canonical text
/// its notice hash is taken over.
pub async fn notice_canonical(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<PublicBatch>> {
    let Some(batch) = batches::get_on_notice(conn, id).await? else {
        return Ok(None);
    };
    Ok(Some(notice_of(&batch, batches::entries(conn, id).await?)))
}

/// The signed token of an objection form shown now.
pub async fn form_token(db: &PgPool, batch: i64, now: DateTime<Utc>) -> sqlx::Result<String> {
    let key = objections::form_key(&mut *crate::db::acquire(db).await?).await?;
    Ok(rules::form_token(&key, batch, now))
}

/// An objection as sent through the public form.
#[derive(Debug, Clone, Default)]
pub struct ObjectionForm {
    pub batch_id: i64,
    pub token: String,
    /// A field people do not see; only robots fill it.
    pub honeypot: String,
    pub input: ObjectionInput,
    pub letter: Option<Vec<u8>>,
    pub evidence: Option<Vec<u8>>,
    /// The sender's address (counted, never stored).
    pub address: String,
}

/// Why an objection was not taken.
#[derive(Debug, thiserror::Error)]
pub enum ObjectionRefused {
    #[error("no such notice")]
    NotFound,
    /// The notice has not started or has ended.
    #[error("notice closed")]
    Closed,
    #[error("form token: {0:?}")]
    Token(TokenProblem),
    #[error("honeypot filled")]
    Honeypot,
    /// Too many objections from the address, or to the batch, in 24 hours.
    #[error("limit reached")]
    Limited,
    #[error("invalid input")]
    Invalid(Vec<FieldProblem>),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn random_reference() -> String {
    let mut bytes = [0u8; 10];
    rand::rng().fill_bytes(&mut bytes);
    rules::reference(bytes)
}

/// Takes an objection; answers its reference number. Every check comes
/// before anything is stored.
pub async fn object(
    db: &PgPool,
    form: ObjectionForm,
    now: DateTime<Utc>,
) -> std::result::Result<String, ObjectionRefused> {
    if !form.honeypot.trim().is_empty() {
        return Err(ObjectionRefused::Honeypot);
    }
    let mut tx = crate::db::begin(db).await?;
    let key = objections::form_key(&mut tx).await?;
    let batch = batches::get_on_notice(&mut tx, form.batch_id)
        .await?
        .ok_or(ObjectionRefused::NotFound)?;
    rules::check_token(&key, batch.id, &form.token, now).map_err(ObjectionRefused::Token)?;
    let open = matches!(
        (batch.notice_starts_on, batch.notice_ends_on),
        (Some(s), Some(e)) if rules::phase(s, e, now) == Phase::Open
    );
    if !open {
        return Err(ObjectionRefused::Closed);
    }
    let kind = ObjectorKind::from_code(&form.input.kind);
    let organisation = kind == Some(ObjectorKind::Organisation);
    let mut input = form.input.clone();
    input.has_letter = form.letter.is_some();
    let mut problems = rules::check_objection(&input);
    let mut typed = |field: &'static str, file: &Option<Vec<u8>>| match file.as_deref().map(rules::file_type) {
        Some(Err(key)) => {
            problems.push((field, key));
            None
        }
        Some(Ok(t)) => Some(t),
        None => None,
    };
    let letter_type = if organisation {
        typed("letter", &form.letter)
    } else {
        None
    };
    let evidence_type = typed("evidence", &form.evidence);
    let entries = batches::entry_summaries(&mut tx, batch.id).await?;
    let town = input.town.trim().parse::<i64>().ok();
    let entry = entries.iter().find(|e| Some(e.proposal_id) == town);
    if town.is_some() && entry.is_none() {
        problems.push(("town", "notice.error.town_not_in_batch"));
    }
    if !problems.is_empty() {
        return Err(ObjectionRefused::Invalid(problems));
    }
    let (Some(entry), Some(kind), Some(phone)) = (entry, kind, rules::normalise_phone(&input.phone)) else {
        return Err(ObjectionRefused::Invalid(vec![("town", "notice.error.town")]));
    };
    let address_hash = rules::address_hash(&key, &form.address);
    let (from_address, to_batch) =
        objections::recent_counts(&mut tx, &address_hash, batch.id, now - Duration::hours(24)).await?;
    if from_address >= rules::PER_ADDRESS_PER_DAY || to_batch >= rules::PER_BATCH_PER_DAY {
        return Err(ObjectionRefused::Limited);
    }
    let mut store = async |bytes: &Option<Vec<u8>>, content_type: Option<&'static str>| -> sqlx::Result<Option<i64>> {
        match (bytes, content_type) {
            (Some(bytes), Some(content_type)) => {
                let sha256 = hex::encode(Sha256::digest(bytes));
                let file = NewFile {
                    sha256: &sha256,
                    content_type,
                    bytes,
                };
                Ok(Some(objections::insert_file(&mut tx, file).await?))
            }
            _ => Ok(None),
        }
    };
    let letter_file_id = store(&form.letter, letter_type).await?;
    let evidence_file_id = store(&form.evidence, evidence_type).await?;
    let reference = random_reference();
    let id = objections::insert(
        &mut tx,
        NewObjection {
            reference: &reference,
            batch_id: batch.id,
            proposal_id: entry.proposal_id,
            town_name: &entry.proposal_name,
            kind: kind.code(),
            name: input.name.trim(),
            contact: if organisation { input.contact.trim() } else { "" },
            phone: &phone,
            letter_file_id,
            evidence_file_id,
            grounds: input.grounds.trim(),
            address_hash: &address_hash,
            at: now,
        },
    )
    .await?;
    // Ids only: the audit log never holds personal data.
    let after = json!({"batch": batch.id, "proposal": entry.proposal_id, "kind": kind.code()});
    audit::record(&mut tx, audit_entry(None, "objection.received", "objection", id, after)).await?;
    tx.commit().await?;
    Ok(reference)
}

/// An objection found by its reference and phone number (as typed).
pub async fn lookup(db: &PgPool, reference: &str, phone: &str) -> sqlx::Result<Option<ObjectionRow>> {
    let Some(phone) = rules::normalise_phone(phone) else {
        return Ok(None);
    };
    let reference = rules::normalise_reference(reference);
    objections::find(&mut *crate::db::acquire(db).await?, &reference, &phone).await
}

/// An objection's full record for an admin; the view is audited (by ids).
pub async fn view(db: &PgPool, actor: i64, id: i64) -> sqlx::Result<Option<ObjectionRow>> {
    let mut tx = crate::db::begin(db).await?;
    let row = objections::get(&mut tx, id).await?;
    if let Some(o) = &row {
        let after = json!({"batch": o.batch_id});
        audit::record(
            &mut tx,
            audit_entry(Some(actor), "objection.viewed", "objection", id, after),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(row)
}

/// Which file of an objection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Letter,
    Evidence,
}

/// A file of an objection for an admin; the download is audited (by ids).
pub async fn file(db: &PgPool, actor: i64, id: i64, which: Which) -> sqlx::Result<Option<FileRow>> {
    let mut tx = crate::db::begin(db).await?;
    let Some(o) = objections::get(&mut tx, id).await? else {
        return Ok(None);
    };
    let file_id = match which {
        Which::Letter => o.letter_file_id,
        Which::Evidence => o.evidence_file_id,
    };
    let Some(file) = (match file_id {
        Some(f) => objections::file(&mut tx, f).await?,
        None => None,
    }) else {
        return Ok(None);
    };
    let after = json!({"file": file.id, "which": if which == Which::Letter { "letter" } else { "evidence" }});
    audit::record(
        &mut tx,
        audit_entry(Some(actor), "objection.file_downloaded", "objection", id, after),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(file))
}

/// How an admin resolves an objection.
#[derive(Debug, Clone)]
pub struct ResolveInput {
    pub upheld: bool,
    /// For an upheld objection: the town goes back to the reviewers
    /// (`false`) or is rejected (`true`).
    pub reject: bool,
    pub reason: String,
    /// Shown to the objector on lookup.
    pub reply: String,
}

fn check_text(field: &'static str, text: &str, required: &'static str, long: &'static str) -> Result<()> {
    match text.trim().chars().count() {
        0 => Err(BatchError::Invalid(field, required)),
        n if n > rules::RESOLUTION_MAX => Err(BatchError::Invalid(field, long)),
        _ => Ok(()),
    }
}

/// Resolves an open objection of a batch on notice. Upheld: the town leaves
/// the batch (with the reason, listed publicly as a change), its proposal
/// goes back to the reviewers or is rejected, and the notice's hash is
/// taken again over what remains.
pub async fn resolve(db: &PgPool, actor: i64, id: i64, input: &ResolveInput, now: DateTime<Utc>) -> Result<()> {
    check_text(
        "reason",
        &input.reason,
        "notice.error.reason_required",
        "notice.error.reason_long",
    )?;
    check_text(
        "reply",
        &input.reply,
        "notice.error.reply_required",
        "notice.error.reply_long",
    )?;
    let mut tx = crate::db::begin(db).await?;
    let batch_id = objections::get(&mut tx, id)
        .await?
        .ok_or(BatchError::NotFound)?
        .batch_id;
    // The batch first, as publication locks it: a resolution and a
    // publication run one after the other.
    let mut batch = batches::lock(&mut tx, batch_id).await?.ok_or(BatchError::NotFound)?;
    let objection = objections::lock(&mut tx, id).await?.ok_or(BatchError::NotFound)?;
    if objection.status != "open" {
        return Err(BatchError::AlreadyResolved);
    }
    if !batch.is_on_notice() {
        return Err(BatchError::Published);
    }
    let (reason, reply) = (input.reason.trim(), input.reply.trim());
    let outcome = match (input.upheld, input.reject) {
        (false, _) => None,
        (true, false) => Some("returned"),
        (true, true) => Some("rejected"),
    };
    objections::resolve(
        &mut tx,
        id,
        Resolution {
            status: if input.upheld { "upheld" } else { "dismissed" },
            outcome,
            reason,
            reply,
            by: actor,
        },
    )
    .await?;
    let after = json!({
        "status": if input.upheld { "upheld" } else { "dismissed" }, "outcome": outcome,
        "batch": batch_id, "proposal": objection.proposal_id,
    });
    audit::record(
        &mut tx,
        audit_entry(Some(actor), "objection.resolved", "objection", id, after),
    )
    .await?;
    if input.upheld {
        take_out(
            &mut tx,
            actor,
            &mut batch,
            objection.proposal_id,
            input.reject,
            reason,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Takes a town out of a batch on notice because of an upheld objection
/// (nothing when an earlier objection took it out already).
async fn take_out(
    tx: &mut PgConnection,
    actor: i64,
    batch: &mut BatchRow,
    proposal_id: i64,
    reject: bool,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let entries = batches::entries(tx, batch.id).await?;
    let Some(gone) = entries.iter().find(|e| e.proposal_id == proposal_id) else {
        return Ok(());
    };
    batches::allow_notice_removal(tx).await?;
    batches::remove_entry(tx, batch.id, gone.id).await?;
    let order: Vec<i64> = entries.iter().map(|e| e.id).filter(|i| *i != gone.id).collect();
    batches::set_order(tx, batch.id, &order).await?;
    let region = gone
        .final_findings
        .as_ref()
        .map(|t| t.0.region.clone())
        .unwrap_or_else(|| gone.region_name.clone());
    batch.notice_changes.0.push(NoticeChange {
        proposal_id,
        name: gone.proposal_name.clone(),
        region,
        reason: reason.to_owned(),
        date: rules::china_date(now).to_string(),
    });
    let public = notice_of(batch, batches::entries(tx, batch.id).await?);
    let hash = content_hash(&public.canonical_json());
    objections::refreeze(tx, batch.id, &hash, &batch.notice_changes.0).await?;
    let before = json!({"proposal": proposal_id, "notice_hash": batch.notice_hash});
    audit::record(
        tx,
        audit::Entry {
            actor_id: Some(actor),
            action: "batch.entry_removed",
            entity: "batch",
            entity_id: Some(batch.id),
            before: Some(before),
            after: Some(json!({"reason": "objection.upheld", "notice_hash": hash})),
        },
    )
    .await?;
    batch.notice_hash = Some(hash);

    let to = if reject { Status::Rejected } else { Status::Submitted };
    let moved = if reject {
        let approved = proposals::lock(tx, proposal_id, Scope::All)
            .await?
            .is_some_and(|p| p.status() == Status::Approved);
        if approved {
            proposals::set_status(tx, proposal_id, Status::Rejected, actor).await?;
        }
        approved
    } else {
        proposals::reopen_approved(tx, proposal_id, actor).await?
    };
    if moved {
        let left = batches::remove_from_drafts(tx, proposal_id).await?;
        let after = json!({"status": to.code(), "batch": batch.id, "reason": "objection.upheld", "left_batches": left});
        audit::record(
            tx,
            audit::Entry {
                actor_id: Some(actor),
                action: if reject {
                    "proposal.rejected"
                } else {
                    "proposal.reopened"
                },
                entity: "proposal",
                entity_id: Some(proposal_id),
                before: Some(json!({"status": Status::Approved.code()})),
                after: Some(after),
            },
        )
        .await?;
    }
    Ok(())
}

/// Erases (masks in place) the personal data of objections to batches
/// published at least `after_days` days before `now`, and deletes their
/// files; answers how many objections were erased.
pub async fn erase_expired(db: &PgPool, now: DateTime<Utc>, after_days: i64) -> sqlx::Result<usize> {
    let mut tx = crate::db::begin(db).await?;
    let due = objections::due_for_erasure(&mut tx, now, after_days).await?;
    for p in &due {
        let masked = objections::Personal {
            id: p.id,
            objector_name: rules::mask_name(&p.objector_name),
            contact_name: rules::mask_name(&p.contact_name),
            phone: rules::mask_phone(&p.phone),
        };
        objections::mask(&mut tx, &masked, now).await?;
    }
    objections::delete_orphan_files(&mut tx).await?;
    if !due.is_empty() {
        let ids: Vec<i64> = due.iter().map(|p| p.id).collect();
        let entry = audit::Entry {
            actor_id: None,
            action: "objection.erased",
            entity: "objection",
            entity_id: None,
            before: None,
            after: Some(json!({"objections": ids, "after_days": after_days})),
        };
        audit::record(&mut tx, entry).await?;
    }
    tx.commit().await?;
    Ok(due.len())
}

/// Runs [`erase_expired`] now and then once a day, for as long as the
/// server runs.
pub async fn erase_daily(db: PgPool) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
    loop {
        every.tick().await;
        match erase_expired(&db, Utc::now(), rules::ERASE_AFTER_DAYS).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(erased = n, "objectors' personal data erased"),
            Err(e) => tracing::warn!(error = %e, "erasing objectors' personal data failed; trying again tomorrow"),
        }
    }
}
