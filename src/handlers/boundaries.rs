//! A proposal's boundary (四至范围): its page (the map drawn on the server,
//! the measured area and the boundary findings under the active version,
//! the upload form while the proposal may change), the upload itself
//! (GeoJSON, KML or a zipped Shapefile; refused with a message beside the
//! field and nothing stored), removal, and the coordinates as GeoJSON for
//! whoever may see the proposal.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::{CurrentUser, User};
use crate::db::{boundaries as db, proposals, standards as db_standards};
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::{FindingView, MapView, boundary_current_view, finding_views, read_upload};
use crate::services::ServiceError;
use crate::services::boundaries::{self as service, Refused};
use crate::services::proposals::scope_of;
use crate::spatial::{Boundary, Limits};
use crate::standards::{Attachments, BoundaryState};
use crate::state::AppState;

/// An upload's body: the file at its limit, with the form's framing.
pub const UPLOAD_BODY_BYTES: usize = Limits::BOUNDARY.max_bytes as usize + 1024 * 1024;

#[derive(Template, WebTemplate)]
#[template(path = "boundaries/page.html")]
pub struct BoundaryPage {
    pub page: Page,
    pub id: i64,
    pub name: String,
    pub boundary: Option<MapView>,
    /// The boundary criteria of the active version, with what was measured.
    pub findings: Vec<FindingView>,
    /// Why no findings are shown (the form is incomplete, no boundary criteria).
    pub findings_note: Option<String>,
    pub editable: bool,
    pub max_mb: u64,
    pub max_polygons: usize,
    pub max_vertices: usize,
    /// The refused upload's message, beside the file field.
    pub error: Option<String>,
}

async fn boundary_page(state: &AppState, page: Page, user: &User, id: i64) -> AppResult<BoundaryPage> {
    let lang = page.lang;
    let mut conn = crate::db::acquire(&state.db).await?;
    let row = proposals::get(&mut conn, id, scope_of(user))
        .await?
        .ok_or(AppError::NotFound)?;
    let mut map = None;
    let mut findings = Vec::new();
    let mut findings_note = None;
    if let Some((b, text)) = db::current(&mut conn, id).await? {
        let boundary = Boundary::from_stored(&text)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored boundary {}: {e:?}", b.id)))?;
        let measured = service::measure_for_page(&mut conn, id, &boundary).await?;
        map = boundary_current_view(&b, &text, &measured.context, &row.name, user, lang);
        let active = db_standards::active(&mut conn).await?;
        match active.as_ref().map(|a| a.standard()) {
            Some(s) if s.criteria.iter().any(|c| c.kind.is_boundary()) => {
                match row.to_input().complete_under(s.periods()) {
                    Ok(p) => {
                        let files = Attachments {
                            materials: None,
                            boundary: BoundaryState::Known(measured.facts),
                        };
                        let evaluation = crate::standards::evaluate_with(&p, s, &files);
                        let rendered: Vec<_> = evaluation
                            .findings
                            .iter()
                            .filter(|f| s.criterion(&f.criterion).is_some_and(|c| c.kind.is_boundary()))
                            .map(|f| f.render(lang))
                            .collect();
                        findings = finding_views(&rendered, Some(s), lang);
                    }
                    Err(_) => findings_note = Some(page.t("boundaries.findings.incomplete")),
                }
            }
            _ => findings_note = Some(page.t("boundaries.findings.none")),
        }
    }
    let editable = matches!(user.role, Role::Official | Role::Admin) && row.status().is_editable();
    Ok(BoundaryPage {
        id,
        name: row.name.clone(),
        boundary: map,
        findings,
        findings_note,
        editable,
        max_mb: Limits::BOUNDARY.max_bytes / (1024 * 1024),
        max_polygons: Limits::BOUNDARY.max_polygons,
        max_vertices: Limits::BOUNDARY.max_vertices,
        error: None,
        page,
    })
}

/// `GET /proposals/{id}/boundary`.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<BoundaryPage> {
    boundary_page(&state, page, &user, id).await
}

fn conflict(id: i64) -> AppError {
    AppError::Conflict {
        key: "boundaries.not_editable",
        link: Some(format!("/proposals/{id}/boundary")),
    }
}

/// `POST /proposals/{id}/boundary` (multipart, the token in the query): the
/// file read, converted and validated, then stored as the next version;
/// 303 back to the page, or 422 with the message beside the field.
pub async fn upload(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    // The record's state is told before the body's shape.
    let mut base = boundary_page(&state, page, &user, id).await?;
    if !base.editable {
        return Err(conflict(id));
    }
    let mut multipart = multipart.map_err(|_| AppError::BadRequest("error.bad_request.invalid"))?;
    let received = read_upload(&mut multipart, Limits::BOUNDARY.max_bytes).await?;
    let outcome = match received.file {
        Ok((name, bytes)) => match service::read(bytes, Limits::BOUNDARY).await {
            Ok(b) => service::store(&state.db, &user, id, &name, &b)
                .await
                .map_err(Refused::Service),
            Err(r) => Err(r),
        },
        Err(r) => Err(r),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/proposals/{id}/boundary")).into_response()),
        Err(Refused::Service(ServiceError::WrongState)) => Err(conflict(id)),
        Err(Refused::Service(e)) => Err(e.into()),
        Err(r) => {
            base.error = r.message(base.page.lang).map(|(_, m)| m);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, base).into_response())
        }
    }
}

/// `POST /proposals/{id}/boundary/remove`.
pub async fn remove(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Redirect> {
    match service::remove(&state.db, &user, id).await {
        Ok(()) => Ok(Redirect::to(&format!("/proposals/{id}/boundary"))),
        Err(ServiceError::WrongState) => Err(conflict(id)),
        Err(e) => Err(e.into()),
    }
}

/// The coordinates as a GeoJSON download: one Feature with the upload's
/// version and measured area.
fn geojson_response(row: &db::BoundaryRow, geometry: &str) -> Response {
    let body = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"proposal_id":{},"version":{},"area_m2":{},"sha256":"{}"}},"geometry":{geometry}}}]}}"#,
        row.proposal_id,
        row.version,
        row.area_m2.round(),
        row.sha256
    );
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/geo+json"));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"boundary-{}-v{}.geojson\"",
        row.proposal_id, row.version
    )) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// `GET /proposals/{id}/boundary.geojson`: the current boundary (audited).
pub async fn download_current(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (row, text) = service::download_current(&state.db, &user, id).await?;
    Ok(geojson_response(&row, &text))
}

/// `GET /proposals/{id}/boundaries/{boundary}`: one upload (the report
/// links the one a submission froze; audited).
pub async fn download_version(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, boundary)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (row, text) = service::download_version(&state.db, &user, id, boundary).await?;
    Ok(geojson_response(&row, &text))
}
