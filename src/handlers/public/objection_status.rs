//! The objector's status lookup: by reference number and phone, the
//! objection's state and the reply — never the objector's name or phone.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::auth::AuthSession;
use crate::db::objections::ObjectionRow;
use crate::error::AppResult;
use crate::handlers::Page;
use crate::handlers::display::format_date;
use crate::services::notice as service;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "notice/status.html")]
pub struct StatusPage {
    pub page: Page,
    pub reference: String,
    pub found: Option<StatusView>,
    pub not_found: bool,
}

/// An objection as its objector reads it: no name, no phone.
pub struct StatusView {
    pub reference: String,
    pub batch_title: String,
    pub town: String,
    pub submitted: String,
    pub status: String,
    pub status_code: String,
    pub reply: String,
}

impl StatusView {
    fn of(o: &ObjectionRow, page: &Page) -> StatusView {
        StatusView {
            reference: o.reference.clone(),
            batch_title: o.batch_title.clone(),
            town: o.town_name.clone(),
            submitted: format_date(o.submitted_at),
            status: page.t(&format!("notice.objection.{}", o.status)),
            status_code: o.status.clone(),
            reply: o.reply.clone(),
        }
    }
}

/// `GET /objections/status`: look up an objection by reference and phone.
pub async fn status_form(page: Page, auth: AuthSession) -> AppResult<StatusPage> {
    Ok(StatusPage {
        page: page.with_csrf(&auth).await?,
        reference: String::new(),
        found: None,
        not_found: false,
    })
}

#[derive(Debug, Deserialize)]
pub struct LookupForm {
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub phone: String,
}

/// `POST /objections/status` (`reference`, `phone`): the objection's status
/// and the reply (the phone is sent in the body, never in an address).
pub async fn status(
    State(state): State<AppState>,
    page: Page,
    auth: AuthSession,
    Form(form): Form<LookupForm>,
) -> AppResult<Response> {
    let page = page.with_csrf(&auth).await?;
    let found = service::lookup(&state.db, &form.reference, &form.phone).await?;
    let not_found = found.is_none();
    let body = StatusPage {
        found: found.map(|o| StatusView::of(&o, &page)),
        reference: form.reference.chars().take(40).collect(),
        not_found,
        page,
    };
    Ok(body.into_response())
}
