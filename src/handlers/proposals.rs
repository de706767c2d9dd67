//! Officials' proposals.

use askama::Template;
use askama_web::WebTemplate;

use super::Page;
use crate::auth::CurrentUser;
use crate::error::AppResult;

#[derive(Template, WebTemplate)]
#[template(path = "proposals/list.html")]
pub struct ListPage {
    pub page: Page,
}

/// `GET /proposals`: the official's region's proposals (admins: all).
pub async fn list(page: Page, CurrentUser(_user): CurrentUser) -> AppResult<ListPage> {
    Ok(ListPage { page })
}
