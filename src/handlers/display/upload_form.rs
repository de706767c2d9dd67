//! A multipart form with one file (`file`) and a few short text fields, as
//! the boundary and layer uploads send it. The file is read up to a limit
//! and no further: past it the rest is read and counted, never kept.

use axum::extract::Multipart;
use axum::http::StatusCode;

use crate::error::AppError;
use crate::services::boundaries::Refused;
use crate::spatial::SpatialError;

/// Longest text field kept (a layer's name, its kind).
const MAX_TEXT_BYTES: usize = 1024;
/// Parts of one upload: the file and a few text fields. A body of one part
/// repeated thousands of times is refused at the first part past this.
pub const MAX_PARTS: usize = 16;

/// What a form sent: its text fields and its file (name, bytes) or why not.
pub struct UploadForm {
    pub fields: Vec<(String, String)>,
    pub file: Result<(String, Vec<u8>), Refused>,
}

impl UploadForm {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

fn body_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge("error.too_large.body")
    } else {
        AppError::BadRequest("error.bad_request.invalid")
    }
}

/// Reads every field; the file at most `limit` bytes.
pub async fn read_upload(multipart: &mut Multipart, limit: u64) -> Result<UploadForm, AppError> {
    let mut fields = Vec::new();
    let mut file = None;
    let mut parts = 0;
    while let Some(mut field) = multipart.next_field().await.map_err(body_error)? {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(AppError::TooLarge("error.too_large.body"));
        }
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let is_file = name == "file" && file_name.is_some() && file.is_none();
        let keep = if is_file { limit } else { MAX_TEXT_BYTES as u64 };
        let mut bytes = Vec::new();
        let mut size = 0u64;
        while let Some(chunk) = field.chunk().await.map_err(body_error)? {
            size += chunk.len() as u64;
            if size <= keep {
                bytes.extend_from_slice(&chunk);
            }
        }
        if is_file {
            file = Some(match size {
                0 => Err(Refused::NoFile),
                s if s > limit => Err(Refused::File(SpatialError::TooLarge { bytes: s, limit })),
                _ => Ok((file_name.unwrap_or_default(), bytes)),
            });
        } else if file_name.is_none() && size as usize <= MAX_TEXT_BYTES {
            fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    Ok(UploadForm {
        fields,
        file: file.unwrap_or(Err(Refused::NoFile)),
    })
}
