//! `GET /api/v1/batches`, `GET /api/v1/batches/{id}`: the published batches
//! of the creation list, the same data as the public pages and downloads
//! (the same services and store).

use std::borrow::Cow;

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{ErrorAnswer, api_lang, error_answer};
use crate::db::batches;
use crate::error::{AppError, AppResult};
use crate::services::batches::public_batch;
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
    published_batches(state).await
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
    match published_batch(state, id).await {
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchSummary {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub published_at: Option<String>,
    pub withdraws_batch_id: Option<i64>,
    pub towns: i64,
    pub content_hash: Option<String>,
    pub url: String,
}

/// `GET /api/v1/batches`: the published batches, newest first.
async fn published_batches(State(state): State<AppState>) -> AppResult<Json<Vec<BatchSummary>>> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let rows = batches::list_published(&mut conn).await?;
    Ok(Json(
        rows.into_iter()
            .map(|b| BatchSummary {
                url: format!("/batches/{}", b.id),
                published_at: b.published_at.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                id: b.id,
                kind: b.kind,
                title: b.title,
                withdraws_batch_id: b.withdraws_batch_id,
                towns: b.entries,
                content_hash: b.content_hash,
            })
            .collect(),
    ))
}

/// `GET /api/v1/batches/{id}`: the batch's canonical JSON (the `.json`
/// download) with its `content_hash`; 404 unless published.
async fn published_batch(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Json<Value>> {
    let id: i64 = id.parse().ok().filter(|i| *i > 0).ok_or(AppError::NotFound)?;
    let mut conn = crate::db::acquire(&state.db).await?;
    let (batch, public) = public_batch(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let mut value = serde_json::to_value(&public).map_err(|e| AppError::Internal(e.into()))?;
    if let Value::Object(map) = &mut value {
        map.insert("content_hash".to_owned(), Value::from(batch.content_hash));
    }
    Ok(Json(value))
}
