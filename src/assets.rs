//! Static files, compiled into the binary (government intranets are often
//! offline: nothing comes from a CDN). URLs carry a hash of the content so a
//! browser may cache them for ever and still sees a new version at once.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

#[derive(RustEmbed)]
#[folder = "static/"]
struct Files;

/// File name → first 12 hex digits of its SHA-256.
static HASHES: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    Files::iter()
        .filter_map(|name| {
            let file = Files::get(&name)?;
            let hash = hex::encode(Sha256::digest(&file.data));
            Some((name.into_owned(), hash[..12].to_owned()))
        })
        .collect()
});

/// The URL of a static file, e.g. `/static/3f2a…/css/app.css`.
pub fn url(name: &str) -> String {
    let hash = HASHES.get(name).map(String::as_str).unwrap_or("0");
    format!("/static/{hash}/{name}")
}

/// `GET /static/{hash}/{*path}`: a stale hash still gets the file, but
/// without the long cache lifetime.
pub async fn serve(Path((hash, name)): Path<(String, String)>) -> Response {
    let Some(file) = Files::get(&name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let current = HASHES.get(&name).is_some_and(|h| *h == hash);
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, file.metadata.mimetype().to_owned()),
            (header::CACHE_CONTROL, cache.to_owned()),
        ],
        file.data,
    )
        .into_response()
}
