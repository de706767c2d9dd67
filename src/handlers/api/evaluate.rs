//! `POST /api/v1/evaluate`: a proposal in, the findings out. The body is
//! read as bytes and parsed here, so that every status is ours: no body can
//! make this answer 500.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::schema::{ErrorAnswer, ErrorItem, EvaluationAnswer, ProposalBody};
use super::{BODY_LIMIT, api_lang, error_answer, json_answer, query_param};
use crate::db;
use crate::domain::proposal::Proposal;
use crate::error::AppError;
use crate::standards;
use crate::state::AppState;

/// Evaluates a proposal under a standard version, without storing anything.
#[utoipa::path(
    post,
    path = "/api/v1/evaluate",
    operation_id = "evaluate",
    tag = "evaluation",
    params(
        ("standard" = Option<String>, Query,
         description = "标准代码，缺省为当前启用的版本；给出代码时取该代码最新的已发布版本 / \
                        Standard code; absent: the active version; given: the newest published version of that code",
         example = "ZJ-2015"),
        ("version" = Option<i32>, Query,
         description = "与 standard 一起给出时取该代码的这一版本（须已发布）/ With `standard`: that version of the code \
                        (published or active)",
         minimum = 1, example = 2),
        ("Accept-Language" = Option<String>, Header,
         description = "Language of `actual`, `required`, `margin` and error messages: zh-CN (default) or en"),
    ),
    request_body(content = ProposalBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The findings under the standard", body = EvaluationAnswer),
        (status = 400, description = "The body is not valid JSON or could not be read; or `version` is not a positive \
                                      whole number, or is given without `standard`", body = ErrorAnswer),
        (status = 404, description = "No such standard or version (`field` names which)", body = ErrorAnswer),
        (status = 413, description = "The body is larger than 1 MiB", body = ErrorAnswer),
        (status = 415, description = "The Content-Type is not application/json", body = ErrorAnswer),
        (status = 422, description = "Wrong type, missing, unknown or invalid fields, each named", body = ErrorAnswer),
        (status = 503, description = "The database does not answer", body = ErrorAnswer),
    )
)]
pub async fn evaluate(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let lang = api_lang(&headers);

    let code = query_param(query.as_deref(), "standard");
    // `&version=N` names one version of the code (STANDARDS.md §2).
    let version = match (query_param(query.as_deref(), "version"), &code) {
        (None, _) => None,
        (Some(text), Some(_)) => match text.parse::<i32>() {
            Ok(v) if v >= 1 => Some(v),
            _ => return error_answer(StatusCode::BAD_REQUEST, lang, "version", "api.error.bad_version", &[]),
        },
        (Some(_), None) => {
            return error_answer(
                StatusCode::BAD_REQUEST,
                lang,
                "version",
                "api.error.version_without_standard",
                &[],
            );
        }
    };
    let row = {
        let mut conn = match state.db.acquire().await {
            Ok(conn) => conn,
            Err(err) => return AppError::from(err).into_response(),
        };
        let found = match (&code, version) {
            (None, _) => db::standards::active(&mut conn).await,
            (Some(code), None) => db::standards::newest(&mut conn, code).await,
            (Some(code), Some(v)) => db::standards::get(&mut conn, code, v)
                .await
                .map(|row| row.filter(|r| r.status != "draft")),
        };
        match found {
            Ok(Some(row)) => row,
            Ok(None) => {
                if let (Some(code), Some(v)) = (&code, version)
                    && matches!(db::standards::newest(&mut conn, code).await, Ok(Some(_)))
                {
                    let v = v.to_string();
                    return error_answer(
                        StatusCode::NOT_FOUND,
                        lang,
                        "version",
                        "api.error.unknown_version",
                        &[("code", code), ("version", &v)],
                    );
                }
                return match &code {
                    Some(code) => error_answer(
                        StatusCode::NOT_FOUND,
                        lang,
                        "standard",
                        "api.error.unknown_standard",
                        &[("code", code)],
                    ),
                    None => error_answer(
                        StatusCode::NOT_FOUND,
                        lang,
                        "standard",
                        "api.error.no_active_standard",
                        &[],
                    ),
                };
            }
            Err(err) => return AppError::from(err).into_response(),
        }
    };

    if !is_json(&headers) {
        return error_answer(StatusCode::UNSUPPORTED_MEDIA_TYPE, lang, "", "api.error.not_json", &[]);
    }
    let bytes = match body {
        Ok(bytes) => bytes,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let limit = format!("{}", BODY_LIMIT / (1024 * 1024));
            return error_answer(
                StatusCode::PAYLOAD_TOO_LARGE,
                lang,
                "",
                "api.error.too_large",
                &[("limit", &limit)],
            );
        }
        Err(_) => return error_answer(StatusCode::BAD_REQUEST, lang, "", "api.error.unreadable", &[]),
    };
    let value: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(err) => {
            let (line, column) = (err.line().to_string(), err.column().to_string());
            return error_answer(
                StatusCode::BAD_REQUEST,
                lang,
                "",
                "api.error.bad_json",
                &[("line", &line), ("column", &column)],
            );
        }
    };
    let proposal = match Proposal::from_json_under(&value, row.standard().periods()) {
        Ok(proposal) => proposal,
        Err(errors) => {
            let answer = ErrorAnswer {
                errors: errors.iter().map(|e| ErrorItem::from(e.to_api(lang))).collect(),
            };
            return json_answer(StatusCode::UNPROCESSABLE_ENTITY, &answer);
        }
    };

    let evaluation = standards::evaluate(&proposal, row.standard());
    json_answer(StatusCode::OK, &EvaluationAnswer::from(evaluation.to_api(lang)))
}

/// `application/json`, with or without parameters (`; charset=utf-8`).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}
