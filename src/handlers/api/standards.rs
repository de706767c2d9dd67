//! `GET /api/v1/standards` and `GET /api/v1/standards/{code}`: anyone can
//! read the rules. Drafts are never shown.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::input::{find_standard, version_param};
use super::schema::{ErrorAnswer, StandardDefinition, StandardSummary};
use super::{api_lang, json_answer};
use crate::db;
use crate::error::AppError;
use crate::state::AppState;

const ACTIVE: &str = "active";

/// Every published version, newest first within each code.
#[utoipa::path(
    get,
    path = "/api/v1/standards",
    operation_id = "list_standards",
    tag = "standards",
    responses(
        (status = 200, description = "Every published or active standard version", body = [StandardSummary]),
        (status = 503, description = "The database does not answer", body = ErrorAnswer),
    )
)]
pub async fn list(State(state): State<AppState>) -> Response {
    let rows = match crate::db::acquire(&state.db).await {
        Ok(mut conn) => db::standards::list_published(&mut conn).await,
        Err(err) => Err(err),
    };
    let rows = match rows {
        Ok(rows) => rows,
        Err(err) => return AppError::from(err).into_response(),
    };
    let answer: Vec<StandardSummary> = rows
        .iter()
        .map(|row| {
            let s = row.standard();
            StandardSummary {
                code: row.code.clone(),
                version: row.version,
                name_zh: s.name_zh.clone(),
                name_en: s.name_en.clone(),
                status: row.status.clone(),
                effective_from: s.effective_from,
                active: row.status == ACTIVE,
            }
        })
        .collect();
    json_answer(StatusCode::OK, &answer)
}

/// The full definition of a standard version: the newest published one of
/// the code, or `?version=N`.
#[utoipa::path(
    get,
    path = "/api/v1/standards/{code}",
    operation_id = "get_standard",
    tag = "standards",
    params(
        ("code" = String, Path, description = "Standard code", example = "ZJ-2015"),
        ("version" = Option<i32>, Query, description = "A specific version; absent: the newest published one",
         minimum = 1, example = 1),
        ("Accept-Language" = Option<String>, Header, description = "Language of error messages: zh-CN (default) or en"),
    ),
    responses(
        (status = 200, description = "The definition, as the rule engine reads it", body = StandardDefinition),
        (status = 400, description = "`version` is not a positive whole number", body = ErrorAnswer),
        (status = 404, description = "No such standard or version (`field` names which)", body = ErrorAnswer),
        (status = 503, description = "The database does not answer", body = ErrorAnswer),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    Path(code): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = api_lang(&headers);
    let version = match version_param(query.as_deref(), lang) {
        Ok(version) => version,
        Err(answer) => return *answer,
    };
    match find_standard(&state, Some(&code), version, lang).await {
        Ok(row) => json_answer(StatusCode::OK, row.standard()),
        Err(answer) => *answer,
    }
}
