//! Application materials (申报材料): the materials page of a proposal
//! (upload, replace, remove while a draft or returned), the downloads and
//! previews, and the pieces the proposal page and the report include.

mod upload;

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::{StreamExt, stream};

use crate::auth::CurrentUser;
use crate::db::materials as db;
use crate::db::proposals;
use crate::domain::material::{FileKind, MAX_FILE_BYTES, MAX_PROPOSAL_BYTES, content_disposition};

use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::{MaterialView, MaterialsPanel, materials_panel as panel};
use crate::services::materials::{self as service, MAX_FILES_PER_UPLOAD, UploadError, UploadRefused};
use crate::state::AppState;

/// An upload's body: every type's file at the limit, with the framing.
pub const UPLOAD_BODY_BYTES: usize = MAX_FILES_PER_UPLOAD * MAX_FILE_BYTES as usize + 1024 * 1024;
/// Every other request's body (see `routes.rs`).
pub const OTHER_BODY_BYTES: usize = 12 * 1024 * 1024;

#[derive(Template, WebTemplate)]
#[template(path = "materials/page.html")]
pub struct MaterialsPage {
    pub page: Page,
    pub id: i64,
    pub name: String,
    pub panel: MaterialsPanel,
    pub max_file_mb: u64,
    pub max_total_mb: u64,
    pub max_files: usize,
    /// (field, message) of a refused upload.
    pub errors: Vec<(String, String)>,
}

impl MaterialsPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

async fn materials_page(state: &AppState, page: Page, user: &crate::auth::User, id: i64) -> AppResult<MaterialsPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let row = proposals::get(&mut conn, id, service::scope_for(user))
        .await?
        .ok_or(AppError::NotFound)?;
    let panel = panel(&mut conn, user, id, row.status(), page.lang).await?;
    Ok(MaterialsPage {
        id,
        name: row.name.clone(),
        panel,
        max_file_mb: MAX_FILE_BYTES / (1024 * 1024),
        max_total_mb: MAX_PROPOSAL_BYTES / (1024 * 1024),
        max_files: MAX_FILES_PER_UPLOAD,
        errors: Vec::new(),
        page,
    })
}

/// `GET /proposals/{id}/materials`: the five types, the current files, the
/// upload form while the proposal may change.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<MaterialsPage> {
    materials_page(&state, page, &user, id).await
}

/// `POST /proposals/{id}/materials` (multipart, the token in the query):
/// every file checked, then all stored or none; 303 back to the page, or
/// 422 with a message beside each refused field.
pub async fn upload(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    // The record's state is told before the body's shape.
    let mut base = materials_page(&state, page, &user, id).await?;
    if !base.panel.editable {
        return Err(AppError::conflict(NOT_EDITABLE).linked(page_path(id)));
    }
    let multipart = multipart.map_err(|_| AppError::BadRequest("error.bad_request.invalid"))?;
    let received = upload::receive(multipart).await?;
    let refused = |base: &mut MaterialsPage, errors: Vec<UploadError>| {
        base.errors = errors
            .iter()
            .map(|e| (e.field.clone(), e.message(base.page.lang)))
            .collect();
    };
    if !received.errors.is_empty() {
        refused(&mut base, received.errors);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, base).into_response());
    }
    // The temporary files live until the files are stored (or not).
    let (files, _temporary): (Vec<_>, Vec<_>) = received.files.into_iter().unzip();
    match service::store(&state.db, &user, id, &files).await {
        Ok(()) => Ok(Redirect::to(&page_path(id)).into_response()),
        Err(UploadRefused::Invalid(errors)) => {
            refused(&mut base, errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, base).into_response())
        }
        Err(UploadRefused::Service(e)) => Err(e.into_app(NOT_EDITABLE, page_path(id))),
    }
}

/// What these pages say of a proposal that is no longer a draft or returned.
const NOT_EDITABLE: &str = "materials.not_editable";

fn page_path(id: i64) -> String {
    format!("/proposals/{id}/materials")
}

/// `POST /proposals/{id}/materials/{material}/remove`.
pub async fn remove(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, material)): Path<(i64, i64)>,
) -> AppResult<Redirect> {
    match service::remove(&state.db, &user, id, material).await {
        Ok(()) => Ok(Redirect::to(&page_path(id))),
        Err(e) => Err(e.into_app(NOT_EDITABLE, page_path(id))),
    }
}

/// `GET /proposals/{id}/materials/{material}`: the file as a download.
pub async fn download(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, material)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let row = service::open(&state.db, &user, id, material, false).await?;
    Ok(file_response(&state, row, "attachment"))
}

/// `GET /proposals/{id}/materials/{material}/inline`: a PDF or an image for
/// the page to show, sandboxed; any other kind is a download.
pub async fn inline(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, material)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let row = service::open(&state.db, &user, id, material, true).await?;
    let previewable = FileKind::from_code(&row.kind).is_some_and(FileKind::previewable);
    Ok(file_response(
        &state,
        row,
        if previewable { "inline" } else { "attachment" },
    ))
}

/// The file streamed from the database a chunk at a time.
fn file_response(state: &AppState, row: db::MaterialRow, disposition: &str) -> Response {
    let kind = FileKind::from_code(&row.kind);
    let mime = kind.map_or("application/octet-stream", FileKind::mime);
    let pool = state.db.clone();
    let sha = row.sha256.clone();
    let chunks = stream::unfold(Some(0i32), move |seq| {
        let (pool, sha) = (pool.clone(), sha.clone());
        async move {
            let seq = seq?;
            match db::chunk(&pool, &sha, seq).await {
                Ok(Some(data)) => Some((Ok::<_, std::io::Error>(axum::body::Bytes::from(data)), Some(seq + 1))),
                Ok(None) => None,
                // Cut short: the browser reports a failed download.
                Err(e) => Some((Err(std::io::Error::other(e)), None)),
            }
        }
    })
    // The body may be polled once more after its end.
    .fuse();
    let mut response = Response::new(Body::from_stream(chunks));
    let headers = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    };
    set(headers, header::CONTENT_TYPE, mime.to_string());
    set(headers, header::CONTENT_LENGTH, row.size.to_string());
    set(
        headers,
        header::CONTENT_DISPOSITION,
        content_disposition(disposition, &row.file_name),
    );
    set(headers, header::CACHE_CONTROL, "private, no-store".to_string());
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Whatever a file holds, it runs nothing in this site's origin.
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
    response
}

#[derive(Template, WebTemplate)]
#[template(path = "materials/preview.html")]
pub struct PreviewPage {
    pub page: Page,
    pub id: i64,
    pub name: String,
    pub material: MaterialView,
    pub is_pdf: bool,
    pub is_image: bool,
}

/// `GET /proposals/{id}/materials/{material}/preview`: a PDF drawn by the
/// vendored pdf.js, an image shown; other kinds are offered as downloads.
pub async fn preview(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    Path((id, material)): Path<(i64, i64)>,
) -> AppResult<PreviewPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let row = proposals::get(&mut conn, id, service::scope_for(&user))
        .await?
        .ok_or(AppError::NotFound)?;
    let m = db::get(&mut conn, id, material).await?.ok_or(AppError::NotFound)?;
    let kind = FileKind::from_code(&m.kind);
    Ok(PreviewPage {
        id,
        name: row.name.clone(),
        is_pdf: kind == Some(FileKind::Pdf),
        is_image: kind.is_some_and(FileKind::is_image),
        material: MaterialView::of(&m, page.lang),
        page,
    })
}
