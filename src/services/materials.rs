//! Application materials (申报材料): storing uploads while a proposal is a
//! draft or returned, removing them, and opening one for a download (each
//! audited). The upload's bytes arrive as checked files on disk
//! ([`Received`]); they go into the database a chunk at a time.

use std::io::Read;
use std::path::PathBuf;

use serde_json::json;
use sqlx::PgPool;

use super::ServiceError;
use crate::auth::User;
use crate::db::audit;
use crate::db::materials::{self as db, MaterialRow, NewMaterial};
use crate::db::proposals::{self, Scope};
use crate::domain::Lang;
use crate::domain::material::{FileKind, MAX_FILE_BYTES, MAX_PROPOSAL_BYTES, MaterialSet, MaterialType, Refused};
use crate::i18n;
use crate::standards::Attachments;

/// Bytes per stored chunk: what is held in memory at once going in or out.
pub const CHUNK_BYTES: usize = 1024 * 1024;
/// Files in one upload: one per material type.
pub const MAX_FILES_PER_UPLOAD: usize = MaterialType::ALL.len();
/// Fields of one upload's form, files or not: the form sends one per type.
/// Past this none is looked at (a body of 100,000 fields would otherwise
/// make as many temporary files and messages).
pub const MAX_UPLOAD_FIELDS: usize = 20;

const MB: u64 = 1024 * 1024;

/// Who may see a proposal's materials: whoever may see the proposal — its
/// region's officials, reviewers once it reached them, admins. City users
/// and assigned experts (a later issue) are given their scope here.
pub fn scope_for(user: &User) -> Scope {
    super::proposals::scope_of(user)
}

/// A file received and checked, waiting on disk to be stored.
#[derive(Debug)]
pub struct Received {
    pub material_type: MaterialType,
    pub file_name: String,
    pub kind: FileKind,
    pub size: u64,
    pub sha256: String,
    pub path: PathBuf,
}

/// Why a field of an upload was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    File(Refused),
    /// The proposal's materials would exceed [`MAX_PROPOSAL_BYTES`].
    ProposalTotal,
    /// More files than types, or two for one type.
    TooManyFiles,
    /// More fields than [`MAX_UPLOAD_FIELDS`].
    TooManyFields,
    /// A field that names no material type.
    UnknownType,
    /// Nothing chosen.
    NoFile,
}

/// A refused field: the material type's code (or `files` for the form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadError {
    pub field: String,
    pub problem: Problem,
}

impl UploadError {
    pub fn new(field: impl Into<String>, problem: Problem) -> UploadError {
        UploadError {
            field: field.into(),
            problem,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let t = |k: &str| i18n::t(lang, k);
        match &self.problem {
            Problem::File(r) => {
                let text = t(&format!("materials.refused.{}", r.code()));
                match r {
                    Refused::TooLarge { max_mb } => text.replace("{max_mb}", &max_mb.to_string()),
                    Refused::TooManyEntries { max } => text.replace("{max}", &max.to_string()),
                    Refused::Inflates { max_mb, max_ratio } => text
                        .replace("{max_mb}", &max_mb.to_string())
                        .replace("{max_ratio}", &max_ratio.to_string()),
                    Refused::NameMismatch { kind, extension } => {
                        text.replace("{kind}", kind.label()).replace("{extension}", extension)
                    }
                    _ => text,
                }
            }
            Problem::ProposalTotal => {
                t("materials.refused.proposal_total").replace("{max_mb}", &(MAX_PROPOSAL_BYTES / MB).to_string())
            }
            Problem::TooManyFiles => {
                t("materials.refused.too_many_files").replace("{max}", &MAX_FILES_PER_UPLOAD.to_string())
            }
            Problem::TooManyFields => {
                t("materials.refused.too_many_fields").replace("{max}", &MAX_UPLOAD_FIELDS.to_string())
            }
            Problem::UnknownType => t("materials.refused.unknown_type"),
            Problem::NoFile => t("materials.refused.no_file"),
        }
    }
}

/// The limit of one file, for messages.
pub fn max_file_mb() -> u64 {
    MAX_FILE_BYTES / MB
}

/// Why an upload did not happen.
#[derive(Debug)]
pub enum UploadRefused {
    Service(ServiceError),
    Invalid(Vec<UploadError>),
}

impl From<sqlx::Error> for UploadRefused {
    fn from(e: sqlx::Error) -> Self {
        UploadRefused::Service(e.into())
    }
}

impl From<ServiceError> for UploadRefused {
    fn from(e: ServiceError) -> Self {
        UploadRefused::Service(e)
    }
}

/// Stores checked files as the proposal's materials of their types (a file
/// of a type that has one replaces it), all or none: the proposal's total
/// must stay within [`MAX_PROPOSAL_BYTES`]. Contents already stored (by
/// SHA-256) are not written again. One audit row per file.
pub async fn store(db: &PgPool, user: &User, proposal_id: i64, files: &[Received]) -> Result<(), UploadRefused> {
    let mut tx = crate::db::begin(db).await?;
    super::proposals::lock_editable(&mut tx, user, proposal_id).await?;
    let replaced: Vec<&str> = files.iter().map(|f| f.material_type.code()).collect();
    let kept = db::current_bytes(&mut tx, proposal_id, &replaced).await?;
    let added: u64 = files.iter().map(|f| f.size).sum();
    if kept as u64 + added > MAX_PROPOSAL_BYTES {
        let errors = files
            .iter()
            .map(|f| UploadError::new(f.material_type.code(), Problem::ProposalTotal))
            .collect();
        return Err(UploadRefused::Invalid(errors));
    }
    for f in files {
        if db::insert_file(&mut tx, &f.sha256, f.size as i64, f.kind.code()).await? {
            write_chunks(&mut tx, f).await?;
        }
        let before = db::retire_current(&mut tx, proposal_id, f.material_type.code(), user.id).await?;
        let id = db::insert(
            &mut tx,
            NewMaterial {
                proposal_id,
                material_type: f.material_type.code(),
                file_name: &f.file_name,
                sha256: &f.sha256,
                uploaded_by: user.id,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            audit::Entry {
                actor_id: Some(user.id),
                action: if before.is_some() {
                    "material.replaced"
                } else {
                    "material.uploaded"
                },
                entity: "proposal",
                entity_id: Some(proposal_id),
                before: before.map(|id| json!({"material_id": id})),
                after: Some(json!({
                    "material_id": id,
                    "type": f.material_type.code(),
                    "name": f.file_name,
                    "sha256": f.sha256,
                    "size": f.size,
                })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Reads the file on disk a chunk at a time into the database.
async fn write_chunks(tx: &mut sqlx::PgConnection, f: &Received) -> Result<(), ServiceError> {
    let mut file = std::fs::File::open(&f.path).map_err(|e| ServiceError::Db(sqlx::Error::Io(e)))?;
    let mut buf = vec![0u8; CHUNK_BYTES];
    let mut seq = 0i32;
    loop {
        let mut n = 0;
        while n < buf.len() {
            let k = file
                .read(&mut buf[n..])
                .map_err(|e| ServiceError::Db(sqlx::Error::Io(e)))?;
            if k == 0 {
                break;
            }
            n += k;
        }
        if n == 0 {
            break;
        }
        db::insert_chunk(tx, &f.sha256, seq, &buf[..n]).await?;
        seq += 1;
        if n < buf.len() {
            break;
        }
    }
    Ok(())
}

/// Removes the current material `material_id` (it stays in submissions
/// that froze it).
pub async fn remove(db: &PgPool, user: &User, proposal_id: i64, material_id: i64) -> Result<(), ServiceError> {
    let mut tx = crate::db::begin(db).await?;
    super::proposals::lock_editable(&mut tx, user, proposal_id).await?;
    let kind = db::retire(&mut tx, proposal_id, material_id, user.id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: Some(user.id),
            action: "material.removed",
            entity: "proposal",
            entity_id: Some(proposal_id),
            before: Some(json!({"material_id": material_id, "type": kind})),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Upload `material_id` of a proposal `user` may see, with the download
/// recorded in the audit log (by ids only).
pub async fn open(
    db: &PgPool,
    user: &User,
    proposal_id: i64,
    material_id: i64,
    inline: bool,
) -> Result<MaterialRow, ServiceError> {
    let mut tx = crate::db::begin(db).await?;
    let visible = proposals::get(&mut tx, proposal_id, scope_for(user)).await?.is_some()
        || (user.role == crate::domain::Role::Expert && assigned_expert(&mut tx, user, proposal_id).await?);
    if !visible {
        return Err(ServiceError::NotFound);
    }
    let row = db::get(&mut tx, proposal_id, material_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: Some(user.id),
            action: "material.downloaded",
            entity: "material",
            entity_id: Some(material_id),
            before: None,
            after: Some(json!({"proposal_id": proposal_id, "inline": inline})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// An expert sees the materials of the proposals assigned to them (and not
/// recused from).
async fn assigned_expert(conn: &mut sqlx::PgConnection, user: &User, proposal_id: i64) -> sqlx::Result<bool> {
    let Some(expert) = crate::db::experts::of_user(conn, user.id).await? else {
        return Ok(false);
    };
    Ok(crate::db::panels::assignment(conn, proposal_id, expert.id)
        .await?
        .is_some_and(|a| a.scores()))
}

/// The files a stored proposal has, for its evaluation.
pub async fn attachments(conn: &mut sqlx::PgConnection, proposal_id: i64) -> sqlx::Result<Attachments> {
    let rows = db::current(conn, proposal_id).await?;
    Ok(Attachments::stored(
        types_of(rows.iter().map(|r| r.material_type.as_str())),
        None,
    ))
}

/// The set of the known type codes among `codes`.
pub fn types_of<'a>(codes: impl IntoIterator<Item = &'a str>) -> MaterialSet {
    codes.into_iter().filter_map(MaterialType::from_code).collect()
}

/// Checks and stores files given whole (the demo data and tests; uploads
/// from browsers are streamed by the handler): each written to a temporary
/// file and checked exactly as an upload is.
pub async fn store_bytes(
    db: &PgPool,
    user: &User,
    proposal_id: i64,
    files: &[(MaterialType, &str, &[u8])],
) -> Result<(), UploadRefused> {
    use sha2::{Digest, Sha256};
    let mut received = Vec::new();
    let mut temporary = Vec::new();
    let mut errors = Vec::new();
    for (t, name, bytes) in files {
        let path = std::env::temp_dir().join(format!("xiaozhen-bytes-{}", uuid::Uuid::new_v4()));
        std::fs::write(&path, bytes).map_err(|e| ServiceError::Db(sqlx::Error::Io(e)))?;
        temporary.push(RemoveOnDrop(path.clone()));
        let size = bytes.len() as u64;
        let checked = std::fs::File::open(&path)
            .map_err(|_| Refused::Corrupt)
            .and_then(|mut f| crate::domain::material::sniff(&mut f, size, &Default::default()))
            .and_then(|kind| {
                let name = crate::domain::material::safe_file_name(name);
                crate::domain::material::download_name(&name, kind).map(|n| (kind, n))
            });
        match checked {
            Ok((kind, file_name)) => received.push(Received {
                material_type: *t,
                file_name,
                kind,
                size,
                sha256: hex::encode(Sha256::digest(bytes)),
                path,
            }),
            Err(r) => errors.push(UploadError::new(t.code(), Problem::File(r))),
        }
    }
    if !errors.is_empty() {
        return Err(UploadRefused::Invalid(errors));
    }
    store(db, user, proposal_id, &received).await
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A small valid PDF of one page saying `text` (ASCII), for demo data and
/// tests: a real file, not a stand-in that only passes the magic check.
pub fn sample_pdf(text: &str) -> Vec<u8> {
    let text: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
        .collect();
    let stream = format!("BT /F1 24 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// The five materials as small PDFs, for demo data and tests.
pub async fn store_samples(db: &PgPool, user: &User, proposal_id: i64) -> Result<(), UploadRefused> {
    let files: Vec<(MaterialType, String, Vec<u8>)> = MaterialType::ALL
        .into_iter()
        .map(|t| (t, format!("{}.pdf", t.code()), sample_pdf(t.code())))
        .collect();
    let refs: Vec<(MaterialType, &str, &[u8])> = files.iter().map(|(t, n, b)| (*t, n.as_str(), b.as_slice())).collect();
    store_bytes(db, user, proposal_id, &refs).await
}
