//! Receiving an upload: each multipart field streamed to a file on disk
//! while its SHA-256 is computed (never whole in memory), stopped at the
//! size limit, then checked by its content ([`sniff`]) and its name.

use std::path::PathBuf;

use axum::extract::Multipart;
use axum::extract::multipart::Field;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::domain::material::{MAX_FILE_BYTES, MaterialType, Refused, ZipLimits, download_name, safe_file_name, sniff};
use crate::error::AppError;
use crate::services::materials::{MAX_FILES_PER_UPLOAD, MAX_UPLOAD_FIELDS, Problem, Received, UploadError};

/// A file on disk that is deleted when dropped, whatever happens.
pub struct TempFile(pub PathBuf);

impl TempFile {
    fn new() -> TempFile {
        TempFile(std::env::temp_dir().join(format!("xiaozhen-upload-{}", uuid::Uuid::new_v4())))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The checked files of an upload (with their temporary files, kept alive
/// until stored) and every refused field.
#[derive(Default)]
pub struct Upload {
    pub files: Vec<(Received, TempFile)>,
    pub errors: Vec<UploadError>,
}

fn body_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge("error.too_large.body")
    } else {
        AppError::BadRequest("error.bad_request.invalid")
    }
}

/// Reads every field of the form. Fields without a file (an empty file
/// input) are skipped; a field naming no material type, a second file of a
/// type or more files than types are refused. A form of more than
/// [`MAX_UPLOAD_FIELDS`] fields is refused as a whole: the fields past the
/// limit are read to the body's end (a client still sending would see its
/// connection cut) but nothing is kept of them.
pub async fn receive(mut multipart: Multipart) -> Result<Upload, AppError> {
    let mut upload = Upload::default();
    let mut seen: Vec<MaterialType> = Vec::new();
    let mut count = 0usize;
    let mut fields = 0usize;
    while let Some(field) = multipart.next_field().await.map_err(body_error)? {
        fields += 1;
        if fields > MAX_UPLOAD_FIELDS {
            drain(field).await?;
            continue;
        }
        let name = field.name().unwrap_or("").to_string();
        let raw_name = field.file_name().map(str::to_string);
        let material_type = MaterialType::from_code(&name);
        let Some(raw_name) = raw_name else {
            // A plain field (the token, a button): nothing to store.
            drain(field).await?;
            continue;
        };
        let temp = TempFile::new();
        let written = write(field, &temp).await?;
        if raw_name.is_empty() && written.size == 0 {
            continue;
        }
        count += 1;
        let field_name = material_type.map_or("files", MaterialType::code);
        let Some(t) = material_type else {
            upload.errors.push(UploadError::new(field_name, Problem::UnknownType));
            continue;
        };
        if count > MAX_FILES_PER_UPLOAD || seen.contains(&t) {
            upload.errors.push(UploadError::new(field_name, Problem::TooManyFiles));
            continue;
        }
        seen.push(t);
        if written.too_large {
            let max_mb = MAX_FILE_BYTES / (1024 * 1024);
            upload.errors.push(UploadError::new(
                field_name,
                Problem::File(Refused::TooLarge { max_mb }),
            ));
            continue;
        }
        match check(&temp, written.size, &raw_name).await {
            Ok((kind, file_name)) => upload.files.push((
                Received {
                    material_type: t,
                    file_name,
                    kind,
                    size: written.size,
                    sha256: written.sha256,
                    path: temp.0.clone(),
                },
                temp,
            )),
            Err(r) => upload.errors.push(UploadError::new(field_name, Problem::File(r))),
        }
    }
    if fields > MAX_UPLOAD_FIELDS {
        // The files checked so far are dropped with their temporary files.
        return Ok(Upload {
            files: Vec::new(),
            errors: vec![UploadError::new("files", Problem::TooManyFields)],
        });
    }
    if upload.files.is_empty() && upload.errors.is_empty() {
        upload.errors.push(UploadError::new("files", Problem::NoFile));
    }
    Ok(upload)
}

struct Written {
    size: u64,
    sha256: String,
    too_large: bool,
}

/// Streams a field to `temp`, one chunk at a time, up to the size limit;
/// past it the rest is read and dropped (the next field follows it).
async fn write(mut field: Field<'_>, temp: &TempFile) -> Result<Written, AppError> {
    let io = |e: std::io::Error| AppError::Internal(anyhow::anyhow!("upload to a temporary file: {e}"));
    let mut file = tokio::fs::File::create(&temp.0).await.map_err(io)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut too_large = false;
    while let Some(chunk) = field.chunk().await.map_err(body_error)? {
        size += chunk.len() as u64;
        if size > MAX_FILE_BYTES {
            too_large = true;
            continue;
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(io)?;
    }
    file.flush().await.map_err(io)?;
    Ok(Written {
        size,
        sha256: hex::encode(hasher.finalize()),
        too_large,
    })
}

async fn drain(mut field: Field<'_>) -> Result<(), AppError> {
    while field.chunk().await.map_err(body_error)?.is_some() {}
    Ok(())
}

/// The file's kind from its content, and its name if the name agrees.
async fn check(
    temp: &TempFile,
    size: u64,
    raw_name: &str,
) -> Result<(crate::domain::material::FileKind, String), Refused> {
    let path = temp.0.clone();
    let kind = tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(path).map_err(|_| Refused::Corrupt)?;
        sniff(&mut file, size, &ZipLimits::default())
    })
    .await
    // A check that panicked refuses the file, never the request.
    .unwrap_or(Err(Refused::Corrupt))?;
    let name = download_name(&safe_file_name(raw_name), kind)?;
    Ok((kind, name))
}
