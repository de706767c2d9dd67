//! A draft batch's towns: adding, removing and ordering them, and the
//! reason of each in a withdrawal batch (`/admin/batches/{id}/entries…`).

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::Admin;
use crate::error::AppResult;
use crate::handlers::Page;
use crate::services::batches::{self as service, BatchError};
use crate::state::AppState;

use super::batches::refused;

#[derive(Debug, Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    pub proposal: String,
    #[serde(default)]
    pub reason: String,
    /// A withdrawal for missing the town's targets (a ticked box).
    #[serde(default)]
    pub missed_targets: Option<String>,
}

/// `POST /admin/batches/{id}/entries` (`proposal`, and `reason` in a
/// withdrawal batch).
pub async fn add_entry(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Form(form): Form<EntryForm>,
) -> AppResult<Response> {
    let Ok(proposal) = form.proposal.trim().parse::<i64>() else {
        return refused(
            &state,
            page,
            id,
            BatchError::Invalid("proposal", "admin.batches.error.choose"),
            |p| p.typed_reason = form.reason.clone(),
        )
        .await;
    };
    match service::add_entry(&state.db, admin.id, id, proposal, &form.reason).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/batches/{id}")).into_response()),
        Err(e) => refused(&state, page, id, e, |p| p.typed_reason = form.reason).await,
    }
}

/// `POST /admin/batches/{id}/entries/{entry}/remove`.
pub async fn remove_entry(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Path((id, entry)): Path<(i64, i64)>,
) -> AppResult<Response> {
    match service::remove_entry(&state.db, admin.id, id, entry).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/batches/{id}")).into_response()),
        Err(e) => refused(&state, page, id, e, |_| {}).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    pub direction: String,
}

/// `POST /admin/batches/{id}/entries/{entry}/move` (`direction` = up | down).
pub async fn move_entry(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Path((id, entry)): Path<(i64, i64)>,
    Form(form): Form<MoveForm>,
) -> AppResult<Response> {
    let up = form.direction == "up";
    match service::move_entry(&state.db, admin.id, id, entry, up).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/batches/{id}")).into_response()),
        Err(e) => refused(&state, page, id, e, |_| {}).await,
    }
}

/// `POST /admin/batches/{id}/entries/{entry}/reason` (`reason`).
pub async fn set_reason(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Path((id, entry)): Path<(i64, i64)>,
    Form(form): Form<EntryForm>,
) -> AppResult<Response> {
    let saved = match service::set_reason(&state.db, admin.id, id, entry, &form.reason).await {
        Ok(()) => service::set_missed_targets(&state.db, admin.id, id, entry, form.missed_targets.is_some()).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(()) => Ok(Redirect::to(&format!("/admin/batches/{id}")).into_response()),
        Err(e) => refused(&state, page, id, e, |_| {}).await,
    }
}
