//! The reviewers' queue.

use askama::Template;
use askama_web::WebTemplate;

use axum::Router;
use axum::routing::get;

use super::Page;
use crate::state::AppState;
use crate::auth::Reviewer;
use crate::error::AppResult;

/// The reviewers' routes, behind their guard.
pub fn routes() -> Router<AppState> {
    Router::new().route("/review", get(queue))
}

#[derive(Template, WebTemplate)]
#[template(path = "review/queue.html")]
pub struct QueuePage {
    pub page: Page,
}

/// `GET /review`: proposals awaiting a decision.
pub async fn queue(page: Page, Reviewer(_user): Reviewer) -> AppResult<QueuePage> {
    Ok(QueuePage { page })
}
