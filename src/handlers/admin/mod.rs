//! The administrators' pages: home, users and regions, batches, audit log.
//! (Standards have their own module, `handlers::standards`.)

pub mod audit;
pub mod batch_entries;
pub mod batches;
pub mod layers;
pub mod regions;
pub mod users;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use super::Page;
use crate::auth::Admin;
use crate::db::batches as db_batches;
use crate::error::AppResult;
use crate::state::AppState;

/// A count on the home page with where to act on it.
pub struct Attention {
    pub label: String,
    pub count: i64,
    pub link: String,
    pub class: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/home.html")]
pub struct HomePage {
    pub page: Page,
    pub attention: Vec<Attention>,
    /// Counties that need a city: (id, name).
    pub counties_without_city: Vec<(i64, String)>,
}

/// `GET /admin`: what needs the admin's attention.
pub async fn home(State(state): State<AppState>, page: Page, Admin(_user): Admin) -> AppResult<HomePage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let a = db_batches::attention(&mut conn).await?;
    let item = |key: &str, count: i64, link: &str, class: &'static str| Attention {
        label: page.t(key),
        count,
        link: link.to_owned(),
        class,
    };
    // Objections waiting for a decision: straight to their list when they
    // are all to one batch (the usual case), else to the batches.
    let objections = match a.objection_batches.as_slice() {
        [one] => format!("/admin/batches/{one}/objections"),
        _ => "/admin/batches".to_owned(),
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
        item(
            "admin.home.open_objections",
            a.open_objections,
            &objections,
            "open-objections",
        ),
    ];
    let counties_without_city = crate::db::regions::counties_without_city(&mut conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    Ok(HomePage {
        page,
        attention,
        counties_without_city,
    })
}
