//! File names: what is kept of the name a browser (or anyone) sends, and
//! how it is given back in `Content-Disposition` (RFC 6266 with RFC 5987's
//! `filename*`, so that a Chinese name survives every browser).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::{FileKind, MAX_NAME_CHARS, Refused};

/// RFC 5987 `attr-char` minus alphanumerics: everything else is encoded.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// The last component of `raw` (a client may send a path, or `..`), without
/// control characters or leading dots, at most [`MAX_NAME_CHARS`]
/// characters; "file" when nothing is left.
pub fn safe_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let mut name: String = trimmed.chars().take(MAX_NAME_CHARS).collect();
    if name.is_empty() {
        name.push_str("file");
    }
    name
}

/// The stored name of a file whose content is `kind`: its extension must be
/// one of the kind's (a PNG named `plan.pdf` or `setup.exe` lies about
/// itself and is refused); a name without one is given the kind's.
pub fn download_name(name: &str, kind: FileKind) -> Result<String, Refused> {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => {
            let lower = ext.to_ascii_lowercase();
            if kind.extensions().contains(&lower.as_str()) {
                Ok(name.to_string())
            } else {
                Err(Refused::NameMismatch {
                    kind,
                    extension: ext.chars().take(20).collect(),
                })
            }
        }
        _ => {
            let mut n: String = name.chars().take(MAX_NAME_CHARS - 5).collect();
            n.push('.');
            n.push_str(kind.extensions()[0]);
            Ok(n)
        }
    }
}

/// `Content-Disposition` for `name`: `disposition` is `attachment` or
/// `inline`; an ASCII stand-in for old clients and the exact name encoded.
pub fn content_disposition(disposition: &str, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%' | ';') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = utf8_percent_encode(name, ATTR_CHAR);
    format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_tricks_leave_only_a_plain_name() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("C:\\Users\\x\\规划图.pdf"), "规划图.pdf");
        assert_eq!(safe_file_name(".."), "file");
        assert_eq!(safe_file_name("..\\..\\"), "file");
        assert_eq!(safe_file_name(".htaccess"), "htaccess");
        assert_eq!(safe_file_name("a\u{0}b\r\n.pdf"), "ab.pdf");
        assert_eq!(safe_file_name("evil\u{202e}fdp.exe"), "evilfdp.exe");
        assert_eq!(safe_file_name(&"长".repeat(300)).chars().count(), MAX_NAME_CHARS);
    }

    #[test]
    fn a_name_must_agree_with_the_content() {
        assert_eq!(download_name("规划.PDF", FileKind::Pdf).unwrap(), "规划.PDF");
        assert_eq!(download_name("图.jpeg", FileKind::Jpeg).unwrap(), "图.jpeg");
        assert_eq!(download_name("布局图", FileKind::Png).unwrap(), "布局图.png");
        assert!(matches!(
            download_name("plan.pdf", FileKind::Png),
            Err(Refused::NameMismatch {
                kind: FileKind::Png,
                ..
            })
        ));
        assert!(download_name("setup.exe", FileKind::Docx).is_err());
    }

    #[test]
    fn chinese_names_are_percent_encoded_as_rfc_5987_says() {
        let h = content_disposition("attachment", "投资计划表 (2026)*.xlsx");
        assert_eq!(
            h,
            "attachment; filename=\"_____ (2026)*.xlsx\"; \
             filename*=UTF-8''%E6%8A%95%E8%B5%84%E8%AE%A1%E5%88%92%E8%A1%A8%20%282026%29%2A.xlsx"
        );
        let quote = content_disposition("inline", "a\"b;c.pdf");
        assert!(quote.starts_with("inline; filename=\"a_b_c.pdf\";"), "{quote}");
    }
}
