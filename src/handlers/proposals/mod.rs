//! Officials' proposals: the list, the form (with live evaluation), the
//! proposal page, submission and withdrawal, and the evaluation report.

mod actions;
mod form;
mod list;
mod report_scores;
mod self_assessment;
pub mod view;

use axum::Router;
use axum::middleware::from_fn;
use axum::routing::{get, post};

use crate::page_cache;
use crate::state::AppState;

/// Officials' (and admins') routes.
pub fn official_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/proposals",
            get(list::list).layer(from_fn(page_cache::serve)).post(form::create),
        )
        .route("/proposals/new", get(form::new))
        .route("/proposals/live", post(form::live))
        .route("/proposals/{id}/edit", get(form::edit))
        .route("/proposals/{id}", post(form::update))
        .route("/proposals/{id}/submit", post(actions::submit))
        .route("/proposals/{id}/withdraw", post(actions::withdraw))
        .route(
            "/proposals/{id}/self-assessment",
            get(self_assessment::show).post(self_assessment::save),
        )
        .route("/proposals/{id}/self-assessment/live", post(self_assessment::live))
        .merge(crate::handlers::excel::official_routes())
}

/// Routes every signed-in role may call; the handlers scope by region.
pub fn shared_routes() -> Router<AppState> {
    Router::new()
        .route("/proposals/{id}", get(view::show).layer(from_fn(page_cache::serve)))
        .route(
            "/proposals/{id}/report",
            get(view::report).layer(from_fn(page_cache::serve)),
        )
        .merge(crate::handlers::dashboard::routes())
}
