//! The layout, error pages, static files, health and security headers.

use reqwest::StatusCode;

use crate::helpers::{Binary, TestApp};

#[tokio::test]
async fn home_page_renders_the_layout_in_chinese_by_default() {
    let app = TestApp::spawn().await;
    let page = app.client().get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.attr("html", "lang").as_deref(), Some("zh-CN"));
    assert_eq!(page.text("a.brand"), "镇特色小镇申报评审系统");
    assert_eq!(page.text("main h1"), "特色小镇创建名单");
    assert!(page.has("a.login"), "anonymous visitors are offered the login link");
}

#[tokio::test]
async fn english_is_selectable_and_remembered() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let switch = client.get("/lang/en?next=/login").await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(switch.location().as_deref(), Some("/login"));
    let page = client.get("/").await;
    assert_eq!(page.attr("html", "lang").as_deref(), Some("en"));
    assert_eq!(page.text("main h1"), "Creation list of characteristic towns");
    // And back.
    client.get("/lang/zh-CN").await;
    assert_eq!(client.get("/").await.text("main h1"), "特色小镇创建名单");
    // The switch never redirects off the site.
    let evil = client.get("/lang/en?next=//evil.example/").await;
    assert_eq!(evil.location().as_deref(), Some("/"));
}

#[tokio::test]
async fn unknown_path_is_a_404_page_in_the_layout() {
    let app = TestApp::spawn().await;
    let page = app.client().get("/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(page.text("main h1"), "页面不存在");
    assert!(page.has("header.site"), "error pages use the layout");
}

#[tokio::test]
async fn static_files_are_served_by_content_hash() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let home = client.get("/").await;
    let css = home.attr("link[rel=stylesheet]", "href").expect("stylesheet link");
    assert!(css.starts_with("/static/") && css.ends_with("/css/app.css"), "{css}");
    let file = client.get(&css).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.headers["content-type"].to_str().unwrap().starts_with("text/css"));
    assert!(file.headers["cache-control"].to_str().unwrap().contains("immutable"));
    assert!(file.body.contains("@media print"), "the stylesheet prints on A4");
    let stale = client.get("/static/000000000000/css/app.css").await;
    assert_eq!(stale.status, StatusCode::OK);
    assert_eq!(stale.headers["cache-control"], "no-cache");
    assert_eq!(
        client.get("/static/abc/css/none.css").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn healthz_answers_200_with_the_database_up() {
    let app = TestApp::spawn().await;
    let page = app.client().get("/healthz").await;
    assert_eq!(page.status, StatusCode::OK);
}

#[tokio::test]
async fn healthz_answers_503_when_the_database_is_down() {
    // A pool on a port where nothing listens: the database is "down".
    let opts = sqlx::postgres::PgConnectOptions::new()
        .host("127.0.0.1")
        .port(1)
        .username("postgres");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_millis(500))
        .connect_lazy_with(opts);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = xiaozhen::build_app(xiaozhen::AppState::new(pool, Default::default()));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let response = reqwest::get(format!("http://{addr}/healthz")).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    // A page that needs the database is a friendly 503 page, not a 500.
    let response = reqwest::get(format!("http://{addr}/")).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = scraper::Html::parse_document(&response.text().await.unwrap());
    let h1 = scraper::Selector::parse("main h1").unwrap();
    let headings: Vec<String> = page.select(&h1).map(|e| e.text().collect()).collect();
    assert_eq!(headings, ["服务暂时不可用"]);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for path in ["/", "/login", "/no/such/page", "/healthz"] {
        let page = client.get(path).await;
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
        for directive in ["script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"] {
            assert!(directives.contains(&directive), "{path}: {directive} in {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(page.headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(page.headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(page.headers["referrer-policy"], "same-origin", "{path}");
    }
}

/// The `Set-Cookie` header that sets `name`.
fn set_cookie(headers: &reqwest::header::HeaderMap, name: &str) -> String {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no cookie {name} in {headers:?}"))
        .to_owned()
}

fn attributes(cookie: &str) -> Vec<String> {
    cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

#[tokio::test]
async fn cookies_are_secure_behind_https_and_only_then() {
    let app = TestApp::spawn().await;
    let (_server, base) =
        Binary::serve(&app.database_url().await, &[("XIAOZHEN_SECURE_COOKIES", "1")]).expect("the server starts");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = http.get(format!("{base}/login")).send().await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let session = attributes(&set_cookie(login.headers(), "xiaozhen_session"));
    for attribute in ["secure", "httponly", "samesite=lax"] {
        assert!(session.iter().any(|a| a == attribute), "{attribute} in {session:?}");
    }
    let lang = http.get(format!("{base}/lang/en")).send().await.unwrap();
    assert_eq!(lang.status(), StatusCode::SEE_OTHER);
    let lang = attributes(&set_cookie(lang.headers(), "lang"));
    assert!(lang.iter().any(|a| a == "secure"), "{lang:?}");

    // Without the setting (plain HTTP), no cookie is Secure: a browser
    // would not send it back.
    let client = app.client();
    let login = client.get("/login").await;
    assert!(!attributes(&set_cookie(&login.headers, "xiaozhen_session")).contains(&"secure".to_owned()));
    let lang = client.get("/lang/en").await;
    assert!(!attributes(&set_cookie(&lang.headers, "lang")).contains(&"secure".to_owned()));
}

#[tokio::test]
async fn start_up_refuses_a_built_in_standard_changed_without_a_new_version() {
    let app = TestApp::spawn().await;
    // The database holds ZJ-2015 version 1 as written before; the binary's
    // file of the same version now differs (here: the stored copy is made
    // to differ, behind the guard trigger's back, as a changed file would).
    let mut conn = app.db.acquire().await.unwrap();
    // Triggers off for this connection only (superuser), as a restore would.
    for sql in [
        "SET session_replication_role = replica",
        "UPDATE standards SET definition = jsonb_set(definition, '{name_en}', '\"An older wording\"'),
             content_hash = md5(content_hash) WHERE code = 'ZJ-2015' AND version = 1",
        "RESET session_replication_role",
    ] {
        sqlx::query(sql).execute(&mut *conn).await.unwrap();
    }
    drop(conn);
    let refused = "the built-in standard ZJ-2015 version 1 differs from the one already in the database";

    // The loading function refuses ...
    let mut tx = app.db.begin().await.unwrap();
    let err = xiaozhen::db::standards::sync_builtin(&mut tx)
        .await
        .expect_err("a changed built-in version is refused");
    assert!(err.to_string().contains(refused), "{err}");
    tx.rollback().await.unwrap();

    // ... and so does the real server at start-up: it exits saying why,
    // before it listens.
    let Err(exit) = Binary::serve(&app.database_url().await, &[]) else {
        panic!("the server started on a changed built-in standard")
    };
    assert!(!exit.starts_with("exit status: 0"), "{exit}");
    assert!(exit.contains(refused), "{exit}");
    assert!(exit.contains("give the changed file a new version number"), "{exit}");
}
