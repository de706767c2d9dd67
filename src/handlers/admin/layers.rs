//! `GET/POST /admin/layers`: the control-line layers (生态保护红线, 永久基本农田,
//! 城镇开发边界) — every version with its hash and parcel count, and the
//! upload of a new version of a kind, the withdrawal of the one in force
//! and each version's parcels as GeoJSON. Never public.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::{Body, Bytes};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::StreamExt;

use crate::auth::Admin;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::{disposition, format_time, read_upload};
use crate::services::boundaries::{self as service, Refused};
use crate::spatial::Limits;
use crate::standards::LayerKind;
use crate::state::AppState;

/// An upload's body: the file at its limit, with the form's framing.
pub const UPLOAD_BODY_BYTES: usize = Limits::LAYER.max_bytes as usize + 1024 * 1024;
/// Longest layer name, in characters.
const MAX_NAME_CHARS: usize = 100;

pub struct LayerView {
    pub id: i64,
    pub kind: String,
    pub kind_label: &'static str,
    pub version: i32,
    pub name: String,
    pub parcels: i32,
    pub sha256: String,
    pub file_name: String,
    pub uploaded: String,
    pub in_force: bool,
    /// Retired without a replacement.
    pub withdrawn: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/layers.html")]
pub struct LayersPage {
    pub page: Page,
    pub layers: Vec<LayerView>,
    /// (code, label) of each kind, for the form.
    pub kinds: Vec<(&'static str, &'static str)>,
    pub max_mb: u64,
    pub max_polygons: usize,
    /// What was typed, kept on a refusal.
    pub kind: String,
    pub name: String,
    /// (field, message) of a refused upload.
    pub errors: Vec<(&'static str, String)>,
}

impl LayersPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
}

async fn layers_page(state: &AppState, page: Page) -> AppResult<LayersPage> {
    let lang = page.lang;
    let layers = service::layers(&state.db)
        .await?
        .into_iter()
        .map(|l| LayerView {
            id: l.id,
            kind_label: LayerKind::from_code(&l.kind).map_or("", |k| k.label(lang)),
            kind: l.kind,
            version: l.version,
            name: l.name,
            parcels: l.parcels,
            sha256: l.sha256,
            file_name: l.file_name,
            uploaded: format!("{} · {}", format_time(l.uploaded_at), l.uploaded_by_name),
            in_force: l.retired_at.is_none(),
            withdrawn: l.withdrawn,
        })
        .collect();
    Ok(LayersPage {
        layers,
        kinds: LayerKind::ALL.into_iter().map(|k| (k.code(), k.label(lang))).collect(),
        max_mb: Limits::LAYER.max_bytes / (1024 * 1024),
        max_polygons: Limits::LAYER.max_polygons,
        kind: String::new(),
        name: String::new(),
        errors: Vec::new(),
        page,
    })
}

/// `GET /admin/layers`.
pub async fn list(State(state): State<AppState>, page: Page, Admin(_admin): Admin) -> AppResult<LayersPage> {
    layers_page(&state, page).await
}

/// `POST /admin/layers` (multipart, the token in the query): kind, name and
/// file; the file read and every parcel validated before anything is
/// stored; 303 back to the list, or 422 with each message beside its field.
pub async fn upload(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let mut base = layers_page(&state, page).await?;
    let mut multipart = multipart.map_err(|_| AppError::BadRequest("error.bad_request.invalid"))?;
    let form = read_upload(&mut multipart, Limits::LAYER.max_bytes).await?;
    base.kind = form.field("kind").unwrap_or("").to_string();
    base.name = form.field("name").unwrap_or("").trim().to_string();
    let mut refused = Vec::new();
    let kind = LayerKind::from_code(&base.kind);
    if kind.is_none() {
        refused.push(Refused::Field {
            field: "kind",
            key: "boundaries.layers.refused.kind",
        });
    }
    if base.name.is_empty() || base.name.chars().count() > MAX_NAME_CHARS {
        refused.push(Refused::Field {
            field: "name",
            key: "boundaries.layers.refused.name",
        });
    }
    let file = match form.file {
        Ok((file_name, bytes)) => match service::read_layer(bytes).await {
            Ok(layer) => Some((file_name, layer)),
            Err(r) => {
                refused.push(r);
                None
            }
        },
        Err(r) => {
            refused.push(r);
            None
        }
    };
    match (kind, file) {
        (Some(kind), Some((file_name, layer))) if refused.is_empty() => {
            service::store_layer(&state.db, &admin, kind, &base.name, &file_name, layer).await?;
            Ok(Redirect::to("/admin/layers").into_response())
        }
        _ => {
            let lang = base.page.lang;
            base.errors = refused.iter().filter_map(|r| r.message(lang)).collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, base).into_response())
        }
    }
}

/// `POST /admin/layers/{layer}/withdraw`: the layer in force is withdrawn
/// without a replacement (no longer counted in checks; its version kept);
/// 303 back to the list, 409 when it is not in force.
pub async fn withdraw(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(layer): Path<i64>,
) -> AppResult<Redirect> {
    service::withdraw_layer(&state.db, &admin, layer)
        .await
        .map_err(|e| e.into_app("boundaries.layers.not_in_force", "/admin/layers"))?;
    Ok(Redirect::to("/admin/layers"))
}

/// Parcels read per statement while a layer downloads.
const DOWNLOAD_PAGE: i64 = 5_000;

/// `GET /admin/layers/{layer}/download`: one version of a layer as a GeoJSON
/// FeatureCollection (one Feature per parcel, in order), streamed page by
/// page; admins only (layers are never public), each download audited.
pub async fn download(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(layer): Path<i64>,
) -> AppResult<Response> {
    let row = service::layer_for_download(&state.db, &admin, layer).await?;
    let head = format!(
        r#"{{"type":"FeatureCollection","properties":{{"kind":"{}","version":{},"sha256":"{}","parcels":{}}},"features":["#,
        row.kind, row.version, row.sha256, row.parcels
    );
    let db = state.db.clone();
    // (next seq to read after, first feature written, finished)
    let pages = futures_util::stream::unfold((Some(-1i32), true), move |(after, first)| {
        let db = db.clone();
        async move {
            let after = after?;
            match service::parcel_page(&db, layer, after, DOWNLOAD_PAGE).await {
                Err(e) => Some((Err(std::io::Error::other(e)), (None, first))),
                Ok(rows) if rows.is_empty() => Some((Ok(Bytes::from_static(b"]}")), (None, first))),
                Ok(rows) => {
                    let mut chunk = String::new();
                    let mut first = first;
                    let mut last = after;
                    for (seq, coordinates) in rows {
                        if !first {
                            chunk.push(',');
                        }
                        first = false;
                        last = seq;
                        chunk.push_str(&format!(
                            r#"{{"type":"Feature","properties":{{"seq":{seq}}},"geometry":{{"type":"Polygon","coordinates":{coordinates}}}}}"#
                        ));
                    }
                    Some((Ok(Bytes::from(chunk)), (Some(last), first)))
                }
            }
        }
    });
    let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) }).chain(pages);
    let name = format!("layer-{}-v{}.geojson", row.kind, row.version);
    Ok((
        [
            (header::CONTENT_TYPE, "application/geo+json".to_string()),
            (header::CONTENT_DISPOSITION, disposition(&name, &name)),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        Body::from_stream(body),
    )
        .into_response())
}
