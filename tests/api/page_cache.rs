//! The page cache (src/page_cache.rs): a kept page is served only to its
//! user, in its language, with the requester's own CSRF token, and never
//! after the data under it changed — whoever changed it.

use reqwest::StatusCode;
use xiaozhen::domain::Role;

use crate::helpers::{PASSWORD, TestApp, sample_input};

async fn data_version(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT version FROM data_version")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_table_a_page_shows_bumps_the_data_version_once_per_transaction() {
    let app = TestApp::spawn().await;
    // A table added by a later migration without the trigger would let
    // pages outlive its changes.
    let missing: Vec<String> = sqlx::query_scalar(
        "SELECT t.tablename::text FROM pg_tables t
         WHERE t.schemaname = current_schema()
           AND t.tablename NOT IN ('sessions', 'login_attempts', 'data_version', 'session_version', '_sqlx_migrations')
           AND NOT EXISTS (
               SELECT 1 FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
               WHERE c.relname = t.tablename AND g.tgname = 'data_changed')
         ORDER BY 1",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert!(
        missing.is_empty(),
        "tables without the data_changed trigger: {missing:?}"
    );

    let before = data_version(&app).await;
    let official = app.official_of("zc", "诸城市").await;
    let after_user = data_version(&app).await;
    assert!(after_user > before, "a new user changes the version");
    // One transaction writing many rows of several tables bumps it once.
    let mut tx = app.db.begin().await.unwrap();
    for n in 0..3 {
        sqlx::query("INSERT INTO regions (name) VALUES ($1)")
            .bind(format!("新区{n}"))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE users SET display_name = '改名' WHERE id = $1")
        .bind(official.id)
        .execute(&mut *tx)
        .await
        .unwrap();
    // Not visible before the commit: a page read meanwhile is kept under
    // the old number together with the old data.
    let mut other = app.db.acquire().await.unwrap();
    let during: i64 = sqlx::query_scalar("SELECT version FROM data_version")
        .fetch_one(&mut *other)
        .await
        .unwrap();
    assert_eq!(during, after_user);
    tx.commit().await.unwrap();
    assert_eq!(data_version(&app).await, after_user + 1);
    // A rolled-back transaction leaves it alone; so does a session write.
    let mut tx = app.db.begin().await.unwrap();
    sqlx::query("INSERT INTO regions (name) VALUES ('回滚区')")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let client = app.client();
    client.get("/login").await;
    assert_eq!(data_version(&app).await, after_user + 1);
}

#[tokio::test]
async fn a_kept_report_is_not_served_once_anything_under_it_changed() {
    let app = TestApp::spawn().await;
    let official = app.official_of("zc", "诸城市").await;
    let id = app.submitted(&official, &sample_input("缓存小镇")).await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let path = format!("/proposals/{id}/report");

    let first = reviewer.get(&path).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.text("article h1"), "缓存小镇");
    assert!(
        first.text("p.meta").contains("已提交待评审"),
        "{}",
        first.text("p.meta")
    );
    // The same page again (kept).
    assert_eq!(reviewer.get(&path).await.body, first.body);

    // A change made behind the application's back (another server, psql)
    // is seen on the next request.
    sqlx::query("UPDATE proposals SET name = '改名小镇' WHERE id = $1")
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    let renamed = reviewer.get(&path).await;
    // (The data table below keeps the name as evaluated.)
    assert_eq!(renamed.text("article h1"), "改名小镇", "the rename is shown");

    // A decision through the application: the report and the queue move.
    let queue = reviewer.get("/review").await;
    assert!(queue.texts("#queue tbody td.name").contains(&"改名小镇".to_owned()));
    let version = app.proposal_version(id).await;
    let decided = reviewer
        .post(
            &format!("/proposals/{id}/decision"),
            &[
                ("decision", "approve"),
                ("comment", ""),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    let after = reviewer.get(&path).await;
    assert!(after.text("p.meta").contains("评审通过"), "{}", after.text("p.meta"));
    let queue = reviewer.get("/review").await;
    assert!(!queue.texts("#queue tbody td.name").contains(&"改名小镇".to_owned()));
}

#[tokio::test]
async fn a_kept_page_is_served_only_to_its_user_in_their_language_with_their_token() {
    let app = TestApp::spawn().await;
    let official = app.official_of("zc", "诸城市").await;
    let id = app.submitted(&official, &sample_input("缓存小镇")).await;
    app.create_user("reviewer1", Role::Reviewer, None).await;
    app.create_user("reviewer2", Role::Reviewer, None).await;
    app.create_user("qz", Role::Official, Some("青州市")).await;
    let path = format!("/proposals/{id}/report");

    let one = app.client();
    one.login("reviewer1", PASSWORD).await;
    let kept = one.get(&path).await;
    assert_eq!(kept.status, StatusCode::OK);
    assert!(kept.text("header .user").starts_with("reviewer1 display"));

    // Another reviewer: their own name in the header, not the kept page's.
    let two = app.client();
    two.login("reviewer2", PASSWORD).await;
    let theirs = two.get(&path).await;
    assert!(theirs.text("header .user").starts_with("reviewer2 display"));

    // An official of another region still gets 404, however often the
    // page was served to others.
    let stranger = app.client();
    stranger.login("qz", PASSWORD).await;
    assert_eq!(stranger.get(&path).await.status, StatusCode::NOT_FOUND);

    // The same reviewer in a second session: the kept page carries this
    // session's token, and its decision form works with it.
    let again = app.client();
    again.login("reviewer1", PASSWORD).await;
    let served = again.get(&path).await;
    assert_ne!(served.csrf(), kept.csrf(), "each session has its own token");
    assert_eq!(served.body.replace(&served.csrf(), &kept.csrf()), kept.body);
    let version = app.proposal_version(id).await;
    let decided = again
        .post_raw(
            &format!("/proposals/{id}/decision"),
            &[
                ("csrf_token", &served.csrf()),
                ("decision", "approve"),
                ("comment", ""),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);

    // English for the same user and address is its own page.
    let zh = one.get(&path).await;
    assert_eq!(zh.attr("html", "lang").as_deref(), Some("zh-CN"));
    one.get(&format!("/lang/en?next={path}")).await;
    let en = one.get(&path).await;
    assert_eq!(en.attr("html", "lang").as_deref(), Some("en"));
    assert!(en.text("p.meta").contains("Approved"), "{}", en.text("p.meta"));
}
