//! The layers' arrows, read from the source (ARCHITECTURE.md): a page
//! module never imports another page module (shared pieces live in
//! `handlers/display/`, which imports no page), every route is in
//! `src/routes.rs`, the store imports neither services nor the web, the
//! engine and the domain import neither axum nor sqlx, and no production
//! file under `src/handlers` grows past the size a reader takes in.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Production lines a handler file may hold (its inline tests not counted).
const MAX_HANDLER_LINES: usize = 400;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, as (path relative to `src/`, text).
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(src())
                    .expect("under src")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, fs::read_to_string(&path).expect("a readable source")));
            }
        }
    }
    out.sort();
    out
}

/// The code of a file without its comments (doc comments name other
/// modules in prose).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first names after each `prefix` in `code`: `prefix::a::b` gives `a`,
/// `prefix::{a, b::c, self}` gives `a`, `b` and `self`.
fn names_after(code: &str, prefix: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before_ok = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'));
        rest = &rest[at + prefix.len()..];
        if !before_ok {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut end = group.len();
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let mut depth = 0;
            let mut item = String::new();
            for c in group[..end].chars().chain([',']) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        let first: String = item
                            .trim()
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        if !first.is_empty() {
                            names.push(first);
                        }
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
        } else {
            let first: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !first.is_empty() {
                names.push(first);
            }
        }
    }
    names
}

/// The handler module a file of `src/handlers` belongs to (`None` for
/// `handlers/mod.rs`, the shared page context).
fn area(rel: &str) -> Option<&str> {
    let inside = rel.strip_prefix("handlers/")?;
    let first = inside.split('/').next()?;
    if first == "mod.rs" {
        return None;
    }
    Some(first.strip_suffix(".rs").unwrap_or(first))
}

/// How many `super::` lead from a file of `src/handlers` to `handlers`.
fn depth_below_handlers(rel: &str) -> usize {
    let inside = rel.trim_start_matches("handlers/");
    let parts = inside.split('/').count();
    // `handlers/x.rs` and `handlers/x/mod.rs` sit one below; each folder more, one more.
    if inside.ends_with("/mod.rs") { parts - 1 } else { parts }
}

/// Every import of a page module by a file of another one (or by the kit).
fn sibling_imports(files: &[(String, String)]) -> Vec<String> {
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|(rel, _)| area(rel).map(str::to_owned))
        .filter(|m| m != "display")
        .collect();
    let mut found = Vec::new();
    for (rel, text) in files {
        let Some(own) = area(rel) else { continue };
        let code = code(text);
        let mut names = names_after(&code, "crate::handlers::");
        names.extend(names_after(&code, &"super::".repeat(depth_below_handlers(rel))));
        for name in names {
            if modules.contains(&name) && name != own {
                found.push(format!("{rel} imports handlers::{name}"));
            }
        }
    }
    found.sort();
    found
}

/// Files under `layer/` that name one of `forbidden` as a path (`axum::`,
/// `crate::services`…).
fn forbidden_uses(files: &[(String, String)], layer: &str, forbidden: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (rel, text) in files.iter().filter(|(rel, _)| rel.starts_with(layer)) {
        let code = code(text);
        for f in forbidden {
            let named = if let Some(module) = f.strip_prefix("crate::") {
                names_after(&code, "crate::").iter().any(|n| n == module)
            } else {
                !names_after(&code, &format!("{f}::")).is_empty()
                    || code.lines().any(|l| l.trim_start().starts_with(&format!("use {f}")))
            };
            if named {
                found.push(format!("{rel} uses {f}"));
            }
        }
    }
    found
}

fn production_lines(text: &str) -> usize {
    let end = text.find("#[cfg(test)]\nmod tests").unwrap_or(text.len());
    text[..end].lines().count()
}

#[test]
fn no_page_module_imports_another() {
    let found = sibling_imports(&sources(&src().join("handlers")));
    assert!(
        found.is_empty(),
        "page modules import each other (move the shared piece into handlers/display/):\n{}",
        found.join("\n")
    );
}

#[test]
fn every_route_is_in_routes_rs() {
    let found: Vec<String> = sources(&src().join("handlers"))
        .into_iter()
        .filter(|(_, text)| {
            let code = code(text);
            code.contains(".route(") || code.contains("Router::new(") || code.contains("OpenApiRouter::")
        })
        .map(|(rel, _)| rel)
        .collect();
    assert!(found.is_empty(), "routes outside src/routes.rs: {found:?}");
}

#[test]
fn the_store_imports_neither_services_nor_the_web() {
    let found = forbidden_uses(
        &sources(&src().join("db")),
        "db/",
        &["crate::services", "crate::handlers"],
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_engine_and_the_domain_import_neither_axum_nor_sqlx() {
    let files = sources(&src());
    let mut found = forbidden_uses(&files, "standards/", &["axum", "sqlx"]);
    found.extend(forbidden_uses(&files, "domain/", &["axum", "sqlx"]));
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn handler_files_stay_short() {
    let long: Vec<String> = sources(&src().join("handlers"))
        .into_iter()
        .filter(|(_, text)| production_lines(text) > MAX_HANDLER_LINES)
        .map(|(rel, text)| format!("{rel}: {} lines", production_lines(&text)))
        .collect();
    assert!(long.is_empty(), "split these per action: {long:?}");
}

/// The checks see what they are meant to: each one fails on a file that
/// breaks its rule.
#[test]
fn the_checks_catch_what_they_forbid() {
    let files = vec![
        (
            "handlers/review/mod.rs".to_owned(),
            "use crate::handlers::{Page, display::format_time};\nuse super::proposals::view;\n".to_owned(),
        ),
        (
            "handlers/review/export.rs".to_owned(),
            "use super::super::report;\n// crate::handlers::dashboard in a comment\n".to_owned(),
        ),
        (
            "handlers/report/mod.rs".to_owned(),
            "use crate::handlers::{self, review::QueueQuery};\nuse super::report::x;\n".to_owned(),
        ),
        ("handlers/proposals/view.rs".to_owned(), String::new()),
        ("handlers/dashboard.rs".to_owned(), String::new()),
        (
            "handlers/display/mod.rs".to_owned(),
            "use crate::handlers::dashboard::ChartView;\n".to_owned(),
        ),
    ];
    assert_eq!(
        sibling_imports(&files),
        [
            "handlers/display/mod.rs imports handlers::dashboard",
            "handlers/report/mod.rs imports handlers::review",
            "handlers/review/export.rs imports handlers::report",
            "handlers/review/mod.rs imports handlers::proposals",
        ]
    );
    let store = vec![
        (
            "db/imports.rs".to_owned(),
            "use crate::services::import::SheetRow;\n".to_owned(),
        ),
        (
            "db/users.rs".to_owned(),
            "use crate::{domain, handlers::Page};\n".to_owned(),
        ),
        ("db/ok.rs".to_owned(), "use crate::domain::services_free;\n".to_owned()),
    ];
    assert_eq!(
        forbidden_uses(&store, "db/", &["crate::services", "crate::handlers"]),
        ["db/imports.rs uses crate::services", "db/users.rs uses crate::handlers"]
    );
    let pure = vec![
        (
            "standards/a.rs".to_owned(),
            "fn f(c: &mut sqlx::PgConnection) {}\n".to_owned(),
        ),
        (
            "standards/b.rs".to_owned(),
            "use axum;\n// axum:: only in words\n".to_owned(),
        ),
    ];
    assert_eq!(
        forbidden_uses(&pure, "standards/", &["axum", "sqlx"]),
        ["standards/a.rs uses sqlx", "standards/b.rs uses axum"]
    );
    assert_eq!(production_lines("a\nb\n#[cfg(test)]\nmod tests {\n}\n"), 2);
}
