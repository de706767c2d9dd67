//! Pages anyone can read.

use askama::Template;
use askama_web::WebTemplate;

use super::Page;

#[derive(Template, WebTemplate)]
#[template(path = "public/home.html")]
pub struct HomePage {
    pub page: Page,
}

/// `GET /`: the published creation lists (filled by the batches issue).
pub async fn home(page: Page) -> HomePage {
    HomePage { page }
}
