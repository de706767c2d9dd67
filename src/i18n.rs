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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    fn keys(text: &str) -> BTreeSet<&str> {
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with(' ') && !l.trim().is_empty())
            .filter_map(|l| l.split_once(':').map(|(k, _)| k.trim()))
            .filter(|k| *k != "_version")
            .collect()
    }

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let zh = keys(include_str!("../locales/zh-CN.yml"));
        let en = keys(include_str!("../locales/en.yml"));
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "only zh: {only_zh:?}; only en: {only_en:?}"
        );
    }

    #[test]
    fn lookups_use_the_requested_language() {
        assert_eq!(super::t(super::Lang::Zh, "site.title"), "特色小镇申报评审系统");
        assert_eq!(super::t(super::Lang::En, "site.title"), "Characteristic Town Programme");
    }
}
