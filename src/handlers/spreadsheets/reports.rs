//! Officials import their towns' annual reports from the XLSX template
//! (`/proposals/reports/template.xlsx`, `/proposals/reports/import`): the
//! template lists their region's towns in their creation period; an upload
//! is checked row by row with the report form's rules and saved all or
//! nothing (`services::spreadsheets::reports`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::read_spreadsheet;
use crate::auth::Official;
use crate::domain::Lang;
use crate::error::AppResult;
use crate::handlers::Page;
use crate::handlers::display::{XLSX_TYPE, attachment};
use crate::services::spreadsheets::reports::{self as service, ImportResult, MAX_ROWS, Refused, RowError};
use crate::services::spreadsheets::{FileError, MAX_BYTES};
use crate::state::AppState;
use crate::xlsx::reports::{self as sheet, TemplateText};

/// How many note lines the catalogue holds (`reports_import.notes.N`).
const NOTES: usize = 8;

fn template_text() -> TemplateText {
    let both = |key: &str| (crate::i18n::t(Lang::Zh, key), crate::i18n::t(Lang::En, key));
    TemplateText {
        sheet: crate::i18n::t(Lang::Zh, "reports_import.template.sheet"),
        notes_sheet: crate::i18n::t(Lang::Zh, "reports_import.template.notes_sheet"),
        notes: (1..=NOTES)
            .map(|i| both(&format!("reports_import.notes.{i}")))
            .collect(),
        error_title: crate::i18n::t(Lang::Zh, "reports_import.template.error_title"),
    }
}

/// `GET /proposals/reports/template.xlsx`: the template, pre-filled with the
/// official's region's towns in their creation period.
pub async fn template(State(state): State<AppState>, page: Page, official: Official) -> AppResult<Response> {
    let towns = service::template_towns(&state.db, official.region_id).await?;
    let bytes = sheet::template(&towns, &template_text())?;
    Ok(attachment(
        bytes,
        XLSX_TYPE,
        "annual-reports-template.xlsx",
        &format!("{}.xlsx", page.t("reports_import.template.file")),
    ))
}

pub struct ErrorLine {
    pub row: u32,
    pub row_label: String,
    pub column: String,
    pub message: String,
}

pub struct DoneLine {
    pub id: i64,
    pub town: String,
    pub year: i32,
    pub action: String,
}

pub struct Done {
    pub summary: String,
    pub untouched: Option<String>,
    pub lines: Vec<DoneLine>,
}

#[derive(Template, WebTemplate)]
#[template(path = "creation/import.html")]
pub struct ImportPage {
    pub page: Page,
    /// Why the file could not be read at all.
    pub error: Option<String>,
    /// "N errors, nothing imported", above `rows`.
    pub refused: Option<String>,
    pub rows: Vec<ErrorLine>,
    pub done: Option<Done>,
    pub max_bytes: usize,
    pub limits: String,
}

impl ImportPage {
    fn new(page: Page) -> ImportPage {
        let limits = page
            .t("reports_import.limits")
            .replace("{max_rows}", &MAX_ROWS.to_string());
        ImportPage {
            page,
            error: None,
            refused: None,
            rows: Vec::new(),
            done: None,
            max_bytes: MAX_BYTES,
            limits,
        }
    }
}

fn done_view(page: &Page, result: ImportResult) -> Done {
    let created = result.reports.iter().filter(|r| r.created).count();
    let summary = page
        .t("reports_import.done")
        .replace("{n}", &result.reports.len().to_string())
        .replace("{created}", &created.to_string())
        .replace("{updated}", &(result.reports.len() - created).to_string());
    let untouched = (result.untouched > 0).then(|| {
        page.t("reports_import.untouched")
            .replace("{n}", &result.untouched.to_string())
    });
    let lines = result
        .reports
        .into_iter()
        .map(|r| DoneLine {
            id: r.proposal_id,
            town: r.town,
            year: r.year,
            action: page.t(if r.created {
                "reports_import.created"
            } else {
                "reports_import.updated"
            }),
        })
        .collect();
    Done {
        summary,
        untouched,
        lines,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

/// `GET /proposals/reports/import[?done=N]`: the form, or what import N of
/// this official did.
pub async fn import_page(
    State(state): State<AppState>,
    page: Page,
    official: Official,
    Query(q): Query<DoneQuery>,
) -> AppResult<ImportPage> {
    let done = match q.done.as_deref().and_then(|d| d.trim().parse::<i64>().ok()) {
        Some(id) => service::result(&state.db, &official.user, id).await?,
        None => None,
    };
    let mut view = ImportPage::new(page);
    view.done = done.map(|r| done_view(&view.page, r));
    Ok(view)
}

fn file_message(e: &FileError, lang: Lang) -> String {
    match e {
        FileError::NotSpreadsheet => crate::i18n::t(lang, "reports_import.not_xlsx"),
        FileError::NoRows => crate::i18n::t(lang, "reports_import.no_rows"),
        other => other.message(lang),
    }
}

fn refused_file(page: Page, e: &FileError) -> Response {
    let message = file_message(e, page.lang);
    let mut view = ImportPage::new(page);
    view.error = Some(message);
    (StatusCode::UNPROCESSABLE_ENTITY, view).into_response()
}

fn refused_rows(page: Page, errors: &[RowError]) -> Response {
    let lang = page.lang;
    let mut view = ImportPage::new(page);
    view.refused = Some(
        view.page
            .t("reports_import.refused")
            .replace("{n}", &errors.len().to_string()),
    );
    view.rows = errors
        .iter()
        .map(|e| ErrorLine {
            row: e.row,
            row_label: view
                .page
                .t("reports_import.row_label")
                .replace("{n}", &e.row.to_string()),
            column: e.header(lang),
            message: e.message(lang).to_string(),
        })
        .collect();
    (StatusCode::UNPROCESSABLE_ENTITY, view).into_response()
}

/// `POST /proposals/reports/import?csrf_token=…` (multipart, field `file`):
/// every row saved, or none; 303 to the result, or 422 with the errors.
pub async fn upload(
    State(state): State<AppState>,
    page: Page,
    Official { user, region_id }: Official,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let (filename, read) = match read_spreadsheet(multipart, service::read_file).await? {
        Ok(read) => read,
        Err(e) => return Ok(refused_file(page, &e)),
    };
    match service::import(&state.db, &user, region_id, &filename, &read).await {
        Ok(id) => Ok(Redirect::to(&format!("/proposals/reports/import?done={id}")).into_response()),
        Err(Refused::Rows(errors)) => Ok(refused_rows(page, &errors)),
        Err(Refused::Service(e)) => Err(e.into()),
    }
}
