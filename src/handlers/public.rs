//! Pages anyone can read.

use askama::Template;
use askama_web::WebTemplate;

use axum::Router;
use axum::routing::get;

use super::Page;
use crate::state::AppState;

/// Pages anyone can read: the creation list, batches and towns.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template, WebTemplate)]
#[template(path = "public/home.html")]
pub struct HomePage {
    pub page: Page,
}

/// `GET /`: the published creation lists (filled by the batches issue).
pub async fn home(page: Page) -> HomePage {
    HomePage { page }
}
