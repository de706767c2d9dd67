//! The administrators' pages: home, users and regions, batches, audit log.
//! (Standards have their own module, `handlers::standards`.)

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::routing::get;

use super::Page;
use crate::auth::Admin;
use crate::error::AppResult;
use crate::state::AppState;

/// Routes under `/admin`; `routes.rs` puts them behind the admins' guard.
pub fn routes() -> Router<AppState> {
    Router::new().route("/admin", get(home))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/home.html")]
pub struct HomePage {
    pub page: Page,
}

/// `GET /admin`: what needs the admin's attention.
pub async fn home(page: Page, Admin(_user): Admin) -> AppResult<HomePage> {
    Ok(HomePage { page })
}
