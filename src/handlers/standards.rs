//! Standards administration: versions, drafts, example cases, what-if,
//! activation; and re-evaluation on request.

use axum::Router;

use crate::state::AppState;

/// Routes under `/admin/standards`, behind the admins' guard.
pub fn admin_routes() -> Router<AppState> {
    Router::new()
}

/// Routes for reviewers and admins (e.g. asking for a re-evaluation).
pub fn staff_routes() -> Router<AppState> {
    Router::new()
}
