//! The database goes away and comes back: a private PostgreSQL cluster
//! started for this test only (never the shared server) is stopped under a
//! running application, which must answer 503 quickly (a friendly page, no
//! panic) and recover by itself once the cluster is back.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use xiaozhen::db::embedded::{Cluster, Reuse};
use xiaozhen::domain::Role;

use crate::support::{self, Browser};

/// A folder under /tmp the `postgres` user can enter (the cluster runs as
/// that user when the tests run as root); removed with this value.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let path = PathBuf::from(format!("/tmp/xz-outage-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir(&path).expect("create the data folder");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod 0755");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A page's status and its `main h1` headings. The browser's own bound on a
/// request (20 s) turns a stalled answer into a failure; how fast the 503
/// comes is measured elsewhere, not asserted here.
async fn answer(browser: &Browser, path: &str) -> (StatusCode, Vec<String>, String) {
    let page = browser
        .get(path)
        .await
        .unwrap_or_else(|e| panic!("GET {path} got no answer while the database is down: {e}"));
    (page.status, headings(&page.body), page.body)
}

fn headings(body: &str) -> Vec<String> {
    let html = scraper::Html::parse_document(body);
    let h1 = scraper::Selector::parse("main h1").expect("selector");
    html.select(&h1)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

/// The heading of the friendly page shown while the database is away.
const UNAVAILABLE: &str = "服务暂时不可用";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_database_goes_away_and_the_application_recovers_without_a_restart() {
    if std::env::var("TEST_LOG").is_ok() {
        xiaozhen::telemetry::init();
    }
    let dir = TempDir::new();
    let cluster = Cluster::open(&dir.0, None, Reuse::Refuse)
        .await
        .expect("private cluster starts");
    let url = cluster.database_url().to_owned();
    let pool = xiaozhen::db::connect(&url).await.expect("connect");
    support::prepare(&pool).await;
    support::add_user(&pool, "reviewer1", Role::Reviewer, None).await;
    let (addr, server) = support::serve(pool.clone()).await;
    let base = format!("http://{addr}");

    let anonymous = Browser::new(&base);
    let reviewer = Browser::new(&base);
    assert_eq!(anonymous.get("/healthz").await.unwrap().status, StatusCode::OK);
    assert_eq!(reviewer.login("reviewer1").await.unwrap().status, StatusCode::SEE_OTHER);
    assert_eq!(reviewer.get("/review").await.unwrap().status, StatusCode::OK);

    // The login form's token, taken while the database is up.
    let token = crate::support::token_in(&anonymous.get("/login").await.unwrap().body).expect("a token");
    cluster.stop().await.expect("the cluster stops");

    let (status, _, body) = answer(&anonymous, "/healthz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let mut wrong = Vec::new();
    for (who, browser, path, expected, heading) in [
        (
            "anonymous",
            &anonymous,
            "/",
            StatusCode::SERVICE_UNAVAILABLE,
            UNAVAILABLE,
        ),
        // Every request reads its session and the data version in one
        // statement, so even the login page (with or without a cookie) is
        // the 503 page.
        (
            "anonymous",
            &anonymous,
            "/login",
            StatusCode::SERVICE_UNAVAILABLE,
            UNAVAILABLE,
        ),
        (
            "anonymous",
            &Browser::new(&base),
            "/login",
            StatusCode::SERVICE_UNAVAILABLE,
            UNAVAILABLE,
        ),
        (
            "reviewer",
            &reviewer,
            "/review",
            StatusCode::SERVICE_UNAVAILABLE,
            UNAVAILABLE,
        ),
        ("reviewer", &reviewer, "/", StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE),
    ] {
        let (status, h1, body) = answer(browser, path).await;
        if status != expected || h1 != [heading] {
            wrong.push(format!(
                "{who} GET {path}: {status} {h1:?}, not {expected} {heading}: {body:.200}"
            ));
        }
    }
    // A form post too: the 503 page, never 500.
    let login = anonymous
        .post(
            "/login",
            &token,
            &[("username".into(), "reviewer1".into()), ("password".into(), "x".into())],
        )
        .await
        .expect("an answer");
    if login.status != StatusCode::SERVICE_UNAVAILABLE || headings(&login.body) != [UNAVAILABLE] {
        wrong.push(format!("POST /login: {}: {:.300}", login.status, login.body));
    }
    assert!(!server.is_finished(), "the server survived");

    // Back again: the same folder, the same socket; the pool reconnects.
    let cluster = Cluster::open(&dir.0, None, Reuse::Refuse)
        .await
        .expect("the cluster starts again");
    assert_eq!(cluster.database_url(), url);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = anonymous.get("/healthz").await.unwrap().status;
        if status == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "/healthz still {status} after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(anonymous.get("/").await.unwrap().status, StatusCode::OK);
    assert_eq!(anonymous.get("/login").await.unwrap().status, StatusCode::OK);
    let page = reviewer.get("/review").await.unwrap();
    assert_eq!(page.status, StatusCode::OK, "the session survived: {}", page.body);

    server.abort();
    pool.close().await;
    cluster.stop().await.expect("the cluster stops");
    assert!(wrong.is_empty(), "while the database was down:\n{}", wrong.join("\n"));
}
