use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;

use crate::state::AppState;

/// `GET /healthz`: 200 when the database answers, 503 otherwise (quickly,
/// so that a load balancer's probe never hangs).
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let probe = crate::db::answers(&state.db);
    match tokio::time::timeout(Duration::from_secs(2), probe).await {
        Ok(Ok(_)) => (StatusCode::OK, "ok"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}
