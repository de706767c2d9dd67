//! Spreadsheets in and out for officials: the proposals' import
//! ([`proposals`]), the annual reports' import ([`reports`]) and the
//! proposals list as XLSX or CSV ([`export`]). What both imports share —
//! reading an upload off the async threads within limits — is here.

pub mod export;
pub mod proposals;
pub mod reports;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;

use crate::error::{AppError, AppResult};
use crate::services::spreadsheets::{FileError, MAX_BYTES};
use crate::xlsx::guard::Exceeded;

/// Readers running at once: each may hold up to its limits' worth of
/// memory (`xlsx::guard`), so a burst of uploads queues instead of adding up.
static READERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
/// How long an upload may wait for a reader and be read.
const READ_DEADLINE: std::time::Duration = std::time::Duration::from_secs(20);

/// The uploaded `file` read by `reader` off the async threads, within
/// `READ_DEADLINE`: its name and what the reader made of it, or why the file
/// is refused (for a 422 page). A reader that panics refuses the file.
pub async fn read_spreadsheet<T: Send + 'static>(
    multipart: Result<Multipart, MultipartRejection>,
    reader: fn(&[u8]) -> Result<T, FileError>,
) -> AppResult<Result<(String, T), FileError>> {
    let Ok(mut multipart) = multipart else {
        return Ok(Err(FileError::Empty));
    };
    let (filename, bytes) = match read_upload(&mut multipart).await {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let timed_out = FileError::Limit(Exceeded::TimedOut {
        secs: READ_DEADLINE.as_secs(),
    });
    let read = tokio::time::timeout(READ_DEADLINE, async move {
        let permit = READERS
            .acquire()
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("spreadsheet readers: {e}")))?;
        // The permit goes with the work: a reader still running after the
        // deadline keeps its place until it is done.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            std::panic::catch_unwind(|| reader(&bytes)).unwrap_or_else(|_| {
                tracing::warn!("spreadsheet reader panicked; the file is refused");
                Err(FileError::Corrupt)
            })
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("spreadsheet reader: {e}")))
    })
    .await
    .unwrap_or(Ok(Err(timed_out)))?;
    Ok(read.map(|r| (filename, r)))
}

/// Reads the `file` field, at most `MAX_BYTES` (the rest is drained so that
/// the browser receives the answer).
async fn read_upload(multipart: &mut Multipart) -> Result<(String, Vec<u8>), FileError> {
    let mut found = None;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        if field.name() != Some("file") || found.is_some() {
            while let Ok(Some(_)) = field.chunk().await {}
            continue;
        }
        let filename = field.file_name().unwrap_or("").to_string();
        let mut bytes = Vec::new();
        let mut too_large = false;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > MAX_BYTES {
                        too_large = true;
                    } else {
                        bytes.extend_from_slice(&chunk);
                    }
                }
                Ok(None) => break,
                // The body limit was reached, or the upload was cut off.
                Err(_) => {
                    too_large = true;
                    break;
                }
            }
        }
        found = Some(if too_large {
            Err(FileError::TooLarge)
        } else {
            Ok((filename, bytes))
        });
    }
    found.unwrap_or(Err(FileError::Empty))
}
