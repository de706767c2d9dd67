//! The audit log page: filters (actor, action, entity, date range), paging,
//! and immutability in SQL.

use reqwest::StatusCode;
use serde_json::json;
use xiaozhen::db::audit::{self, Entry};
use xiaozhen::domain::Role;

use crate::helpers::{TestApp, refusal, sample_input};

async fn record(app: &TestApp, actor: Option<i64>, action: &str, entity: &str, id: i64) {
    let mut conn = app.db.acquire().await.unwrap();
    audit::record(
        &mut conn,
        Entry {
            actor_id: actor,
            action,
            entity,
            entity_id: Some(id),
            before: None,
            after: Some(json!({"n": id})),
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn the_log_is_filtered_by_actor_action_entity_and_date_and_paged() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let alice = app.create_user("alice", Role::Reviewer, None).await;
    let bob = app.create_user("bob", Role::Reviewer, None).await;
    for i in 0..60 {
        record(&app, Some(alice), "proposal.approved", "proposal", i).await;
    }
    for i in 0..3 {
        record(&app, Some(bob), "batch.published", "batch", i).await;
    }
    let all = admin.get("/admin/audit").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.texts("tr.log").len(), 50, "50 a page");
    assert_eq!(all.text("nav.pager .page-no"), "1 / 2");
    let next = all.attr("nav.pager a[rel=next]", "href").unwrap();
    let second = admin.get(&next).await;
    assert_eq!(second.texts("tr.log").len(), 13);

    let by_bob = admin.get("/admin/audit?actor=bob").await;
    assert_eq!(by_bob.text(".total .count"), "3");
    assert!(by_bob.texts("td.actor").iter().all(|a| a == "bob display (bob)"));
    let by_action = admin.get("/admin/audit?action=proposal.approved").await;
    assert_eq!(by_action.text(".total .count"), "60");
    let by_prefix = admin.get("/admin/audit?action=batch.").await;
    assert_eq!(by_prefix.text(".total .count"), "3");
    let by_entity = admin.get("/admin/audit?entity=batch&entity_id=2").await;
    assert_eq!(by_entity.text(".total .count"), "1");
    assert_eq!(
        by_entity.attr("td.entity a", "href").as_deref(),
        Some("/admin/batches/2")
    );
    let paged = admin.get("/admin/audit?actor=alice&page=2").await;
    assert_eq!(paged.texts("tr.log").len(), 10);
    assert!(
        paged
            .attr("nav.pager a[rel=prev]", "href")
            .unwrap()
            .contains("actor=alice"),
        "filters kept when paging"
    );

    // Dates are China Standard Time days, both ends inclusive.
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive();
    let yesterday = today - chrono::Duration::days(1);
    let t = today.format("%Y-%m-%d").to_string();
    let y = yesterday.format("%Y-%m-%d").to_string();
    assert_eq!(
        admin
            .get(&format!("/admin/audit?actor=bob&from={t}&to={t}"))
            .await
            .text(".total .count"),
        "3"
    );
    assert_eq!(
        admin
            .get(&format!("/admin/audit?actor=bob&to={y}"))
            .await
            .text(".total .count"),
        "0"
    );
    assert!(admin.get(&format!("/admin/audit?actor=bob&to={y}")).await.has(".empty"));
    let bad = admin.get("/admin/audit?from=31.12.2026").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.has(".form-error"));
}

#[tokio::test]
async fn the_audit_log_cannot_be_changed_even_in_sql() {
    let app = TestApp::spawn().await;
    record(&app, None, "test.entry", "test", 1).await;
    let refused = ("23001".to_owned(), "audit_log rows are immutable".to_owned());
    for sql in [
        "UPDATE audit_log SET action = 'forged' WHERE entity_id = $1",
        "DELETE FROM audit_log WHERE entity_id = $1",
    ] {
        assert_eq!(refusal(&app.db, sql, 1).await, refused, "{sql}");
    }
    for statement in ["TRUNCATE audit_log", "TRUNCATE audit_log CASCADE"] {
        let refused = sqlx::query(statement).execute(&app.db).await.expect_err(statement);
        assert!(
            refused.to_string().contains("audit_log rows are immutable"),
            "{statement}: {refused}"
        );
    }
    let action: String = sqlx::query_scalar("SELECT action FROM audit_log")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(action, "test.entry");
}

#[tokio::test]
async fn admin_actions_write_audit_rows_that_the_page_shows() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let created = admin
        .post("/admin/batches", &[("kind", "list"), ("title", "Audited batch")])
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let page = admin.get("/admin/audit?entity=batch").await;
    assert_eq!(page.texts("td.action"), ["batch.created"]);
    assert_eq!(page.text("td.actor"), "admin1 display (admin1)");
}

#[tokio::test]
async fn an_evaluation_cannot_be_changed_or_deleted_even_in_sql() {
    let app = TestApp::spawn().await;
    let official = app.official_of("off", "诸城市").await;
    let id = app.submitted(&official, &sample_input("Town A")).await;
    let (evaluation, overall): (i64, String) =
        sqlx::query_as("SELECT id, overall FROM evaluations WHERE proposal_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(overall, "pass");
    let refused = ("23001".to_owned(), "evaluations rows are immutable".to_owned());
    for sql in [
        "UPDATE evaluations SET overall = 'fail' WHERE id = $1",
        "UPDATE evaluations SET findings = '[]' WHERE id = $1",
        "DELETE FROM evaluations WHERE id = $1",
    ] {
        assert_eq!(refusal(&app.db, sql, evaluation).await, refused, "{sql}");
    }
    let (count, overall): (i64, String) =
        sqlx::query_as("SELECT count(*), max(overall) FROM evaluations WHERE proposal_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((count, overall.as_str()), (1, "pass"));
}
