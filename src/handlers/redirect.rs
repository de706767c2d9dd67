//! Where a `next=` (after login) or a language switch may send the browser:
//! one function decides for every such target, so that no route can be
//! turned into an open redirect.

/// Longest target kept; a longer one is not a link of ours.
const MAX_LEN: usize = 2048;

/// `next` when it is a path of this site, else `None` (the caller falls back
/// to its default page).
///
/// Browsers are lenient with what follows the first slash: they drop tabs
/// and line breaks (`/\t/evil` is `//evil`), read a backslash as a slash
/// (`/\evil` is `//evil`), and a scheme-relative `//evil` leaves the site.
/// So a target survives only if it starts with exactly one slash, holds no
/// whitespace, control character or backslash, and the same holds for it
/// percent-decoded (a proxy or a second decoding must not turn `/%2F/evil`
/// or `/%09/evil` into one of those). Finally it must resolve, as a URL
/// reference, to this site.
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let next = next?;
    if next.is_empty() || next.len() > MAX_LEN {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(next).decode_utf8().ok()?;
    if !is_plain_local_path(next) || !is_plain_local_path(&decoded) {
        return None;
    }
    stays_on_site(next).then(|| next.to_owned())
}

fn is_plain_local_path(target: &str) -> bool {
    let mut chars = target.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !target.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\')
}

/// Resolved against a stand-in origin, the target keeps that origin.
fn stays_on_site(target: &str) -> bool {
    let base = url::Url::parse("http://site.invalid/").expect("a valid base");
    base.join(target)
        .is_ok_and(|u| u.scheme() == "http" && u.host_str() == Some("site.invalid") && u.port().is_none())
}

/// Targets that must never survive, in every shape a browser or a proxy
/// might read as another site: the table the tests of this function and of
/// every route taking a target walk.
pub const HOSTILE_EXAMPLES: &[&str] = &[
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "//evil.example/x",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/%09/evil.example",
    "/\n/evil.example",
    "/%0a/evil.example",
    "/%0d%0a/evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%5c%5cevil.example",
    "/ /evil.example",
    "/%20/evil.example",
    "/a\r\nSet-Cookie: x",
    "/%E0%A4%A",
    " /review",
    "evil.example",
    "",
];

#[cfg(test)]
mod tests {
    use super::{HOSTILE_EXAMPLES, safe_next};

    #[test]
    fn hostile_targets_are_refused() {
        for target in HOSTILE_EXAMPLES {
            assert_eq!(safe_next(Some(target)), None, "{target:?}");
        }
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(3000)))), None);
        assert_eq!(safe_next(None), None);
    }

    #[test]
    fn paths_of_the_site_are_kept() {
        for target in [
            "/",
            "/review?page=2",
            "/review?tab=decided",
            "/review?q=%E8%AF%B8%E5%9F%8E",
            "/proposals/12/report#findings",
        ] {
            assert_eq!(safe_next(Some(target)).as_deref(), Some(target));
        }
    }
}
