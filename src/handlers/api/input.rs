//! What the API's POST paths read before their own work: the standard
//! version named by the query, and a JSON body. Each returns the finished
//! error answer, so that every status is ours and none is a 500.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{BODY_LIMIT, error_answer, query_param};
use crate::db;
use crate::db::standards::StandardRow;
use crate::domain::Lang;
use crate::error::AppError;
use crate::state::AppState;

const DRAFT: &str = "draft";

/// `?standard=CODE&version=N`: no code, the active version; a code, its
/// newest published version or version N (never a draft).
pub async fn standard_from_query(
    state: &AppState,
    query: Option<&str>,
    lang: Lang,
) -> Result<StandardRow, Box<Response>> {
    let code = query_param(query, "standard");
    let version = version_param(query, lang)?;
    if version.is_some() && code.is_none() {
        return Err(Box::new(error_answer(
            StatusCode::BAD_REQUEST,
            lang,
            "version",
            "api.error.version_without_standard",
            &[],
        )));
    }
    find_standard(state, code.as_deref(), version, lang).await
}

/// What a POST of the API reads first: the version the query names, then
/// the body as JSON (in that order, so a missing standard is a 404 whatever
/// the body).
pub async fn standard_and_json(
    state: &AppState,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    lang: Lang,
) -> Result<(StandardRow, serde_json::Value), Box<Response>> {
    let row = standard_from_query(state, query, lang).await?;
    let value = json_body(headers, body, lang)?;
    Ok((row, value))
}

/// `?version=N`: absent, or a whole number of at least 1 (else 400).
pub fn version_param(query: Option<&str>, lang: Lang) -> Result<Option<i32>, Box<Response>> {
    match query_param(query, "version") {
        None => Ok(None),
        Some(text) => match text.parse::<i32>() {
            Ok(v) if v >= 1 => Ok(Some(v)),
            _ => Err(Box::new(error_answer(
                StatusCode::BAD_REQUEST,
                lang,
                "version",
                "api.error.bad_version",
                &[],
            ))),
        },
    }
}

/// The version named, or the 404 that says which part is unknown.
pub async fn find_standard(
    state: &AppState,
    code: Option<&str>,
    version: Option<i32>,
    lang: Lang,
) -> Result<StandardRow, Box<Response>> {
    let db_error = |err: sqlx::Error| Box::new(AppError::from(err).into_response());
    let mut conn = crate::db::acquire(&state.db).await.map_err(db_error)?;
    let Some(code) = code else {
        return db::standards::active(&mut conn)
            .await
            .map_err(db_error)?
            .ok_or_else(|| {
                Box::new(error_answer(
                    StatusCode::NOT_FOUND,
                    lang,
                    "standard",
                    "api.error.no_active_standard",
                    &[],
                ))
            });
    };
    let found = match version {
        None => db::standards::newest(&mut conn, code).await,
        Some(v) => db::standards::get(&mut conn, code, v)
            .await
            .map(|row| row.filter(|r| r.status != DRAFT)),
    }
    .map_err(db_error)?;
    if let Some(row) = found {
        return Ok(row);
    }
    let code_known = match version {
        None => false,
        Some(_) => db::standards::newest(&mut conn, code)
            .await
            .map_err(db_error)?
            .is_some(),
    };
    Err(Box::new(if code_known {
        let v = version.unwrap_or_default().to_string();
        error_answer(
            StatusCode::NOT_FOUND,
            lang,
            "version",
            "api.error.unknown_version",
            &[("code", code), ("version", &v)],
        )
    } else {
        error_answer(
            StatusCode::NOT_FOUND,
            lang,
            "standard",
            "api.error.unknown_standard",
            &[("code", code)],
        )
    }))
}

/// The body as JSON: 415 when it is not declared JSON, 413 past the limit,
/// 400 when it cannot be read or parsed.
pub fn json_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    lang: Lang,
) -> Result<serde_json::Value, Box<Response>> {
    if !is_json(headers) {
        return Err(Box::new(error_answer(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            lang,
            "",
            "api.error.not_json",
            &[],
        )));
    }
    let bytes = match body {
        Ok(bytes) => bytes,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let limit = format!("{}", BODY_LIMIT / (1024 * 1024));
            return Err(Box::new(error_answer(
                StatusCode::PAYLOAD_TOO_LARGE,
                lang,
                "",
                "api.error.too_large",
                &[("limit", &limit)],
            )));
        }
        Err(_) => {
            return Err(Box::new(error_answer(
                StatusCode::BAD_REQUEST,
                lang,
                "",
                "api.error.unreadable",
                &[],
            )));
        }
    };
    serde_json::from_slice(&bytes).map_err(|err| {
        let (line, column) = (err.line().to_string(), err.column().to_string());
        Box::new(error_answer(
            StatusCode::BAD_REQUEST,
            lang,
            "",
            "api.error.bad_json",
            &[("line", &line), ("column", &column)],
        ))
    })
}

/// `application/json`, with or without parameters (`; charset=utf-8`).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}
