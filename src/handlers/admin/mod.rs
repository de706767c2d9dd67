//! The administrators' pages: home, users and regions, batches, audit log.
//! (Standards have their own module, `handlers::standards`.)

mod audit;
mod batches;
mod users;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};

use super::Page;
use crate::auth::Admin;
use crate::db::batches as db_batches;
use crate::error::AppResult;
use crate::state::AppState;

/// Routes under `/admin`; `routes.rs` puts them behind the admins' guard.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/users", get(users::list).post(users::create))
        .route("/admin/users/{id}", get(users::show))
        .route("/admin/users/{id}/role", post(users::change_role))
        .route("/admin/users/{id}/active", post(users::set_active))
        .route("/admin/users/{id}/password", post(users::reset_password))
        .route("/admin/regions", post(users::add_region))
        .route("/admin/regions/{id}", post(users::rename_region))
        .route("/admin/batches", get(batches::list).post(batches::create))
        .route("/admin/batches/{id}", get(batches::show).post(batches::update))
        .route("/admin/batches/{id}/preview", get(batches::preview))
        .route("/admin/batches/{id}/entries", post(batches::add_entry))
        .route(
            "/admin/batches/{id}/entries/{entry}/remove",
            post(batches::remove_entry),
        )
        .route("/admin/batches/{id}/entries/{entry}/move", post(batches::move_entry))
        .route("/admin/batches/{id}/entries/{entry}/reason", post(batches::set_reason))
        .route("/admin/batches/{id}/publish", post(batches::publish))
        .route("/admin/audit", get(audit::list))
}

/// A count on the home page with where to act on it.
pub struct Attention {
    pub label: String,
    pub count: i64,
    pub link: &'static str,
    pub class: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/home.html")]
pub struct HomePage {
    pub page: Page,
    pub attention: Vec<Attention>,
}

/// `GET /admin`: what needs the admin's attention.
pub async fn home(State(state): State<AppState>, page: Page, Admin(_user): Admin) -> AppResult<HomePage> {
    let mut conn = state.db.acquire().await?;
    let a = db_batches::attention(&mut conn).await?;
    let item = |key: &str, count: i64, link: &'static str, class: &'static str| Attention {
        label: page.t(key),
        count,
        link,
        class,
    };
    let attention = vec![
        item(
            "admin.home.awaiting_review",
            a.awaiting_review,
            "/proposals?status=submitted",
            "awaiting-review",
        ),
        item(
            "admin.home.approved_unlisted",
            a.approved_unlisted,
            "/admin/batches",
            "approved-unlisted",
        ),
        item(
            "admin.home.draft_batches",
            a.draft_batches,
            "/admin/batches",
            "draft-batches",
        ),
        item(
            "admin.home.draft_standards",
            a.draft_standards,
            "/admin/standards",
            "draft-standards",
        ),
    ];
    Ok(HomePage { page, attention })
}
