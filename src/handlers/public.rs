//! Pages anyone can read: the published creation list, each batch (with its
//! CSV, XLSX and JSON downloads) and each listed town's "why it qualified".
//! Only published batches and the towns frozen in them are shown: drafts,
//! unlisted proposals, comments and people's names never are.

pub mod batch;
pub mod creation;
pub mod notice;
pub mod objection_status;
pub mod town;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use super::Page;
use crate::db::batches;
use crate::error::AppResult;
use crate::handlers::display::format_date;
use crate::state::AppState;

/// A published batch as a line of the home page.
pub struct BatchLine {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub is_withdrawal: bool,
    pub date: String,
    pub towns: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/home.html")]
pub struct HomePage {
    pub page: Page,
    pub batches: Vec<BatchLine>,
    /// Batches on public notice: (id, title, last day).
    pub notices: Vec<(i64, String, String)>,
}

/// `GET /`: the published batches, newest first, with how many towns each.
pub async fn home(State(state): State<AppState>, page: Page) -> AppResult<HomePage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let rows = batches::list_published(&mut conn).await?;
    let batches = rows
        .into_iter()
        .map(|b| BatchLine {
            kind: page.t(if b.is_withdrawal() {
                "public.kind.withdrawal"
            } else {
                "public.kind.list"
            }),
            is_withdrawal: b.is_withdrawal(),
            id: b.id,
            title: b.title,
            date: b.published_at.map(format_date).unwrap_or_default(),
            towns: b.entries,
        })
        .collect();
    let notices = batches::list_on_notice(&mut conn)
        .await?
        .into_iter()
        .map(|b| {
            (
                b.id,
                b.title,
                b.notice_ends_on.map(|d| d.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    Ok(HomePage { page, batches, notices })
}
