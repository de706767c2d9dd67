//! Pages rendered for signed-in users, kept in memory until the data
//! changes.
//!
//! The pages read most (the review queue, a report, a proposal) are the
//! same bytes for the same user, language and address until a transaction
//! changes something. Every such commit bumps `data_version` (a deferred
//! trigger on every table; see its migration), and each request reads that
//! number in the statement that loads its session. A page is kept under
//! (version, user, language, address): a page kept under an older version
//! is never served again, on this server or another sharing the database.
//!
//! Reading the version before the page's data makes the order safe: data
//! read later is at least as new as the version it is kept under.
//!
//! What differs between two requests of one user is the session's CSRF
//! token; a page is kept cut at its token and served with the requester's.
//! Authorisation is unaffected: the role guards run before this layer on
//! every request, and a handler's own checks (an official's region) depend
//! only on the user and the data, both part of the key. Only `200` HTML
//! answers are kept.

use std::sync::Arc;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Extension, extract::FromRequestParts};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::auth::{AuthSession, csrf};
use crate::domain::Lang;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    version: i64,
    user_id: i64,
    lang: Lang,
    path_and_query: String,
}

/// A kept page: the handler's headers, and its body cut at the CSRF token.
#[derive(Debug)]
struct Kept {
    headers: HeaderMap,
    pieces: Vec<Bytes>,
    len: usize,
}

#[derive(Debug, Clone)]
struct ByBytes;

impl Weighter<Key, Arc<Kept>> for ByBytes {
    fn weight(&self, key: &Key, page: &Arc<Kept>) -> u64 {
        (key.path_and_query.len() + page.len + 256) as u64
    }
}

/// The kept pages of one application instance.
#[derive(Clone)]
pub struct PageCache {
    pages: Option<Arc<Cache<Key, Arc<Kept>, ByBytes>>>,
}

/// A page is about 50 KB; used to size the cache's tables.
const TYPICAL_PAGE_BYTES: u64 = 50 * 1024;

impl PageCache {
    /// A cache holding at most `bytes` of pages; 0 keeps none.
    pub fn new(bytes: u64) -> Self {
        let pages = (bytes > 0).then(|| {
            let items = (bytes / TYPICAL_PAGE_BYTES).max(16) as usize;
            Arc::new(Cache::with_weighter(items, bytes, ByBytes))
        });
        PageCache { pages }
    }
}

/// Middleware for a page route (inside its role's guard): serves the kept
/// page, or runs the handler and keeps its answer.
pub async fn serve(Extension(cache): Extension<PageCache>, request: Request, next: Next) -> Response {
    let Some(pages) = cache.pages.clone() else {
        return next.run(request).await;
    };
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let Ok(auth) = AuthSession::from_request_parts(&mut parts, &()).await else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let (Some(user), Some(version)) = (auth.user.as_ref(), crate::db::sessions::data_version()) else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let token = match csrf::token(&auth.session).await {
        Ok(token) => token,
        Err(err) => return err.into_response(),
    };
    let key = Key {
        version,
        user_id: user.id,
        lang: crate::i18n::page_lang(&parts.headers),
        path_and_query: parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/").to_owned(),
    };
    if let Some(page) = pages.get(&key) {
        return answer(&page, &token);
    }
    let response = next.run(Request::from_parts(parts, body)).await;
    if !keepable(&response) {
        return response;
    }
    let (head, body) = response.into_parts();
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(err) => return AppError::Internal(anyhow::anyhow!("reading a page's body: {err}")).into_response(),
    };
    let Some(page) = cut(&head.headers, &bytes, &token) else {
        return Response::from_parts(head, Body::from(bytes));
    };
    pages.insert(key, Arc::new(page));
    Response::from_parts(head, Body::from(bytes))
}

/// A plain `200` HTML page that sets no cookie of its own.
fn keepable(response: &Response) -> bool {
    response.status() == StatusCode::OK
        && !response.headers().contains_key(header::SET_COOKIE)
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"))
}

/// The page cut at each occurrence of the session's token (`None` when the
/// body is not text, or the token is too short to be unmistakable).
fn cut(headers: &HeaderMap, body: &Bytes, token: &str) -> Option<Kept> {
    let text = std::str::from_utf8(body).ok()?;
    if token.len() < 32 {
        return None;
    }
    let mut pieces = Vec::new();
    let mut start = 0;
    for (at, _) in text.match_indices(token) {
        pieces.push(body.slice(start..at));
        start = at + token.len();
    }
    pieces.push(body.slice(start..));
    Some(Kept {
        headers: headers.clone(),
        len: body.len(),
        pieces,
    })
}

fn answer(page: &Kept, token: &str) -> Response {
    let mut body = Vec::with_capacity(page.len);
    for (i, piece) in page.pieces.iter().enumerate() {
        if i > 0 {
            body.extend_from_slice(token.as_bytes());
        }
        body.extend_from_slice(piece);
    }
    let mut response = Response::new(Body::from(body));
    *response.headers_mut() = page.headers.clone();
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const OTHER: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

    fn served(body: String) -> String {
        let page = cut(&HeaderMap::new(), &Bytes::from(body), TOKEN).expect("a text page");
        let response = answer(&page, OTHER);
        let bytes = body_of(response);
        String::from_utf8(bytes).unwrap()
    }

    fn body_of(response: Response) -> Vec<u8> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(to_bytes(response.into_body(), usize::MAX))
            .unwrap()
            .to_vec()
    }

    #[test]
    fn a_kept_page_carries_the_requesters_token_everywhere() {
        let page = format!("<form><input value=\"{TOKEN}\"></form>中文<form><input value=\"{TOKEN}\"></form>");
        assert_eq!(
            served(page),
            format!("<form><input value=\"{OTHER}\"></form>中文<form><input value=\"{OTHER}\"></form>")
        );
    }

    #[test]
    fn a_page_without_a_form_is_kept_as_it_is() {
        assert_eq!(served("<p>审核队列</p>".to_owned()), "<p>审核队列</p>");
        assert_eq!(served(TOKEN.to_owned()), OTHER);
    }

    #[test]
    fn a_short_token_is_never_cut_at() {
        assert!(cut(&HeaderMap::new(), &Bytes::from_static(b"<p>ab</p>"), "ab").is_none());
    }
}
