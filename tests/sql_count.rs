//! Each busy page runs a small, fixed number of SQL statements (session
//! queries included): at most 6, and the same with 10 and with 10,000
//! proposals in the database. Statements are counted from sqlx's own query
//! log (`sqlx::query` events) while one request is served.
//!
//! Pages are counted as rendered (the first request after a change), and
//! again as kept by the page cache: a kept page costs the session's one
//! statement.
//!
//! A test binary of its own: the counting subscriber is the process's
//! global one, so no other test's tracing set-up can hide the events (in a
//! shared binary it once counted nothing, and "0 ≤ 6" passed).

#[path = "api/helpers.rs"]
mod helpers;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::StatusCode;
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use xiaozhen::domain::Role;
use xiaozhen::services::reviews::{Decision, DecisionInput};

use crate::helpers::{Client, TestApp, sample_input};

/// Statements run, and connections taken from a pool.
#[derive(Default)]
struct Counter {
    statements: AtomicUsize,
    connections: AtomicUsize,
}

struct CountQueries(Arc<Counter>);

impl<S: Subscriber> Layer<S> for CountQueries {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        match event.metadata().target() {
            "sqlx::query" => self.0.statements.fetch_add(1, Ordering::SeqCst),
            xiaozhen::db::POOL_EVENTS => self.0.connections.fetch_add(1, Ordering::SeqCst),
            _ => 0,
        };
    }
}

/// Statements run while serving one request.
async fn statements(counter: &Counter, request: impl Future<Output = crate::helpers::Page>) -> usize {
    counted(counter, request).await.0
}

/// Statements run and connections taken while serving one request.
async fn counted(counter: &Counter, request: impl Future<Output = crate::helpers::Page>) -> (usize, usize) {
    let before = (
        counter.statements.load(Ordering::SeqCst),
        counter.connections.load(Ordering::SeqCst),
    );
    let page = request.await;
    assert!(
        page.status == StatusCode::OK,
        "{}: {}",
        page.status,
        &page.body[..page.body.len().min(300)]
    );
    (
        counter.statements.load(Ordering::SeqCst) - before.0,
        counter.connections.load(Ordering::SeqCst) - before.1,
    )
}

struct Pages {
    batch: usize,
    queue: usize,
    report: usize,
    /// Connections the rendered queue and report took from the pool.
    queue_connections: usize,
    report_connections: usize,
    evaluate: usize,
    queue_kept: usize,
    report_kept: usize,
    /// A searched queue, rendered.
    searched: usize,
}

async fn count_pages(app: &TestApp, counter: &Counter, reviewer: &Client, batch: i64, report: i64) -> Pages {
    let anonymous = app.client();
    let body = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/sample-proposal.json")).unwrap();
    // Warm the pool so connection set-up is not counted, the in-memory
    // copy of the published batch (it never changes) and the queue's
    // catalogue (kept until a region, standard or round changes), as on a
    // running server; not with the counted pages, which would then be kept
    // ones.
    reviewer.get("/account/password").await;
    anonymous.get(&format!("/batches/{batch}")).await;
    reviewer.get("/review?status=approved").await;
    let report_path = format!("/proposals/{report}/report");
    let batch = statements(counter, anonymous.get(&format!("/batches/{batch}"))).await;
    let (queue, queue_connections) = counted(counter, reviewer.get("/review")).await;
    let (report, report_connections) = counted(counter, reviewer.get(&report_path)).await;
    // 小镇, by eligible investment: a search has no counter.
    let searched = statements(
        counter,
        reviewer.get("/review?q=%E5%B0%8F%E9%95%87&sort=eligible&dir=desc"),
    )
    .await;
    Pages {
        searched,
        batch,
        queue,
        report,
        queue_connections,
        report_connections,
        queue_kept: statements(counter, reviewer.get("/review")).await,
        report_kept: statements(counter, reviewer.get(&report_path)).await,
        evaluate: statements(counter, async {
            let response = anonymous
                .http
                .post(format!("{}/api/v1/evaluate", anonymous.base))
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            crate::helpers::Page {
                status: response.status(),
                headers: response.headers().clone(),
                body: response.text().await.unwrap(),
            }
        })
        .await,
    }
}

/// The process's one counter (both tests of this binary share it; they
/// count differences, and run one after the other: see `SERIAL`).
fn counter() -> Arc<Counter> {
    static COUNTER: std::sync::OnceLock<Arc<Counter>> = std::sync::OnceLock::new();
    COUNTER
        .get_or_init(|| {
            let counter = Arc::new(Counter::default());
            let subscriber = tracing_subscriber::registry().with(CountQueries(counter.clone()));
            tracing::subscriber::set_global_default(subscriber).expect("the only subscriber of this test binary");
            counter
        })
        .clone()
}

/// Counting is by difference of one global counter: one test at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn busy_pages_run_at_most_six_statements_whatever_the_data() {
    let _serial = SERIAL.lock().await;
    let counter = counter();

    let app = TestApp::spawn().await;
    let official = app.official_of("official-a", "诸城市").await;
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(app.submitted(&official, &sample_input(&format!("小镇{i}"))).await);
    }
    let reviewer_id = app.create_user("reviewer-a", Role::Reviewer, None).await;
    let reviewer_user = app.user(reviewer_id).await;
    xiaozhen::services::reviews::decide(
        &app.db,
        &reviewer_user,
        ids[0],
        &DecisionInput::new(Decision::Approve, "同意", 2),
    )
    .await
    .unwrap();
    let admin = app.create_user("admin-a", Role::Admin, None).await;
    let batch = xiaozhen::services::batches::create_list_batch_without_notice(&app.db, admin, "第一批", "")
        .await
        .unwrap();
    xiaozhen::services::batches::add_entry(&app.db, admin, batch, ids[0], "")
        .await
        .unwrap();
    xiaozhen::services::batches::publish(&app.db, admin, batch)
        .await
        .unwrap();
    let reviewer = app.client();
    reviewer.login("reviewer-a", crate::helpers::PASSWORD).await;

    let small = count_pages(&app, &counter, &reviewer, batch, ids[1]).await;
    // A new region changes the catalogue: the next rendered queue reads it
    // once more, the one after does not.
    sqlx::query("INSERT INTO regions (name) VALUES ('青州市')")
        .execute(&app.db)
        .await
        .unwrap();
    let after_change = statements(&counter, reviewer.get("/review?sort=name")).await;
    let after_that = statements(&counter, reviewer.get("/review?sort=eligible")).await;
    // The counters are read again too (the data version moved), then kept.
    assert_eq!(
        (after_change, after_that),
        (4, 2),
        "the catalogue is read again only after it changed"
    );
    xiaozhen::cli::generate::load(&app.db, 10_000).await.unwrap();
    let large = count_pages(&app, &counter, &reviewer, batch, ids[1]).await;

    for (name, s, l) in [
        ("public batch page", small.batch, large.batch),
        ("review queue", small.queue, large.queue),
        ("report page", small.report, large.report),
        ("POST /api/v1/evaluate", small.evaluate, large.evaluate),
        ("review queue, kept", small.queue_kept, large.queue_kept),
        ("review queue, searched", small.searched, large.searched),
        ("report page, kept", small.report_kept, large.report_kept),
    ] {
        println!("{name}: {s} statements with 10 proposals, {l} with 10,010");
        // Every page reads something (its session at least, or the
        // standard): zero would mean the counting itself is broken.
        assert!(s >= 1, "{name}: no statement counted");
        assert!(s <= 6, "{name} runs {s} statements");
        assert_eq!(s, l, "{name}: the count must not grow with the data");
    }
    assert!(small.queue > 1 && small.report > 1, "the first requests were rendered");
    // Each statement is a round trip that PostgreSQL and the server both
    // pay for (issue 19): the rendered report reads its page in one
    // statement beside the session's, the queue its page (its counters,
    // read by the warm-up's queue, are kept while the data version stands).
    assert_eq!(
        small.report, 2,
        "a rendered report: the session's statement and its own"
    );
    assert_eq!(
        small.queue, 2,
        "a rendered queue: the session's and the page's, the counters kept"
    );
    // A search has no counter: its page and its count come in one
    // statement, which visits each matching row once.
    assert_eq!(
        small.searched, 2,
        "a searched queue: the session's and the counted page's"
    );
    // The session's statement and the page's run on one connection: each
    // return to the pool is another round trip (sqlx checks the
    // connection), and each taking a wait in the pool's queue.
    for (name, small, large) in [
        ("rendered queue", small.queue_connections, large.queue_connections),
        ("rendered report", small.report_connections, large.report_connections),
    ] {
        assert_eq!((small, large), (1, 1), "{name}: connections taken from the pool");
    }
    assert_eq!(small.queue_kept, 1, "a kept queue costs only the session's statement");
    assert_eq!(small.report_kept, 1, "a kept report costs only the session's statement");
}

/// The reviewers' creation list reads the period of every town with an
/// overdue year (未按时报送) at once: as many statements for twelve such
/// towns as for one (it once read each town apart, four statements each).
#[tokio::test]
async fn the_creation_list_reads_overdue_towns_in_a_fixed_number_of_statements() {
    let _serial = SERIAL.lock().await;
    let counter = counter();
    let app = TestApp::spawn().await;
    let official = app.official_of("official-a", "诸城市").await;
    let reviewer_id = app.create_user("reviewer-a", Role::Reviewer, None).await;
    let admin = app.create_user("admin-a", Role::Admin, None).await;
    let reviewer = app.client();
    reviewer.login("reviewer-a", crate::helpers::PASSWORD).await;
    // Listed in 2022 (`TestApp::listed`): 2022–2024 are overdue.
    let overdue_rows = |body: &str| body.matches("class=\"badge warn overdue\"").count();

    app.listed(&official, reviewer_id, admin, &sample_input("小镇0")).await;
    reviewer.get("/account/password").await;
    let one = statements(&counter, reviewer.get("/review/creation")).await;
    let page = reviewer.get("/review/creation").await;
    let rows_one = overdue_rows(&page.body);

    for i in 1..12 {
        app.listed(&official, reviewer_id, admin, &sample_input(&format!("小镇{i}")))
            .await;
    }
    let twelve = statements(&counter, reviewer.get("/review/creation")).await;
    let page = reviewer.get("/review/creation").await;
    let rows_twelve = overdue_rows(&page.body);

    println!("/review/creation: {one} statements with 1 overdue town, {twelve} with 12");
    assert!(rows_one >= 3, "one town's three overdue years are listed: {rows_one}");
    assert_eq!(rows_twelve, rows_one * 12, "every town's overdue years are listed");
    assert_eq!(one, twelve, "the count must not grow with the towns");
    assert!(one <= 8, "/review/creation runs {one} statements");
}
