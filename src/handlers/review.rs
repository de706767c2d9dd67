//! The reviewers' queue.

use askama::Template;
use askama_web::WebTemplate;

use super::Page;
use crate::auth::Reviewer;
use crate::error::AppResult;

#[derive(Template, WebTemplate)]
#[template(path = "review/queue.html")]
pub struct QueuePage {
    pub page: Page,
}

/// `GET /review`: proposals awaiting a decision.
pub async fn queue(page: Page, Reviewer(_user): Reviewer) -> AppResult<QueuePage> {
    Ok(QueuePage { page })
}
