//! Interface strings: every visible word of a page comes from the zh-CN and
//! en catalogues in `locales/`. The engine's findings carry their own
//! bilingual messages (they are data, stored with each evaluation).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

pub use crate::domain::Lang;

/// Name of the cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "lang";

/// Looks a key up in the catalogue of `lang`.
pub fn t(lang: Lang, key: &str) -> String {
    rust_i18n::t!(key, locale = lang.code()).into_owned()
}

/// The page language: the remembered choice, else Chinese. (The JSON API
/// reads `Accept-Language` instead; see `handlers::api`.)
impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(page_lang(&parts.headers))
    }
}

pub fn page_lang(headers: &axum::http::HeaderMap) -> Lang {
    CookieJar::from_headers(headers)
        .get(LANG_COOKIE)
        .and_then(|c| Lang::parse(c.value()))
        .unwrap_or_default()
}

/// Every catalogue file, for checks that walk all keys (tests, the page
/// language tests). Each is `_version: 2`: a key, then one line per locale.
pub fn catalogue_entries() -> Vec<(String, String, String)> {
    let mut entries = Vec::new();
    for text in CATALOGUES {
        let mut key: Option<String> = None;
        let (mut zh, mut en) = (None, None);
        let mut flush = |key: &mut Option<String>, zh: &mut Option<String>, en: &mut Option<String>| {
            if let Some(k) = key.take() {
                entries.push((k, zh.take().unwrap_or_default(), en.take().unwrap_or_default()));
            }
        };
        for line in text.lines() {
            if line.starts_with('#') || line.starts_with("_version") || line.trim().is_empty() {
                continue;
            }
            let unquote = |v: &str| serde_json::from_str::<String>(v.trim()).unwrap_or_else(|_| v.trim().to_owned());
            if let Some(v) = line.strip_prefix("  zh-CN:") {
                zh = Some(unquote(v));
            } else if let Some(v) = line.strip_prefix("  en:") {
                en = Some(unquote(v));
            } else if let Some(k) = line.strip_suffix(':') {
                flush(&mut key, &mut zh, &mut en);
                key = Some(k.trim().to_owned());
            }
        }
        flush(&mut key, &mut zh, &mut en);
    }
    entries
}

/// The catalogue files, compiled in for the checks above. Add a new file here
/// as well as in `locales/`.
const CATALOGUES: &[&str] = &[
    include_str!("../locales/common.yml"),
    include_str!("../locales/proposals.yml"),
    include_str!("../locales/review.yml"),
    include_str!("../locales/admin.yml"),
    include_str!("../locales/public.yml"),
    include_str!("../locales/standards.yml"),
    include_str!("../locales/api.yml"),
    include_str!("../locales/materials.yml"),
    include_str!("../locales/spreadsheets.yml"),
    include_str!("../locales/dashboard.yml"),
    include_str!("../locales/creation.yml"),
    include_str!("../locales/rounds.yml"),
    include_str!("../locales/reports_import.yml"),
    include_str!("../locales/self_assessment.yml"),
    include_str!("../locales/notice.yml"),
    include_str!("../locales/annual_score.yml"),
    include_str!("../locales/table_form.yml"),
    include_str!("../locales/boundaries.yml"),
    include_str!("../locales/experts.yml"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages_and_no_key_is_defined_twice() {
        let entries = catalogue_entries();
        assert!(entries.len() > 40);
        let mut seen = std::collections::HashSet::new();
        for (key, zh, en) in &entries {
            assert!(seen.insert(key), "{key} is defined twice");
            assert!(!zh.is_empty(), "{key} has no zh-CN text");
            assert!(!en.is_empty(), "{key} has no en text");
        }
    }

    #[test]
    fn every_catalogue_file_is_listed() {
        let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/locales"))
            .unwrap()
            .count();
        assert_eq!(files, CATALOGUES.len(), "list each locales/*.yml in CATALOGUES");
    }

    #[test]
    fn lookups_use_the_requested_language() {
        assert_eq!(t(Lang::Zh, "site.title"), "特色小镇申报评审系统");
        assert_eq!(t(Lang::En, "site.title"), "Characteristic Town Programme");
    }
}
