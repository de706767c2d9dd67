//! The administrators' pages.

use askama::Template;
use askama_web::WebTemplate;

use super::Page;
use crate::auth::Admin;
use crate::error::AppResult;

#[derive(Template, WebTemplate)]
#[template(path = "admin/home.html")]
pub struct HomePage {
    pub page: Page,
}

/// `GET /admin`: what needs the admin's attention.
pub async fn home(page: Page, Admin(_user): Admin) -> AppResult<HomePage> {
    Ok(HomePage { page })
}
