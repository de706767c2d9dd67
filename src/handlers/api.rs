//! The JSON API under `/api/v1`.

use axum::Router;

use crate::state::AppState;

/// Public routes of the API (no login).
pub fn routes() -> Router<AppState> {
    Router::new()
}
