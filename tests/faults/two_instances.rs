//! Two server instances on one database, each with its own connection pool,
//! serve the same users: a session made on one works on the other, a page
//! the first keeps is not served after the second changed its data, and a
//! logout on one ends it on both.

use std::str::FromStr;

use reqwest::StatusCode;
use sqlx::postgres::PgConnectOptions;
use xiaozhen::domain::Role;

use crate::helpers::{PASSWORD, TestApp};
use crate::support;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_session_made_on_one_instance_works_on_the_other() {
    let app = TestApp::spawn().await;
    // The second instance: its own pool on the same database.
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let opts = PgConnectOptions::from_str(&crate::helpers::server_url())
        .unwrap()
        .database(&name);
    let pool = xiaozhen::db::pool(opts).await.expect("second pool");
    let (other_addr, other_server) = support::serve(pool.clone()).await;
    let other_base = format!("http://{other_addr}");
    app.create_user("reviewer1", Role::Reviewer, None).await;
    let official = app.official_of("zc", "诸城市").await;
    let id = app
        .submitted(&official, &crate::helpers::sample_input("双实例小镇"))
        .await;

    let on_one = app.client();
    assert_eq!(on_one.login("reviewer1", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let session = on_one.session_cookie().expect("a session");
    let mut on_two = app.client_with_session(Some(&session));
    on_two.base = other_base.clone();

    for path in ["/review", &format!("/proposals/{id}/report"), "/account/password"] {
        let one = on_one.get(path).await;
        let two = on_two.get(path).await;
        assert_eq!(one.status, StatusCode::OK, "{path} on the first instance");
        assert_eq!(
            two.status,
            StatusCode::OK,
            "{path} on the second instance: {}",
            two.body
        );
        assert_eq!(
            two.text("header .user"),
            one.text("header .user"),
            "the same user on both instances"
        );
    }
    // A form made on one instance is accepted by the other (same CSRF token).
    let token = on_one.csrf().await;
    let version = app.proposal_version(id).await;
    let decided = on_two
        .post_raw(
            &format!("/proposals/{id}/decision"),
            &[
                ("csrf_token", &token),
                ("decision", "approve"),
                ("comment", ""),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    // The first instance kept the report (requested above, before the
    // decision); it shows the decision made on the second.
    let report = on_one.get(&format!("/proposals/{id}/report")).await;
    assert!(
        report.text("p.meta").contains("评审通过"),
        "the decision made on the other instance: {}",
        report.text("p.meta")
    );

    // Logout on the second ends the session on the first too.
    assert_eq!(on_two.logout().await.status, StatusCode::SEE_OTHER);
    let after = app.client_with_session(Some(&session));
    let page = after.get("/review").await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "signed out on the first instance too"
    );
    assert!(page.location().unwrap_or_default().starts_with("/login"));

    other_server.abort();
    pool.close().await;
}
