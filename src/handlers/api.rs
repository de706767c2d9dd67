//! The JSON API under `/api/v1`: stateless, no login, no CSRF (the CSRF
//! middleware skips `/api/`), answers always JSON.
//!
//! The router is generated from the OpenAPI description (utoipa-axum's
//! `OpenApiRouter`, in `routes::api_routes`): a handler is served only if it
//! is registered with its `#[utoipa::path]`, so `GET /api/v1/openapi.json`
//! and the routes cannot differ. The test `evaluate_api::openapi_describes_every_route` requests
//! every path of the description with its method.
//!
//! # Adding a path (e.g. `GET /api/v1/batches`, `GET /api/v1/batches/{id}`)
//!
//! 1. Write the handlers in `src/handlers/api/<area>.rs` (declare it below
//!    with `pub mod <area>;`), each with
//!    `#[utoipa::path(get, path = "/api/v1/batches/{id}", tag = "batches",
//!    params(("id" = i64, Path, example = 1)), responses((status = 200, body = BatchAnswer),
//!    (status = 404, body = ErrorAnswer)))]`. Every answer, errors included,
//!    names its body schema; answer types derive `serde::Serialize` and
//!    `utoipa::ToSchema` (a free-form object: see [`schema::StandardDefinition`]).
//!    Give every path parameter an `example` (the route test uses it) and a
//!    unique `operation_id` (e.g. `list_batches`, `get_batch`).
//! 2. Add one line `.routes(routes!(api::<area>::handler))` in
//!    `routes::api_routes`.
//! 3. Errors: [`error_answer`] (`{errors:[{field,message}]}`, messages from
//!    `locales/api.yml` in the `Accept-Language` language, see [`api_lang`]);
//!    `AppError` also works (rendered as JSON with an empty `field`).
//!
//! Never add a route with plain `.route(…)` here: it would be missing from
//! the description.

pub mod batches;
pub mod evaluate;
mod input;
mod schema;
pub mod score;
pub mod standards;

use std::sync::Arc;

use axum::Extension;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;

pub use schema::{
    ErrorAnswer, ErrorItem, EvaluationAnswer, FindingAnswer, OpenApiDocument, OverallCode, ProposalBody,
    StandardDefinition, StandardRefAnswer, StandardSummary, VerdictCode,
};

use crate::domain::Lang;
use crate::i18n;

/// Largest request body the API reads (a proposal is about 2 KB).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The top of the description; paths and schemas come from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "xiaozhen API",
        description = "特色小镇申报评价接口：按标准版本评价申报材料，查询标准。\
                       Evaluate characteristic-town proposals against a standard version; read the standards.",
    ),
    tags(
        (name = "evaluation", description = "评价申报材料 / Evaluate a proposal"),
        (name = "standards", description = "标准版本 / Standard versions"),
        (name = "batches", description = "已发布的创建名单批次 / Published batches of the creation list"),
        (name = "meta", description = "本说明 / This description"),
    )
)]
pub struct ApiDoc;

/// The language of API messages: `Accept-Language`, Chinese by default.
pub fn api_lang(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default()
}

/// `{errors:[{field, message}]}` with one error whose message is the
/// catalogue entry `key`, `%{name}` placeholders replaced by `args`.
pub fn error_answer(status: StatusCode, lang: Lang, field: &str, key: &str, args: &[(&str, &str)]) -> Response {
    let mut message = i18n::t(lang, key);
    for (name, value) in args {
        message = message.replace(&format!("%{{{name}}}"), value);
    }
    json_answer(
        status,
        &ErrorAnswer {
            errors: vec![ErrorItem {
                field: field.to_owned(),
                message,
            }],
        },
    )
}

/// A JSON answer with the given status. Serialising our own answer types
/// cannot fail; should it, the answer is a plain 500 rather than a panic.
pub fn json_answer<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => json_bytes(status, bytes),
        Err(err) => {
            tracing::error!(error = %err, "API answer does not serialise");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn json_bytes(status: StatusCode, bytes: Vec<u8>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        bytes,
    )
        .into_response()
}

/// The description of this API, OpenAPI 3.1.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "get_openapi",
    tag = "meta",
    responses((status = 200, description = "OpenAPI 3.1 description of every path", body = OpenApiDocument))
)]
pub async fn openapi_json(Extension(spec): Extension<Description>) -> Response {
    json_bytes(StatusCode::OK, spec.0.to_vec())
}

/// The description as served, written once when the routes are built
/// (`routes::build_app` derives it from the same table as the routes).
#[derive(Clone)]
pub struct Description(Arc<[u8]>);

impl Description {
    pub fn new(doc: &utoipa::openapi::OpenApi) -> Description {
        Description(doc.to_json().map(String::into_bytes).unwrap_or_default().into())
    }
}

/// The first value of a query parameter; an empty value counts as absent.
fn query_param(raw: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(raw?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}
