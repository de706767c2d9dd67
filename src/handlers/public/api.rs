//! `GET /api/v1/batches` and `GET /api/v1/batches/{id}`: the published
//! batches as JSON, the same data as the pages and the `.json` download.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use serde_json::Value;

use crate::db::batches;
use crate::error::{AppError, AppResult};
use crate::services::batches::public_batch;
use crate::state::AppState;

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
pub async fn api_batches(State(state): State<AppState>) -> AppResult<Json<Vec<BatchSummary>>> {
    let mut conn = state.db.acquire().await?;
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
pub async fn api_batch(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Json<Value>> {
    let id: i64 = id.parse().ok().filter(|i| *i > 0).ok_or(AppError::NotFound)?;
    let mut conn = state.db.acquire().await?;
    let (batch, public) = public_batch(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let mut value = serde_json::to_value(&public).map_err(|e| AppError::Internal(e.into()))?;
    if let Value::Object(map) = &mut value {
        map.insert("content_hash".to_owned(), Value::from(batch.content_hash));
    }
    Ok(Json(value))
}
