//! The layout, error pages, static files, health and security headers.

use reqwest::StatusCode;

use crate::helpers::TestApp;

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
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(page.headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(page.headers["referrer-policy"], "same-origin", "{path}");
    }
}
