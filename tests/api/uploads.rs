//! Hostile files through the real upload routes: every file of
//! tests/corpus/hostile (written by scripts/hostile-corpus.py) declares far
//! more than it holds, or holds far more than it looks. Each is answered 422
//! with the limit it breaks, in the user's language; nothing is stored; the
//! service goes on answering.

use reqwest::StatusCode;
use xiaozhen::domain::{Lang, Role};
use xiaozhen::services::spreadsheets::FileError;
use xiaozhen::xlsx::guard::{Exceeded, Limits};

use crate::helpers::{Client, TestApp};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/hostile");

/// Every file of the corpus, with why an import held to `limits` refuses it
/// (`None`: for its format, in the route's own words).
fn corpus(limits: &Limits) -> Vec<(&'static str, Option<FileError>)> {
    let dimension = Exceeded::Dimension {
        rows: limits.max_rows,
        cols: limits.max_cols,
    };
    let unpacked = Exceeded::Unpacked {
        max_mb: limits.max_unpacked_bytes / (1024 * 1024),
        max_ratio: limits.max_ratio,
    };
    let parts = Exceeded::Parts { max: limits.max_parts };
    let limit = |e: Exceeded| Some(FileError::Limit(e));
    vec![
        (
            "shared_string_count.xlsx",
            limit(Exceeded::SharedStrings {
                max: limits.max_shared_strings,
            }),
        ),
        ("whole_grid_dimension.xlsx", limit(dimension.clone())),
        ("opposite_corners.xlsx", limit(dimension.clone())),
        ("cells_without_address.xlsx", limit(dimension.clone())),
        ("gigabyte_bomb.xlsx", limit(unpacked)),
        // The zip reader stops inflating at the declared size, and the
        // checksum of what it inflated then fails: a damaged file.
        ("lying_size.xlsx", Some(FileError::Corrupt)),
        (
            "shared_string_copies.xlsx",
            limit(Exceeded::Text {
                max_mb: limits.max_text_bytes / (1024 * 1024),
            }),
        ),
        ("many_parts.xlsx", limit(parts.clone())),
        ("zip64_entry_count.xlsx", limit(parts)),
        ("old_format.xls", None),
        ("wide.csv", None),
    ]
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{CORPUS}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The fragment of each message a person recognises, per language.
fn fragment(error: &FileError, lang: Lang) -> &'static str {
    let FileError::Limit(limit) = error else {
        return match lang {
            Lang::Zh => "文件已损坏",
            Lang::En => "damaged",
        };
    };
    match (limit, lang) {
        (Exceeded::Dimension { .. }, Lang::Zh) => "文件中的表格尺寸超出限制",
        (Exceeded::Dimension { .. }, Lang::En) => "larger than allowed",
        (Exceeded::SharedStrings { .. }, Lang::Zh) => "文字条目数量超出限制",
        (Exceeded::SharedStrings { .. }, Lang::En) => "more text entries than allowed",
        (Exceeded::Unpacked { .. }, Lang::Zh) => "解压后的内容超出限制",
        (Exceeded::Unpacked { .. }, Lang::En) => "unpacked content exceeds the limits",
        (Exceeded::Text { .. }, Lang::Zh) => "文字总量超出限制",
        (Exceeded::Text { .. }, Lang::En) => "more text than allowed",
        (Exceeded::Parts { .. }, Lang::Zh) => "部件数量超出限制",
        (Exceeded::Parts { .. }, Lang::En) => "more parts than allowed",
        (Exceeded::TimedOut { .. }, Lang::Zh) => "读取超时",
        (Exceeded::TimedOut { .. }, Lang::En) => "took too long",
    }
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn upload(client: &Client, path: &str, name: &str) -> crate::helpers::Page {
    let token = client.csrf().await;
    client.upload_file(path, &token, name, read(name)).await
}

/// Uploads every file of the corpus to `path`; `other` is the message of
/// the files refused for their format. Returns what went wrong.
async fn replay(app: &TestApp, client: &Client, path: &str, limits: &Limits, lang: Lang, other: &str) -> Vec<String> {
    let mut wrong = Vec::new();
    for (name, refusal) in corpus(limits) {
        let page = upload(client, path, name).await;
        if page.status != StatusCode::UNPROCESSABLE_ENTITY {
            wrong.push(format!("{path} {name}: {}", page.status));
            continue;
        }
        let shown = page.text("#import-error");
        let expected = match &refusal {
            Some(refusal) => refusal.message(lang),
            None => other.to_string(),
        };
        if shown != expected {
            wrong.push(format!("{path} {name}: shows {shown:?}, expected {expected:?}"));
        }
        if let Some(refusal) = &refusal
            && !shown.contains(fragment(refusal, lang))
        {
            wrong.push(format!(
                "{path} {name}: {shown:?} does not say {:?}",
                fragment(refusal, lang)
            ));
        }
        let health = app.client().get("/healthz").await;
        if health.status != StatusCode::OK {
            wrong.push(format!("after {name}: /healthz {}", health.status));
        }
    }
    wrong
}

#[tokio::test]
async fn hostile_files_are_refused_by_both_imports_with_their_limit_and_store_nothing() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let limits = xiaozhen::services::spreadsheets::LIMITS;
    let old_xls = FileError::OldXls.message(Lang::Zh);
    let mut wrong = replay(&app, &official, "/proposals/import", &limits, Lang::Zh, &old_xls).await;
    // wide.csv is a CSV: the proposals import reads it, and refuses its width.
    wrong.retain(|w| !w.contains("wide.csv: shows"));
    let wide = upload(&official, "/proposals/import", "wide.csv").await;
    let dimension = FileError::Limit(Exceeded::Dimension {
        rows: limits.max_rows,
        cols: limits.max_cols,
    });
    assert_eq!(wide.text("#import-error"), dimension.message(Lang::Zh));

    let reports = xiaozhen::services::spreadsheets::reports::LIMITS;
    let not_xlsx = xiaozhen::i18n::t(Lang::Zh, "reports_import.not_xlsx");
    wrong.extend(
        replay(
            &app,
            &official,
            "/proposals/reports/import",
            &reports,
            Lang::Zh,
            &not_xlsx,
        )
        .await,
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    for table in ["imports", "proposals", "annual_reports"] {
        assert_eq!(count(&app, table).await, 0, "{table}: nothing stored");
    }
}

#[tokio::test]
async fn a_hostile_file_is_refused_in_english_for_an_english_reader() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    official.get("/lang/en").await;
    let limits = xiaozhen::services::spreadsheets::LIMITS;
    let page = upload(&official, "/proposals/import", "shared_string_count.xlsx").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let shown = page.text("#import-error");
    let refusal = FileError::Limit(Exceeded::SharedStrings {
        max: limits.max_shared_strings,
    });
    assert!(shown.contains(fragment(&refusal, Lang::En)), "{shown}");
    assert!(
        shown.contains(&limits.max_shared_strings.to_string()),
        "the limit is stated: {shown}"
    );
}
