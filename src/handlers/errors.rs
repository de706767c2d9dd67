//! Error pages and JSON errors, rendered in one place for the whole app.

use std::any::Any;

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::Page;
use crate::auth::AuthSession;
use crate::domain::Lang;
use crate::error::{AppError, ErrorInfo};
use crate::i18n;

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub page: Page,
    pub status: u16,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
}

/// Replaces the empty body of an `AppError` response by a page in the layout
/// (or a JSON error under `/api/`), in the user's language.
pub async fn render(auth: AuthSession, request: Request, next: Next) -> Response {
    let headers = request.headers().clone();
    let uri = request.uri().clone();
    let response = next.run(request).await;
    let status = response.status();
    let info = match response.extensions().get::<ErrorInfo>() {
        Some(info) => info.clone(),
        // A body over its route's limit, refused by an extractor (the API
        // answers its own in JSON).
        None if status == StatusCode::PAYLOAD_TOO_LARGE && !uri.path().starts_with("/api/") => {
            let (title_key, body_key) = AppError::TooLarge("error.too_large.body").message_keys();
            ErrorInfo {
                title_key,
                body_key,
                link: None,
            }
        }
        None => return response,
    };
    if uri.path().starts_with("/api/") {
        let lang = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(Lang::from_accept_language)
            .unwrap_or_default();
        let body = json!({"errors": [{"field": "", "message": i18n::t(lang, info.body_key)}]});
        return (status, Json(body)).into_response();
    }
    let page = Page::build(&headers, &uri, Some(&auth)).await;
    let template = ErrorPage {
        status: status.as_u16(),
        title: page.t(info.title_key),
        body: page.t(info.body_key),
        link: info.link,
        page,
    };
    let mut rendered = template.into_response();
    *rendered.status_mut() = status;
    // Keep headers the handler set (e.g. Retry-After), but not its length.
    for (name, value) in response.headers() {
        if name != header::CONTENT_LENGTH && name != header::CONTENT_TYPE {
            rendered.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rendered
}

/// The session layer answers a bare 500 when its store (the database)
/// cannot be reached; users get the friendly 503 page instead. Everything
/// the application itself answers has a body, so only those are caught.
pub async fn session_store_failures(request: Request, next: Next) -> Response {
    let headers = request.headers().clone();
    let uri = request.uri().clone();
    let response = next.run(request).await;
    let bare = response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && !response.headers().contains_key(header::CONTENT_TYPE);
    if !bare {
        return response;
    }
    tracing::warn!(path = uri.path(), "session store unavailable");
    let (title_key, body_key) = AppError::Unavailable.message_keys();
    if uri.path().starts_with("/api/") {
        let body = json!({"errors": [{"field": "", "message": i18n::t(Lang::Zh, body_key)}]});
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
    let page = Page::build(&headers, &uri, None).await;
    let template = ErrorPage {
        status: 503,
        title: page.t(title_key),
        body: page.t(body_key),
        link: None,
        page,
    };
    let mut rendered = template.into_response();
    *rendered.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    rendered
}

/// Fallback for unknown paths.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// A panic in a handler is a bug: answer with a plain page, log the rest.
pub fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown");
    tracing::error!(panic = detail, "handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html("<!doctype html><meta charset=utf-8><title>500</title><p>系统内部错误，请稍后重试。 / An internal error occurred; please try again later.</p>"),
    )
        .into_response()
}
