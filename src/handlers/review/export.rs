//! The review queue's exports (`/review/export.xlsx`, `.csv`), with the
//! queue's current filters, streamed.

use axum::extract::{Query, State};
use axum::response::Response;

use super::QueueQuery;
use crate::auth::Reviewer;
use crate::db::queue::{self, QueueRow};
use crate::error::AppResult;
use crate::handlers::Page;
use crate::handlers::display::{self, ExportFile, Format, PROPOSAL_COLUMNS, format_time, proposal_cells};
use crate::state::AppState;
use crate::xlsx::Cell;

/// Every row the queue shows for these filters (all its pages, in its
/// order), streamed ([`display::download`]).
async fn export_queue(state: &AppState, page: &Page, q: &QueueQuery, format: Format) -> AppResult<Response> {
    let lang = page.lang;
    let file = ExportFile::new(
        page,
        "spreadsheets.review.file",
        "review-queue",
        PROPOSAL_COLUMNS.into_iter().chain([
            "spreadsheets.col.standard",
            "spreadsheets.col.submitted",
            "spreadsheets.col.eligible",
        ]),
    );
    let query = queue::all(&q.filter());
    let cells = move |r: QueueRow| {
        let mut cells = proposal_cells(lang, (r.id, r.name, r.region_name), &r.status, r.industry, r.overall);
        cells.extend([
            Cell::Text(r.standard_code.unwrap_or_default()),
            Cell::Text(r.submitted_at.map(format_time).unwrap_or_default()),
            r.eligible.map_or(Cell::Empty, |d| Cell::Number(d.normalize())),
        ]);
        cells
    };
    display::download(&state.exports, query, file, format, cells).await
}

/// `GET /review/export.xlsx?<the queue's filters>`
pub async fn review_export_xlsx(
    State(state): State<AppState>,
    page: Page,
    _reviewer: Reviewer,
    Query(q): Query<QueueQuery>,
) -> AppResult<Response> {
    export_queue(&state, &page, &q, Format::Xlsx).await
}

/// `GET /review/export.csv?<the queue's filters>` (UTF-8 with BOM)
pub async fn review_export_csv(
    State(state): State<AppState>,
    page: Page,
    _reviewer: Reviewer,
    Query(q): Query<QueueQuery>,
) -> AppResult<Response> {
    export_queue(&state, &page, &q, Format::Csv).await
}
