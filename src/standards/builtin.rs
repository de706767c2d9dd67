//! The standards shipped in the binary. Their JSON text is exposed as well,
//! because the store fingerprints the exact file content.

use std::sync::LazyLock;

use super::model::Standard;

/// The version a new installation activates: the newest built-in ZJ-2015.
/// An existing installation keeps its active version until an admin
/// activates another (STANDARDS.md §2).
pub const ACTIVE_BUILTIN: (&str, i32) = ("ZJ-2015", 5);

/// (file name, JSON text) of each built-in standard.
pub const BUILTIN_SOURCES: &[(&str, &str)] = &[
    ("zj-2015.json", include_str!("builtin/zj-2015.json")),
    ("cn-2021.json", include_str!("builtin/cn-2021.json")),
    // Corrections ship as new versions, never as edits of a shipped one.
    ("zj-2015-v2.json", include_str!("builtin/zj-2015-v2.json")),
    ("cn-2021-v2.json", include_str!("builtin/cn-2021-v2.json")),
    ("zj-2015-v3.json", include_str!("builtin/zj-2015-v3.json")),
    ("cn-2021-v3.json", include_str!("builtin/cn-2021-v3.json")),
    // Version 3 with the five application materials as criteria.
    ("zj-2015-v4.json", include_str!("builtin/zj-2015-v4.json")),
    ("cn-2021-v4.json", include_str!("builtin/cn-2021-v4.json")),
    // Version 4 with the boundary criteria (四至范围), all soft.
    ("zj-2015-v5.json", include_str!("builtin/zj-2015-v5.json")),
    ("cn-2021-v5.json", include_str!("builtin/cn-2021-v5.json")),
];

static BUILTIN: LazyLock<Vec<Standard>> = LazyLock::new(|| {
    // A file that does not parse is left out rather than crashing the
    // server; the unit tests prove every shipped file parses and validates.
    BUILTIN_SOURCES
        .iter()
        .filter_map(|(_, text)| Standard::from_json(text).ok())
        .collect()
});

/// The built-in standards, parsed once.
pub fn builtin() -> &'static [Standard] {
    &BUILTIN
}

pub fn builtin_standard(code: &str, version: i32) -> Option<&'static Standard> {
    builtin().iter().find(|s| s.code == code && s.version == version)
}
