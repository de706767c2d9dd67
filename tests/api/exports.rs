//! Every export: CSV files come out of the one CSV writer, so that each holds
//! a typed formula defused; streamed files hold every row, in the page's order.

use reqwest::StatusCode;
use xiaozhen::domain::Role;

use crate::helpers::{Client, TestApp, sample_input};
use crate::spreadsheets::{bytes_of, read_xlsx};

/// What an official typed as the town's name: a formula.
const TYPED: &str = "=HYPERLINK(\"http://evil.example\",\"点击\")";
/// What an admin typed as the county's name (the creation summary once let `-` through).
const COUNTY: &str = "-2+3县";

/// The cells of a CSV download (BOM checked and removed).
async fn csv_cells(client: &Client, path: &str) -> Vec<Vec<String>> {
    let (status, headers, bytes) = bytes_of(client, path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    assert!(
        headers["content-type"].to_str().unwrap().starts_with("text/csv"),
        "{path}"
    );
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{path}: UTF-8 with a BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.expect("CSV").iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn every_csv_export_holds_the_typed_formula_defused() {
    let app = TestApp::spawn().await;
    let official_user = app.official_of("zc", COUNTY).await;
    let reviewer_id = app.create_user("r9", Role::Reviewer, None).await;
    let admin_id = app.create_user("a9", Role::Admin, None).await;
    // One town listed (in a published batch), one waiting in the queue.
    let listed = app
        .listed(&official_user, reviewer_id, admin_id, &sample_input(TYPED))
        .await;
    app.submitted(&official_user, &sample_input(TYPED)).await;
    let batch: i64 = sqlx::query_scalar("SELECT batch_id FROM batch_entries WHERE proposal_id = $1")
        .bind(listed)
        .fetch_one(&app.db)
        .await
        .unwrap();
    // An acceptance decision: the county gets a line in the summary.
    sqlx::query(
        "INSERT INTO acceptances (proposal_id, named, as_built, settlement, land_quota_mu, tax_rebate_wan, reviewer_id)
         VALUES ($1, true, '{}', '{}', 150, 0, $2)",
    )
    .bind(listed)
    .bind(reviewer_id)
    .execute(&app.db)
    .await
    .unwrap();

    let official = app.client();
    official.login("zc", crate::helpers::PASSWORD).await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let admin = app.login_as(Role::Admin).await;
    let defused_name = format!("'{TYPED}");
    let defused_county = format!("'{COUNTY}");
    for (client, path, want) in [
        (&official, "/proposals/export.csv".to_owned(), &defused_name),
        (&official, "/proposals/export.csv".to_owned(), &defused_county),
        (&reviewer, "/review/export.csv".to_owned(), &defused_name),
        (&reviewer, "/review/export.csv".to_owned(), &defused_county),
        (&app.client(), format!("/batches/{batch}.csv"), &defused_name),
        (&app.client(), format!("/batches/{batch}.csv"), &defused_county),
        (&admin, "/admin/creation/summary.csv".to_owned(), &defused_county),
    ] {
        let cells = csv_cells(client, &path).await;
        assert!(
            cells.iter().flatten().any(|c| c == want),
            "{path} holds {want}: {cells:?}"
        );
        let formulas: Vec<&String> = cells
            .iter()
            .flatten()
            .filter(|c| c.starts_with(['=', '+', '-', '@', '\t', '\r']) && c.parse::<f64>().is_err())
            .collect();
        assert!(formulas.is_empty(), "{path}: {formulas:?}");
    }
    // The summary's figures stay numbers.
    let summary = csv_cells(&admin, "/admin/creation/summary.csv").await;
    assert_eq!(summary[1][..2], [defused_county.clone(), "1".to_owned()]);
    assert_eq!(summary[1][5], "150");
}

/// The queue's and the list's exports are streamed: with more rows than one
/// chunk of CSV (64 KB) or one batch of XLSX rows (512), every row arrives
/// once, in the order of the queue's pages and of the list.
#[tokio::test]
async fn streamed_exports_hold_every_row_in_order() {
    let app = TestApp::spawn().await;
    app.create_user("a0", Role::Admin, None).await;
    xiaozhen::cli::generate::load(&app.db, 3_000).await.unwrap();
    let reviewer = app.login_as(Role::Reviewer).await;

    let submitted: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM proposals WHERE status = 'submitted' ORDER BY submitted_at, id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert!(submitted.len() > 1_000, "{} submitted", submitted.len());
    let ids = |rows: &[Vec<String>]| -> Vec<i64> { rows[1..].iter().map(|r| r[0].parse().unwrap()).collect() };

    let csv = csv_cells(&reviewer, "/review/export.csv").await;
    assert_eq!(csv[0][0], "编号");
    assert_eq!(ids(&csv), submitted);
    let (status, headers, bytes) = bytes_of(&reviewer, "/review/export.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], xiaozhen::handlers::display::XLSX_TYPE);
    let (_, sheet) = read_xlsx(&bytes);
    assert_eq!(ids(&sheet), submitted);
    // The first page of the queue is the export's start.
    let page = reviewer.get("/review").await;
    let first_page: Vec<String> = page.texts("#queue tbody tr td.name");
    assert_eq!(first_page.len(), 50);
    assert_eq!(first_page, csv[1..=50].iter().map(|r| r[1].clone()).collect::<Vec<_>>());

    let admin = app.login_as(Role::Admin).await;
    let all: Vec<i64> = sqlx::query_scalar("SELECT id FROM proposals ORDER BY updated_at DESC, id DESC")
        .fetch_all(&app.db)
        .await
        .unwrap();
    let list = csv_cells(&admin, "/proposals/export.csv").await;
    assert_eq!(ids(&list), all);
    let (_, _, bytes) = bytes_of(&admin, "/proposals/export.xlsx").await;
    let (_, sheet) = read_xlsx(&bytes);
    assert_eq!(ids(&sheet), all);
}

/// Downloads read from a pool of their own: a download holds its
/// connection until the browser has taken its last row, however slowly,
/// and must not take the connections pages need. Here a download waits
/// inside PostgreSQL (its table locked) on a server whose pages have one
/// connection: pages still answer, and the download comes whole once the
/// lock goes.
#[tokio::test]
async fn a_waiting_download_leaves_the_pages_their_connections() {
    let app = TestApp::spawn().await;
    let official = app.official_of("zc", "诸城市").await;
    app.submitted(&official, &sample_input("健康美食小镇")).await;
    let one = app.sibling(1).await;
    let admin = one.reach(app.login_as(Role::Admin).await);

    let mut lock = app.db.begin().await.unwrap();
    sqlx::query("LOCK TABLE proposals IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let download = tokio::spawn({
        let admin = admin.clone();
        async move { csv_cells(&admin, "/proposals/export.csv").await }
    });
    // Until the download's statement waits on the lock.
    let mut waiting = false;
    for _ in 0..100 {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FROM proposals%'",
        )
        .fetch_one(&app.db)
        .await
        .unwrap();
        if n > 0 {
            waiting = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(waiting, "the download's statement never reached the lock");

    let page = admin.get("/account/password").await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "{}",
        &page.body[..page.body.len().min(300)]
    );

    lock.commit().await.unwrap();
    let rows = download.await.unwrap();
    assert_eq!(rows.len(), 2, "the header and the one proposal");
    assert_eq!(rows[1][1], "健康美食小镇");
}
