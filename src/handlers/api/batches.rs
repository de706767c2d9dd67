//! `GET /api/v1/batches`, `GET /api/v1/batches/{id}`: the published batches
//! of the creation list, the same data as the public pages and downloads
//! (the handlers live with the public pages; these describe them).

use std::borrow::Cow;

use axum::Json;
use axum::extract::{Path, State};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{ErrorAnswer, api_lang, error_answer};
use crate::error::{AppError, AppResult};
use crate::handlers::public::api::{self as public_api, BatchSummary};
use crate::state::AppState;

/// A published batch: title, kind, introduction, publication date, every
/// town frozen as published, and the SHA-256 `content_hash` of its
/// canonical JSON (the `.json` download).
pub struct BatchAnswer;

impl PartialSchema for BatchAnswer {
    fn schema() -> RefOr<Schema> {
        RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .description(Some("已发布批次（与 .json 下载相同）及其 SHA-256 / A published batch, as its .json download, with its SHA-256"))
                .additional_properties(Some(AdditionalProperties::FreeForm(true)))
                .property("content_hash", ObjectBuilder::new().schema_type(Type::String))
                .required("content_hash")
                .build(),
        ))
    }
}

impl ToSchema for BatchAnswer {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("BatchAnswer")
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/batches",
    operation_id = "list_batches",
    tag = "batches",
    responses(
        (status = 200, description = "Published batches, newest first", body = [BatchSummary]),
        (status = 503, description = "The database does not answer", body = ErrorAnswer),
    )
)]
pub async fn list(state: State<AppState>) -> AppResult<Json<Vec<BatchSummary>>> {
    public_api::api_batches(state).await
}

#[utoipa::path(
    get,
    path = "/api/v1/batches/{id}",
    operation_id = "get_batch",
    tag = "batches",
    params(("id" = i64, Path, description = "Batch id", example = 1)),
    responses(
        (status = 200, description = "The published batch", body = BatchAnswer),
        (status = 404, description = "No published batch with that id", body = ErrorAnswer),
        (status = 503, description = "The database does not answer", body = ErrorAnswer),
    )
)]
pub async fn show(state: State<AppState>, headers: HeaderMap, id: Path<String>) -> Response {
    match public_api::api_batch(state, id).await {
        Ok(json) => json.into_response(),
        Err(AppError::NotFound) => error_answer(
            StatusCode::NOT_FOUND,
            api_lang(&headers),
            "id",
            "api.error.unknown_batch",
            &[],
        ),
        Err(other) => other.into_response(),
    }
}
