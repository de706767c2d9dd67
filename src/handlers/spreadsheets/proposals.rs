//! The proposals' spreadsheet import for officials: the template, the
//! import itself (upload → background check with a progress bar → preview →
//! confirm), and the refused rows as a file to fix.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::read_spreadsheet;
use crate::auth::{CurrentUser, Official};
use crate::db::spreadsheets as store;
use crate::domain::Lang;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::{XLSX_TYPE, attachment, overall_badge};
use crate::services::ServiceError;
use crate::services::spreadsheets::{self as service, FileError, MAX_BYTES, MAX_ROWS};
use crate::state::AppState;
use crate::xlsx::{self, TemplateText};

fn template_text(page: &Page) -> TemplateText {
    let instructions = (1..=9)
        .map(|i| page.t(&format!("spreadsheets.instructions.{i}")))
        .map(|line| line.replace("{max_rows}", &MAX_ROWS.to_string()))
        .collect();
    TemplateText {
        sheet: page.t("spreadsheets.template.sheet"),
        instructions_sheet: page.t("spreadsheets.template.instructions_sheet"),
        instructions,
        error_title: page.t("spreadsheets.template.error_title"),
        error_column: page.t("spreadsheets.errors.column"),
    }
}

/// `GET /proposals/template.xlsx`
pub async fn template(page: Page, CurrentUser(_user): CurrentUser) -> AppResult<Response> {
    let bytes = xlsx::template(page.lang, &template_text(&page))?;
    Ok(attachment(
        bytes,
        XLSX_TYPE,
        "proposal-template.xlsx",
        &format!("{}.xlsx", page.t("spreadsheets.template.file")),
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "spreadsheets/import.html")]
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
            .t("spreadsheets.import.limits")
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

/// `POST /proposals/import?csrf_token=…` (multipart, field `file`): reads the
/// file at once (a bad file is refused here with 422), then checks the rows
/// in the background and shows the preview page.
pub async fn upload(
    State(state): State<AppState>,
    page: Page,
    Official { user, region_id }: Official,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let (filename, rows) = match read_spreadsheet(multipart, service::read_file).await? {
        Ok(read) => read,
        Err(e) => return Ok(refused(page, &e)),
    };
    let id = service::start(&state.db, &user, region_id, &filename, &rows).await?;
    let db = state.db.clone();
    tokio::spawn(async move { service::run(&db, id).await });
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
#[template(path = "spreadsheets/preview.html")]
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
            .t("spreadsheets.preview.summary")
            .replace("{total}", &self.total.to_string())
            .replace("{valid}", &self.valid.to_string())
            .replace("{invalid}", &self.invalid.to_string())
    }

    pub fn row_label(&self, n: &u32) -> String {
        self.page
            .t("spreadsheets.preview.row_label")
            .replace("{n}", &n.to_string())
    }

    pub fn created_text(&self) -> String {
        self.page
            .t("spreadsheets.preview.created")
            .replace("{n}", &self.created.to_string())
    }

    pub fn progress_text(&self) -> String {
        self.page
            .t("spreadsheets.preview.progress")
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
    let mut conn = crate::db::acquire(&state.db).await?;
    let import = store::get(&mut conn, id, user.id).await?.ok_or(AppError::NotFound)?;
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
                .map(|e| (service::column_header(e, lang), e.message(lang).to_string()))
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
    let mut conn = crate::db::acquire(&state.db).await?;
    let (status, done, total) = store::progress(&mut conn, id, user.id)
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
    match service::confirm(&state.db, &user, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/proposals/import/{id}")).into_response()),
        Err(e) => {
            // A changed region means uploading the file again; anything
            // else is seen on the import's own page.
            let link = if matches!(e, ServiceError::Refused(service::REGION_CHANGED)) {
                "/proposals/import".to_owned()
            } else {
                format!("/proposals/import/{id}")
            };
            Err(e.into_app("spreadsheets.import.not_ready", link))
        }
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
    let mut conn = crate::db::acquire(&state.db).await?;
    let import = store::get(&mut conn, id, user.id).await?.ok_or(AppError::NotFound)?;
    let cells = store::error_cells(&mut conn, id, user.id).await?;
    let sep = if lang == Lang::Zh { "；" } else { "; " };
    let rows: Vec<(String, Vec<String>)> = import
        .outcomes()
        .iter()
        .filter(|o| !o.is_valid())
        .map(|o| {
            let reason = o
                .errors
                .iter()
                .map(|e| format!("{}：{}", service::column_header(e, lang), e.message(lang)))
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
    let bytes = xlsx::error_rows(lang, &template_text(&page), &rows)?;
    Ok(attachment(
        bytes,
        XLSX_TYPE,
        "import-errors.xlsx",
        &format!("{}.xlsx", page.t("spreadsheets.errors.file")),
    ))
}
