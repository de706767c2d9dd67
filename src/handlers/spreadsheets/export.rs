//! The officials' proposals list as XLSX or CSV, with the list page's
//! filters, streamed.

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::db::proposals::{self as db_proposals, ListFilter, ListRow, Scope};
use crate::domain::Status;
use crate::error::AppResult;
use crate::handlers::Page;
use crate::handlers::display::{self, ExportFile, Format, PROPOSAL_COLUMNS, format_time, proposal_cells};
use crate::services::proposals::scope_of;
use crate::state::AppState;
use crate::xlsx::Cell;

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    pub region: Option<i64>,
    pub status: Option<String>,
}

/// The officials' list with the list page's filters: every matching row,
/// streamed ([`display::download`]).
async fn export_list(
    state: &AppState,
    page: &Page,
    user: &crate::auth::User,
    q: &ExportQuery,
    format: Format,
) -> AppResult<Response> {
    let lang = page.lang;
    let scope = scope_of(user);
    let filter = ListFilter {
        region_id: if scope == Scope::All { q.region } else { None },
        status: q.status.as_deref().and_then(Status::from_code),
    };
    let file = ExportFile::new(
        page,
        "proposals.title",
        "proposals",
        PROPOSAL_COLUMNS.into_iter().chain(["proposals.col.updated"]),
    );
    let query = db_proposals::list_all(scope, &filter);
    let cells = move |r: ListRow| {
        let mut cells = proposal_cells(lang, (r.id, r.name, r.region_name), &r.status, r.industry, r.overall);
        cells.push(Cell::Text(format_time(r.updated_at)));
        cells
    };
    display::download(&state.exports, query, file, format, cells).await
}

/// `GET /proposals/export.xlsx?region=&status=`
pub async fn export_xlsx(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    export_list(&state, &page, &user, &q, Format::Xlsx).await
}

/// `GET /proposals/export.csv?region=&status=` (UTF-8 with BOM)
pub async fn export_csv(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    export_list(&state, &page, &user, &q, Format::Csv).await
}
