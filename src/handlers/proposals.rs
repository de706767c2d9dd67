//! Officials' proposals.

use askama::Template;
use askama_web::WebTemplate;

use axum::Router;
use axum::routing::get;

use super::Page;
use crate::state::AppState;
use crate::auth::CurrentUser;
use crate::error::AppResult;

/// Officials' (and admins') routes.
pub fn official_routes() -> Router<AppState> {
    Router::new().route("/proposals", get(list))
}

/// Routes every signed-in role may call; the handlers scope by region.
pub fn shared_routes() -> Router<AppState> {
    Router::new()
}

#[derive(Template, WebTemplate)]
#[template(path = "proposals/list.html")]
pub struct ListPage {
    pub page: Page,
}

/// `GET /proposals`: the official's region's proposals (admins: all).
pub async fn list(page: Page, CurrentUser(_user): CurrentUser) -> AppResult<ListPage> {
    Ok(ListPage { page })
}
