//! Spreadsheets for officials: the import template, the import itself
//! (upload → background check with a progress bar → preview → confirm), the
//! refused rows as a file to fix, and the proposals list as XLSX or CSV.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{CurrentUser, Official, Reviewer};
use crate::db::imports;
use crate::db::proposals::{self as db_proposals, ListFilter, ListRow, Scope};
use crate::db::queue::{self, QueueRow};
use crate::domain::proposal::Industry;
use crate::domain::{Lang, Status};
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::export::{self, ExportFile, Format};
use crate::handlers::proposals::view::{format_time, overall_badge};
use crate::handlers::review::QueueQuery;
use crate::services::ServiceError;
use crate::services::import::{self, FileError, MAX_BYTES, MAX_ROWS};
use crate::services::proposals::scope_of;
use crate::state::AppState;
use crate::xlsx::guard::Exceeded;
use crate::xlsx::{self, Cell, TemplateText};

/// Officials' (and admins') spreadsheet routes; merged into the officials' section.
pub fn official_routes() -> Router<AppState> {
    Router::new()
        .route("/proposals/template.xlsx", get(template))
        .route("/proposals/export.xlsx", get(export_xlsx))
        .route("/proposals/export.csv", get(export_csv))
        .route(
            "/proposals/import",
            get(import_form)
                .post(upload)
                .layer(DefaultBodyLimit::max(MAX_BYTES + 1024 * 1024)),
        )
        .route("/proposals/import/{id}", get(preview))
        .route("/proposals/import/{id}/progress", get(progress))
        .route("/proposals/import/{id}/confirm", post(confirm))
        .route("/proposals/import/{id}/errors.xlsx", get(error_file))
}

/// The review queue's exports (`/review/export.xlsx`, `.csv`), with the
/// queue's current filters; merged into the reviewers' section.
pub fn review_routes() -> Router<AppState> {
    Router::new()
        .route("/review/export.xlsx", get(review_export_xlsx))
        .route("/review/export.csv", get(review_export_csv))
}

pub const XLSX_TYPE: &str = export::XLSX_TYPE;

/// A file download; `name` may be Chinese (RFC 6266 `filename*`).
pub fn download(bytes: Vec<u8>, content_type: &str, ascii_name: &str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, export::disposition(ascii_name, name)),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

pub(crate) fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("xlsx: {e}"))
}

fn template_text(page: &Page) -> TemplateText {
    let instructions = (1..=9)
        .map(|i| page.t(&format!("excel.instructions.{i}")))
        .map(|line| line.replace("{max_rows}", &MAX_ROWS.to_string()))
        .collect();
    TemplateText {
        sheet: page.t("excel.template.sheet"),
        instructions_sheet: page.t("excel.template.instructions_sheet"),
        instructions,
        error_title: page.t("excel.template.error_title"),
        error_column: page.t("excel.errors.column"),
    }
}

/// `GET /proposals/template.xlsx`
pub async fn template(page: Page, CurrentUser(_user): CurrentUser) -> AppResult<Response> {
    let bytes = xlsx::template(page.lang, &template_text(&page)).map_err(xlsx_error)?;
    Ok(download(
        bytes,
        XLSX_TYPE,
        "proposal-template.xlsx",
        &format!("{}.xlsx", page.t("excel.template.file")),
    ))
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    pub region: Option<i64>,
    pub status: Option<String>,
}

/// The officials' list with the list page's filters: every matching row,
/// streamed ([`export`]).
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
        LEAD_COLUMNS.into_iter().chain(["proposals.col.updated"]),
    );
    let query = db_proposals::list_all(scope, &filter);
    let cells = move |r: ListRow| {
        let mut cells = proposal_cells(lang, (r.id, r.name, r.region_name), &r.status, r.industry, r.overall);
        cells.push(Cell::Text(format_time(r.updated_at)));
        cells
    };
    export::download(&state.db, query, file, format, cells).await
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

#[derive(Template, WebTemplate)]
#[template(path = "excel/import.html")]
pub struct ImportForm {
    pub page: Page,
    pub error: Option<String>,
    pub max_bytes: usize,
    pub max_rows: usize,
}

impl ImportForm {
    fn new(page: Page, error: Option<String>) -> Self {
        ImportForm {
            page,
            error,
            max_bytes: MAX_BYTES,
            max_rows: MAX_ROWS,
        }
    }

    pub fn limits(&self) -> String {
        self.page
            .t("excel.import.limits")
            .replace("{max_rows}", &self.max_rows.to_string())
    }
}

/// `GET /proposals/import`
pub async fn import_form(page: Page, _official: Official) -> ImportForm {
    ImportForm::new(page, None)
}

fn refused(page: Page, error: &FileError) -> Response {
    let message = error.message(page.lang);
    (StatusCode::UNPROCESSABLE_ENTITY, ImportForm::new(page, Some(message))).into_response()
}

/// Readers running at once: each may hold up to its limits' worth of
/// memory (`xlsx::guard`), so a burst of uploads queues instead of adding up.
static READERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
/// How long an upload may wait for a reader and be read.
const READ_DEADLINE: std::time::Duration = std::time::Duration::from_secs(20);

/// The uploaded `file` read by `reader` off the async threads, within
/// `READ_DEADLINE`: its name and what the reader made of it, or why the file
/// is refused (for a 422 page). A reader that panics refuses the file.
pub(crate) async fn read_spreadsheet<T: Send + 'static>(
    multipart: Result<Multipart, MultipartRejection>,
    reader: fn(&[u8]) -> Result<T, FileError>,
) -> AppResult<Result<(String, T), FileError>> {
    let Ok(mut multipart) = multipart else {
        return Ok(Err(FileError::Empty));
    };
    let (filename, bytes) = match read_upload(&mut multipart).await {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let timed_out = FileError::Limit(Exceeded::TimedOut {
        secs: READ_DEADLINE.as_secs(),
    });
    let read = tokio::time::timeout(READ_DEADLINE, async move {
        let permit = READERS
            .acquire()
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("spreadsheet readers: {e}")))?;
        // The permit goes with the work: a reader still running after the
        // deadline keeps its place until it is done.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            std::panic::catch_unwind(|| reader(&bytes)).unwrap_or_else(|_| {
                tracing::warn!("spreadsheet reader panicked; the file is refused");
                Err(FileError::Corrupt)
            })
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("spreadsheet reader: {e}")))
    })
    .await
    .unwrap_or(Ok(Err(timed_out)))?;
    Ok(read.map(|r| (filename, r)))
}

/// Reads the `file` field, at most `MAX_BYTES` (the rest is drained so that
/// the browser receives the answer).
async fn read_upload(multipart: &mut Multipart) -> Result<(String, Vec<u8>), FileError> {
    let mut found = None;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        if field.name() != Some("file") || found.is_some() {
            while let Ok(Some(_)) = field.chunk().await {}
            continue;
        }
        let filename = field.file_name().unwrap_or("").to_string();
        let mut bytes = Vec::new();
        let mut too_large = false;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > MAX_BYTES {
                        too_large = true;
                    } else {
                        bytes.extend_from_slice(&chunk);
                    }
                }
                Ok(None) => break,
                // The body limit was reached, or the upload was cut off.
                Err(_) => {
                    too_large = true;
                    break;
                }
            }
        }
        found = Some(if too_large {
            Err(FileError::TooLarge)
        } else {
            Ok((filename, bytes))
        });
    }
    found.unwrap_or(Err(FileError::Empty))
}

/// `POST /proposals/import?csrf_token=…` (multipart, field `file`): reads the
/// file at once (a bad file is refused here with 422), then checks the rows
/// in the background and shows the preview page.
pub async fn upload(
    State(state): State<AppState>,
    page: Page,
    Official { user, region_id }: Official,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let (filename, rows) = match read_spreadsheet(multipart, import::read_file).await? {
        Ok(read) => read,
        Err(e) => return Ok(refused(page, &e)),
    };
    let id = import::start(&state.db, &user, region_id, &filename, &rows).await?;
    let db = state.db.clone();
    tokio::spawn(async move { import::run(&db, id).await });
    Ok(Redirect::to(&format!("/proposals/import/{id}")).into_response())
}

pub struct PreviewRow {
    pub row: u32,
    pub name: String,
    pub overall: Option<(&'static str, &'static str)>,
    /// (column header, message)
    pub errors: Vec<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "excel/preview.html")]
pub struct PreviewPage {
    pub page: Page,
    pub id: i64,
    pub filename: String,
    pub status: String,
    pub done: i32,
    pub total: i32,
    pub created: i32,
    pub valid: usize,
    pub invalid: usize,
    pub rows: Vec<PreviewRow>,
}

impl PreviewPage {
    pub fn summary(&self) -> String {
        self.page
            .t("excel.preview.summary")
            .replace("{total}", &self.total.to_string())
            .replace("{valid}", &self.valid.to_string())
            .replace("{invalid}", &self.invalid.to_string())
    }

    pub fn row_label(&self, n: &u32) -> String {
        self.page.t("excel.preview.row_label").replace("{n}", &n.to_string())
    }

    pub fn created_text(&self) -> String {
        self.page
            .t("excel.preview.created")
            .replace("{n}", &self.created.to_string())
    }

    pub fn progress_text(&self) -> String {
        self.page
            .t("excel.preview.progress")
            .replace("{done}", &self.done.to_string())
            .replace("{total}", &self.total.to_string())
    }
}

/// `GET /proposals/import/{id}`: progress, then the preview, then the result.
pub async fn preview(
    State(state): State<AppState>,
    page: Page,
    Official { user, .. }: Official,
    Path(id): Path<i64>,
) -> AppResult<PreviewPage> {
    let lang = page.lang;
    let mut conn = state.db.acquire().await?;
    let import = imports::get(&mut conn, id, user.id).await?.ok_or(AppError::NotFound)?;
    let outcomes = import.outcomes();
    let valid = outcomes.iter().filter(|o| o.is_valid()).count();
    let rows = outcomes
        .iter()
        .map(|o| PreviewRow {
            row: o.row,
            name: o.name.clone(),
            overall: o.overall.as_deref().and_then(|c| overall_badge(c, lang)),
            errors: o
                .errors
                .iter()
                .map(|e| (e.header(lang), e.message(lang).to_string()))
                .collect(),
        })
        .collect();
    Ok(PreviewPage {
        page,
        id,
        filename: import.filename.clone(),
        status: import.status.clone(),
        done: import.done,
        total: import.total,
        created: import.created.unwrap_or(0),
        valid,
        invalid: outcomes.len() - valid,
        rows,
    })
}

/// `GET /proposals/import/{id}/progress`: `{status, done, total}` for the progress bar.
pub async fn progress(
    State(state): State<AppState>,
    Official { user, .. }: Official,
    Path(id): Path<i64>,
) -> AppResult<Json<serde_json::Value>> {
    let mut conn = state.db.acquire().await?;
    let (status, done, total) = imports::progress(&mut conn, id, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(json!({"status": status, "done": done, "total": total})))
}

/// `POST /proposals/import/{id}/confirm`: every valid row becomes a draft, all or nothing.
pub async fn confirm(
    State(state): State<AppState>,
    Official { user, .. }: Official,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    match import::confirm(&state.db, &user, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/proposals/import/{id}")).into_response()),
        Err(ServiceError::WrongState) => Err(AppError::Conflict {
            key: "excel.import.not_ready",
            link: Some(format!("/proposals/import/{id}")),
        }),
        Err(ServiceError::Refused(key)) => Err(AppError::Conflict {
            key,
            link: Some("/proposals/import".to_owned()),
        }),
        Err(ServiceError::Db(sqlx::Error::Database(e))) if e.code().is_some_and(|c| c.starts_with("23")) => {
            Err(AppError::Conflict {
                key: "excel.import.confirm_failed",
                link: Some(format!("/proposals/import/{id}")),
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /proposals/import/{id}/errors.xlsx`: the refused rows, as typed, with
/// a first column saying what is wrong.
pub async fn error_file(
    State(state): State<AppState>,
    page: Page,
    Official { user, .. }: Official,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let lang = page.lang;
    let mut conn = state.db.acquire().await?;
    let import = imports::get(&mut conn, id, user.id).await?.ok_or(AppError::NotFound)?;
    let cells = imports::error_cells(&mut conn, id, user.id).await?;
    let sep = if lang == Lang::Zh { "；" } else { "; " };
    let rows: Vec<(String, Vec<String>)> = import
        .outcomes()
        .iter()
        .filter(|o| !o.is_valid())
        .map(|o| {
            let reason = o
                .errors
                .iter()
                .map(|e| format!("{}：{}", e.header(lang), e.message(lang)))
                .collect::<Vec<_>>()
                .join(sep);
            let typed = cells
                .iter()
                .find(|r| r.row == o.row)
                .map(|r| r.cells.clone())
                .unwrap_or_default();
            (reason, typed)
        })
        .collect();
    let bytes = xlsx::error_rows(lang, &template_text(&page), &rows).map_err(xlsx_error)?;
    Ok(download(
        bytes,
        XLSX_TYPE,
        "import-errors.xlsx",
        &format!("{}.xlsx", page.t("excel.errors.file")),
    ))
}

/// Every row the queue shows for these filters (all its pages, in its
/// order), streamed ([`export`]).
async fn export_queue(state: &AppState, page: &Page, q: &QueueQuery, format: Format) -> AppResult<Response> {
    let lang = page.lang;
    let file = ExportFile::new(
        page,
        "excel.review.file",
        "review-queue",
        LEAD_COLUMNS
            .into_iter()
            .chain(["excel.col.standard", "excel.col.submitted", "excel.col.eligible"]),
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
    export::download(&state.db, query, file, format, cells).await
}

/// The headers of [`proposal_cells`]' columns.
const LEAD_COLUMNS: [&str; 6] = [
    "excel.col.id",
    "proposals.col.name",
    "proposals.region",
    "proposals.col.industry",
    "proposals.col.status",
    "proposals.col.overall",
];

/// The columns both exports start with: id, name, region, industry, status
/// and the latest overall verdict, in the page's language.
fn proposal_cells(
    lang: Lang,
    (id, name, region): (i64, String, String),
    status: &str,
    industry: Option<String>,
    overall: Option<String>,
) -> Vec<Cell> {
    vec![
        Cell::Number(id.into()),
        Cell::Text(name),
        Cell::Text(region),
        Cell::text(
            industry
                .as_deref()
                .and_then(Industry::from_code)
                .map(|i| i.label(lang))
                .unwrap_or(""),
        ),
        Cell::text(Status::from_code(status).map(|s| s.label(lang)).unwrap_or(status)),
        Cell::text(
            overall
                .as_deref()
                .and_then(|o| overall_badge(o, lang))
                .map(|(_, l)| l)
                .unwrap_or(""),
        ),
    ]
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
