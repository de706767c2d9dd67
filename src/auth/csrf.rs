//! CSRF protection: a random token kept in the server-side session must come
//! back as the `csrf_token` field of every form POST, and a cross-site
//! `Sec-Fetch-Site` or a foreign `Origin` is refused outright. An `Origin`
//! is ours when it names the `Host` the request was sent to, or the
//! configured public origin (`XIAOZHEN_PUBLIC_ORIGIN`: behind a reverse
//! proxy the `Host` that reaches us is the proxy's upstream, not the one in
//! the browser's address bar).

use axum::body::{Body, to_bytes};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use crate::config::Config;
use crate::error::AppError;

const KEY: &str = "csrf";
pub const FIELD: &str = "csrf_token";
/// Forms are small; uploads have their own limit on their own route.
pub const MAX_FORM_BYTES: usize = 1024 * 1024;
/// The largest form (the proposal's) has about 60 fields; a body with
/// thousands is not a person's, and every handler after this one would
/// still have to walk it.
pub const MAX_FORM_FIELDS: usize = 2_000;

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String, AppError> {
    if let Some(t) = session.get::<String>(KEY).await.map_err(session_err)? {
        return Ok(t);
    }
    let t = new_token();
    session.insert(KEY, &t).await.map_err(session_err)?;
    Ok(t)
}

fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn session_err(err: tower_sessions::session::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("session: {err}"))
}

/// Middleware on every state-changing request outside the stateless JSON API.
pub async fn protect(State(config): State<Arc<Config>>, session: Session, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || request.uri().path().starts_with("/api/")
    {
        return next.run(request).await;
    }
    if !same_origin(request.headers(), config.public_origin.as_ref()) {
        return AppError::Csrf.into_response();
    }
    let expected = match session.get::<String>(KEY).await {
        Ok(Some(t)) => t,
        Ok(None) => return AppError::Csrf.into_response(),
        Err(err) => return session_err(err).into_response(),
    };
    let (parts, body) = request.into_parts();
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (given, body) = if content_type.starts_with("multipart/form-data") {
        // A multipart body is not buffered here: its form puts the token in
        // the query string instead.
        (query_token(parts.uri.query()), body)
    } else {
        let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
            return AppError::TooLarge("error.too_large.body").into_response();
        };
        if field_count(&bytes) > MAX_FORM_FIELDS {
            return AppError::TooLarge("error.too_large.fields").into_response();
        }
        // Malformed text never reaches a handler or the database.
        if !is_clean_form(&bytes) {
            return AppError::BadRequest("error.bad_request.encoding").into_response();
        }
        let given = form_token(&bytes);
        (given, Body::from(bytes))
    };
    match given {
        Some(given) if constant_time_eq(given.as_bytes(), expected.as_bytes()) => {
            next.run(Request::from_parts(parts, body)).await
        }
        _ => AppError::Csrf.into_response(),
    }
}

/// Every name and value of a url-encoded form is valid UTF-8 without control
/// characters other than tab and line breaks (PostgreSQL refuses NUL in
/// text, and a silently replaced byte would store something not typed).
fn is_clean_form(body: &[u8]) -> bool {
    body.split(|b| *b == b'&').all(|pair| {
        let plus_as_space: Vec<u8> = pair.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
        match percent_encoding::percent_decode(&plus_as_space).decode_utf8() {
            Ok(text) => !text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')),
            Err(_) => false,
        }
    })
}

/// The pairs of a url-encoded body, as the parsers count them (empty
/// pieces between two `&` are not pairs).
fn field_count(body: &[u8]) -> usize {
    body.split(|b| *b == b'&').filter(|pair| !pair.is_empty()).count()
}

fn form_token(body: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned())
}

fn query_token(query: Option<&str>) -> Option<String> {
    form_token(query?.as_bytes())
}

/// Browsers say where a request comes from; a form posted from another site
/// is refused even before the token is looked at.
fn same_origin(headers: &HeaderMap, public_origin: Option<&url::Origin>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && (site == "cross-site" || site == "same-site")
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if origin == "null" {
        return false;
    }
    let Ok(origin) = url::Url::parse(origin) else {
        return false;
    };
    if public_origin.is_some_and(|public| *public == origin.origin()) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let origin_host = match origin.port() {
        Some(p) => format!("{}:{p}", origin.host_str().unwrap_or("")),
        None => origin.host_str().unwrap_or("").to_owned(),
    };
    origin_host.eq_ignore_ascii_case(host)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    fn same_origin(headers: &HeaderMap) -> bool {
        super::same_origin(headers, None)
    }

    #[test]
    fn the_public_origin_passes_behind_a_proxy_and_nothing_else_does() {
        let public = crate::config::parse_origin("https://xz.example.gov.cn").unwrap();
        let proxied = |origin: &str| headers(&[("host", "127.0.0.1:3000"), ("origin", origin)]);
        assert!(super::same_origin(&proxied("https://xz.example.gov.cn"), Some(&public)));
        assert!(!super::same_origin(&proxied("https://xz.example.gov.cn"), None));
        assert!(!super::same_origin(&proxied("http://xz.example.gov.cn"), Some(&public)));
        assert!(!super::same_origin(
            &proxied("https://xz.example.gov.cn:8443"),
            Some(&public)
        ));
        assert!(!super::same_origin(&proxied("https://evil.example"), Some(&public)));
        assert!(super::same_origin(&proxied("http://127.0.0.1:3000"), Some(&public)));
    }

    #[test]
    fn origin_checks() {
        assert!(same_origin(&headers(&[("host", "127.0.0.1:3000")])));
        assert!(same_origin(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://evil.example")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "a"),
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(same_origin(&headers(&[
            ("host", "a"),
            ("sec-fetch-site", "same-origin")
        ])));
        assert!(!same_origin(&headers(&[("host", "a"), ("origin", "null")])));
    }

    #[test]
    fn forms_with_bad_bytes_or_control_characters_are_unclean() {
        assert!(is_clean_form(b"name=%E5%81%A5%E5%BA%B7&x=1+2"));
        assert!(is_clean_form(b"comment=line%0Aline%0D%0A%09tab"));
        assert!(is_clean_form(b""));
        assert!(!is_clean_form(b"name=a%00b"));
        assert!(!is_clean_form(b"name=%FF%FE"));
        assert!(!is_clean_form(b"name=\xff"));
        assert!(!is_clean_form(b"name=%1B[31m"));
    }

    #[test]
    fn fields_are_counted_as_parsers_see_them() {
        assert_eq!(field_count(b""), 0);
        assert_eq!(field_count(b"a=1&&b=&="), 3);
        assert_eq!(
            field_count("x=&".repeat(MAX_FORM_FIELDS + 1).as_bytes()),
            MAX_FORM_FIELDS + 1
        );
    }

    #[test]
    fn token_is_read_from_the_form() {
        assert_eq!(form_token(b"a=1&csrf_token=abc&b=2").as_deref(), Some("abc"));
        assert_eq!(form_token(b"a=1"), None);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
