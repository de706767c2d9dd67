//! Pages anyone can read: the published creation list, each batch (with its
//! CSV, XLSX and JSON downloads) and each listed town's "why it qualified".
//! Only published batches and the towns frozen in them are shown: drafts,
//! unlisted proposals, comments and people's names never are.

pub mod api;
mod batch;
mod downloads;
mod town;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;

use super::Page;
use crate::db::batches;
use crate::error::AppResult;
use crate::state::AppState;

pub use api::{api_batch, api_batches};
pub use batch::{BatchPage, BatchView, TownRow, batch_view, columns};

/// Pages anyone can read: the creation list, batches and towns.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        // `{id}`, `{id}.csv`, `{id}.xlsx` or `{id}.json`: axum matches one
        // segment, the handler splits the extension.
        .route("/batches/{file}", get(batch::show))
        .route("/towns/{id}", get(town::show))
}

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
    let mut conn = state.db.acquire().await?;
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

/// A date as published (China Standard Time).
pub fn format_date(t: chrono::DateTime<chrono::Utc>) -> String {
    let cst = chrono::FixedOffset::east_opt(8 * 3600).expect("a valid offset");
    t.with_timezone(&cst).format("%Y-%m-%d").to_string()
}
