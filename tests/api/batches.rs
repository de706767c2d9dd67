//! Composing and publishing batches of the creation list: the admin's
//! pages, publication in one transaction, the refusals (edits only in
//! draft, approved-only entries, a second or concurrent publication) and
//! withdrawal batches.

use reqwest::StatusCode;
use serde_json::{Value, json};
use xiaozhen::auth::User;
use xiaozhen::domain::Role;
use xiaozhen::services::batches::{self as service, BatchError};

use crate::helpers::{Client, TestApp, sample_input};

/// A reviewer's comment, which must never be public.
pub const SECRET_COMMENT: &str = "SECRET-REVIEW-COMMENT";

/// A proposal of `official` submitted and approved (status + review row with
/// `overrides`); returns its id.
pub async fn approved_with(app: &TestApp, official: &User, name: &str, overrides: Value) -> i64 {
    let id = app.submitted(official, &sample_input(name)).await;
    let reviewer: i64 = match sqlx::query_scalar("SELECT id FROM users WHERE username = 'reviewer9'")
        .fetch_optional(&app.db)
        .await
        .expect("query")
    {
        Some(id) => id,
        None => app.create_user("reviewer9", Role::Reviewer, None).await,
    };
    sqlx::query("UPDATE proposals SET status = 'approved', version = version + 1 WHERE id = $1")
        .bind(id)
        .execute(&app.db)
        .await
        .expect("approve");
    sqlx::query(
        "INSERT INTO reviews (proposal_id, evaluation_id, reviewer_id, decision, comment, overrides)
         SELECT $1, (SELECT max(id) FROM evaluations WHERE proposal_id = $1), $2, 'approve', $3, $4",
    )
    .bind(id)
    .bind(reviewer)
    .bind(SECRET_COMMENT)
    .bind(overrides)
    .execute(&app.db)
    .await
    .expect("review row");
    id
}

pub async fn approved(app: &TestApp, official: &User, name: &str) -> i64 {
    approved_with(app, official, name, json!([])).await
}

pub async fn status_of(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT status FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("status")
}

pub async fn admin_id(app: &TestApp) -> i64 {
    match sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' ORDER BY id LIMIT 1")
        .fetch_optional(&app.db)
        .await
        .expect("query")
    {
        Some(id) => id,
        None => app.create_user("admin9", Role::Admin, None).await,
    }
}

/// A published list batch of `ids` (through the service); returns its id.
pub async fn published_list(app: &TestApp, title: &str, ids: &[i64]) -> i64 {
    let admin = admin_id(app).await;
    let batch = service::create_list_batch_without_notice(&app.db, admin, title, "Introduction line one.\nLine two.")
        .await
        .expect("batch");
    for id in ids {
        service::add_entry(&app.db, admin, batch, *id, "").await.expect("entry");
    }
    service::publish(&app.db, admin, batch).await.expect("published");
    batch
}

fn id_from(location: &str, prefix: &str) -> i64 {
    location.strip_prefix(prefix).expect("location").parse().expect("an id")
}

async fn create_batch(admin: &Client, title: &str) -> i64 {
    let page = admin
        .post(
            "/admin/batches",
            &[
                ("kind", "list"),
                ("title", title),
                ("introduction", "Intro"),
                ("notice", "off"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    id_from(&page.location().expect("location"), "/admin/batches/")
}

async fn audit_count(app: &TestApp, action: &str, entity_id: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1 AND entity_id = $2")
        .bind(action)
        .bind(entity_id)
        .fetch_one(&app.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn an_admin_composes_orders_previews_and_publishes_a_list_batch() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let official = app.official_of("off", "诸城市").await;
    let a = approved(&app, &official, "Town A").await;
    let b = approved(&app, &official, "Town B").await;

    let home = admin.get("/admin").await;
    assert_eq!(home.text(".approved-unlisted .count"), "2");
    assert_eq!(home.text(".draft-batches .count"), "0");

    let id = create_batch(&admin, "第一批省级特色小镇创建名单").await;
    assert_eq!(admin.get("/admin").await.text(".draft-batches .count"), "1");
    let page = admin.get(&format!("/admin/batches/{id}")).await;
    assert_eq!(page.text("main h1"), "第一批省级特色小镇创建名单");
    assert_eq!(
        page.texts("#proposal option").len(),
        2,
        "both approved proposals are offered"
    );

    for p in [a, b] {
        let added = admin
            .post(&format!("/admin/batches/{id}/entries"), &[("proposal", &p.to_string())])
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    }
    let page = admin.get(&format!("/admin/batches/{id}")).await;
    assert_eq!(page.texts("tr.entry td.name"), ["Town A", "Town B"]);
    // Move B up.
    let entry_b: i64 = sqlx::query_scalar("SELECT id FROM batch_entries WHERE batch_id = $1 AND proposal_id = $2")
        .bind(id)
        .bind(b)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let moved = admin
        .post(
            &format!("/admin/batches/{id}/entries/{entry_b}/move"),
            &[("direction", "up")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    let page = admin.get(&format!("/admin/batches/{id}")).await;
    assert_eq!(page.texts("tr.entry td.name"), ["Town B", "Town A"]);

    // The preview is the public page, marked as a preview; the public does
    // not see the draft.
    let preview = admin.get(&format!("/admin/batches/{id}/preview")).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.has(".preview-banner"));
    assert_eq!(preview.texts("table.towns td.name"), ["Town B", "Town A"]);
    assert_eq!(
        app.client().get(&format!("/batches/{id}")).await.status,
        StatusCode::NOT_FOUND
    );

    let published = admin.post(&format!("/admin/batches/{id}/publish"), &[]).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.body);
    assert_eq!(published.location().as_deref(), Some(format!("/batches/{id}").as_str()));
    assert_eq!(status_of(&app, a).await, "listed");
    assert_eq!(status_of(&app, b).await, "listed");

    // The public page shows what the preview showed.
    let public = app.client().get(&format!("/batches/{id}")).await;
    assert_eq!(public.status, StatusCode::OK);
    assert_eq!(public.texts("table.towns td.name"), ["Town B", "Town A"]);
    assert_eq!(public.texts("table.towns td.region"), ["诸城市", "诸城市"]);
    assert_eq!(public.texts("table.towns td.industry"), ["健康", "健康"]);
    assert_eq!(public.text("code.content-hash").len(), 64);

    // The record: published with date and publisher, entries frozen, audit rows.
    let (status, by, hash): (String, Option<i64>, Option<String>) =
        sqlx::query_as("SELECT status, published_by, content_hash FROM batches WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(status, "published");
    assert_eq!(by, Some(admin_id(&app).await));
    assert_eq!(hash.as_deref(), Some(public.text("code.content-hash").as_str()));
    let frozen: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM batch_entries WHERE batch_id = $1 AND final_findings IS NOT NULL AND evaluation_id IS NOT NULL",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(frozen, 2);
    assert_eq!(audit_count(&app, "batch.published", id).await, 1);
    assert_eq!(audit_count(&app, "proposal.listed", a).await, 1);
    assert_eq!(admin.get("/admin").await.text(".approved-unlisted .count"), "0");

    // A second click: 409, nothing more.
    let again = admin.post(&format!("/admin/batches/{id}/publish"), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text("main").contains("已经发布"), "{}", again.body);
    assert_eq!(audit_count(&app, "batch.published", id).await, 1);
}

#[tokio::test]
async fn a_published_batch_refuses_every_edit_in_the_pages_and_in_sql() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let official = app.official_of("off", "诸城市").await;
    let a = approved(&app, &official, "Town A").await;
    let c = approved(&app, &official, "Town C").await;
    let id = published_list(&app, "Batch one", &[a]).await;
    let entry: i64 = sqlx::query_scalar("SELECT id FROM batch_entries WHERE batch_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let attempts = [
        (
            format!("/admin/batches/{id}"),
            vec![("title", "Changed"), ("introduction", "")],
        ),
        (format!("/admin/batches/{id}/entries"), vec![("proposal", "0")]),
        (format!("/admin/batches/{id}/entries/{entry}/remove"), vec![]),
        (
            format!("/admin/batches/{id}/entries/{entry}/move"),
            vec![("direction", "down")],
        ),
        (format!("/admin/batches/{id}/publish"), vec![]),
    ];
    let c_text = c.to_string();
    for (path, mut fields) in attempts {
        if path.ends_with("/entries") {
            fields = vec![("proposal", c_text.as_str())];
        }
        let page = admin.post(&path, &fields).await;
        assert_eq!(page.status, StatusCode::CONFLICT, "{path}: {}", page.body);
    }
    assert_eq!(status_of(&app, c).await, "approved");
    // The database refuses too: the published batch's triggers, not a
    // foreign key (which alone would refuse the batch's DELETE).
    let batch_refused = format!("batch {id} is published and cannot change");
    let entries_refused = format!("entries of published batch {id} cannot change");
    for (sql, message) in [
        ("UPDATE batches SET title = 'x' WHERE id = $1", &batch_refused),
        ("DELETE FROM batches WHERE id = $1", &batch_refused),
        (
            "UPDATE batch_entries SET reason = 'x' WHERE batch_id = $1",
            &entries_refused,
        ),
        ("DELETE FROM batch_entries WHERE batch_id = $1", &entries_refused),
        (
            "INSERT INTO batch_entries (batch_id, proposal_id, position) SELECT $1, max(id), 99 FROM proposals",
            &entries_refused,
        ),
    ] {
        assert_eq!(
            crate::helpers::refusal(&app.db, sql, id).await,
            ("23001".to_owned(), message.clone()),
            "{sql}"
        );
    }
    let title: String = sqlx::query_scalar("SELECT title FROM batches WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(title, "Batch one");
}

#[tokio::test]
async fn only_approved_proposals_enter_a_list_batch_and_only_one_published_list() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let official = app.official_of("off", "诸城市").await;
    let draft = app.draft(&official, &sample_input("Draft town")).await;
    let submitted = app.submitted(&official, &sample_input("Submitted town")).await;
    let ok = approved(&app, &official, "Approved town").await;
    let id = create_batch(&admin, "Batch").await;
    for p in [draft, submitted, 999_999] {
        let page = admin
            .post(&format!("/admin/batches/{id}/entries"), &[("proposal", &p.to_string())])
            .await;
        assert_eq!(page.status, StatusCode::CONFLICT, "{p}: {}", page.body);
        assert!(page.text("main").contains("只有评审通过"), "{}", page.body);
    }
    let empty = admin
        .post(&format!("/admin/batches/{id}/entries"), &[("proposal", "")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.has(".form-error"));
    // An empty batch cannot be published.
    assert_eq!(
        admin.post(&format!("/admin/batches/{id}/publish"), &[]).await.status,
        StatusCode::CONFLICT
    );

    // Two drafts may hold the same approved proposal; only one can publish it.
    let other = create_batch(&admin, "Other batch").await;
    for b in [id, other] {
        let page = admin
            .post(&format!("/admin/batches/{b}/entries"), &[("proposal", &ok.to_string())])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(
        admin.post(&format!("/admin/batches/{id}/publish"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let second = admin.post(&format!("/admin/batches/{other}/publish"), &[]).await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    let status: String = sqlx::query_scalar("SELECT status FROM batches WHERE id = $1")
        .bind(other)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "draft", "nothing of the refused publication remains");
    // Its preview names the town that can no longer be published.
    let preview = admin.get(&format!("/admin/batches/{other}/preview")).await;
    assert_eq!(preview.texts(".refused li"), ["Approved town"]);
    // And a listed proposal cannot be added again.
    let again = admin
        .post(
            &format!("/admin/batches/{other}/entries"),
            &[("proposal", &ok.to_string())],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_title_is_required_and_typed_values_are_kept() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let page = admin
        .post(
            "/admin/batches",
            &[("kind", "list"), ("title", "  "), ("introduction", "Kept text")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.text("#new-list .field-error"), "请填写批次名称。");
    assert_eq!(page.text("#list-introduction"), "Kept text");
    let id = create_batch(&admin, "Batch").await;
    let edit = admin
        .post(
            &format!("/admin/batches/{id}"),
            &[("title", ""), ("introduction", "New intro")],
        )
        .await;
    assert_eq!(edit.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(edit.text("#introduction"), "New intro");
    let ok = admin
        .post(
            &format!("/admin/batches/{id}"),
            &[("title", "Renamed"), ("introduction", "x")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(
        admin.get(&format!("/admin/batches/{id}")).await.text("main h1"),
        "Renamed"
    );
}

#[tokio::test]
async fn concurrent_publications_publish_once() {
    let app = TestApp::spawn().await;
    let official = app.official_of("off", "诸城市").await;
    let a = approved(&app, &official, "Town A").await;
    let admin = admin_id(&app).await;
    let batch = service::create_list_batch_without_notice(&app.db, admin, "Batch", "")
        .await
        .unwrap();
    service::add_entry(&app.db, admin, batch, a, "").await.unwrap();
    let (one, two) = tokio::join!(
        service::publish(&app.db, admin, batch),
        service::publish(&app.db, admin, batch)
    );
    let results = [one, two];
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(
        results.iter().any(|r| matches!(r, Err(BatchError::Published))),
        "{results:?}"
    );
    assert_eq!(audit_count(&app, "batch.published", batch).await, 1);
    assert_eq!(audit_count(&app, "proposal.listed", a).await, 1);
}

#[tokio::test]
async fn overrides_of_the_approving_review_are_frozen_with_their_reasons() {
    let app = TestApp::spawn().await;
    let official = app.official_of("off", "诸城市").await;
    let probe = app.submitted(&official, &sample_input("Probe")).await;
    let criterion: String = sqlx::query_scalar(
        "SELECT f->>'criterion' FROM evaluations, jsonb_array_elements(findings) f
         WHERE proposal_id = $1 AND f->>'verdict' = 'pass' LIMIT 1",
    )
    .bind(probe)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let overrides = json!([{"criterion": criterion, "verdict": "warn", "reason": "Reason typed by the reviewer"}]);
    let a = approved_with(&app, &official, "Town A", overrides).await;
    let batch = published_list(&app, "Batch", &[a]).await;
    let town = app.client().get(&format!("/towns/{a}")).await;
    assert_eq!(town.status, StatusCode::OK);
    assert_eq!(town.text(".override-reason"), "Reason typed by the reviewer");
    assert_eq!(
        town.text(".badge.overall"),
        "基本合格（有预警）",
        "the overall follows the final verdicts"
    );
    let json: Value = app
        .client()
        .get(&format!("/batches/{batch}.json"))
        .await
        .body
        .parse::<Value>()
        .unwrap();
    assert_eq!(json["towns"][0]["overall"], "pass_with_warnings");
    let finding = json["towns"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["criterion"] == criterion.as_str())
        .unwrap()
        .clone();
    assert_eq!(finding["computed_verdict"], "pass");
    assert_eq!(finding["verdict"], "warn");
    // Reviews written later never change the published record.
    sqlx::query("UPDATE reviews SET overrides = '[]' WHERE proposal_id = $1")
        .bind(a)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(
        app.client().get(&format!("/towns/{a}")).await.text(".override-reason"),
        "Reason typed by the reviewer"
    );
}

#[tokio::test]
async fn a_withdrawal_batch_removes_listed_towns_with_reasons() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let official = app.official_of("off", "诸城市").await;
    let a = approved(&app, &official, "Town A").await;
    let b = approved(&app, &official, "Town B").await;
    let list = published_list(&app, "List one", &[a, b]).await;

    let created = admin
        .post(
            "/admin/batches",
            &[
                ("kind", "withdrawal"),
                ("withdraws", &list.to_string()),
                ("title", "Withdrawal one"),
                ("introduction", ""),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id = id_from(&created.location().unwrap(), "/admin/batches/");
    let page = admin.get(&format!("/admin/batches/{id}")).await;
    assert_eq!(
        page.attr(".withdraws a", "href").as_deref(),
        Some(format!("/batches/{list}").as_str())
    );
    // A reason is required.
    let missing = admin
        .post(
            &format!("/admin/batches/{id}/entries"),
            &[("proposal", &a.to_string()), ("reason", " ")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.text("#add-form .field-error"), "请填写退出原因。");
    // Only towns of that list.
    let stranger = approved(&app, &official, "Town C").await;
    let refused = admin
        .post(
            &format!("/admin/batches/{id}/entries"),
            &[("proposal", &stranger.to_string()), ("reason", "r")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let added = admin
        .post(
            &format!("/admin/batches/{id}/entries"),
            &[("proposal", &a.to_string()), ("reason", "Failed the annual assessment")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    assert_eq!(
        admin.post(&format!("/admin/batches/{id}/publish"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(status_of(&app, a).await, "removed");
    assert_eq!(status_of(&app, b).await, "listed");
    assert_eq!(audit_count(&app, "proposal.removed", a).await, 1);

    let public = app.client().get(&format!("/batches/{id}")).await;
    assert_eq!(public.texts("table.towns td.name"), ["Town A"]);
    assert_eq!(public.texts("table.towns td.reason"), ["Failed the annual assessment"]);
    assert_eq!(
        public.attr(".withdraws a", "href").as_deref(),
        Some(format!("/batches/{list}").as_str())
    );
    let town = app.client().get(&format!("/towns/{a}")).await;
    assert_eq!(town.status, StatusCode::OK);
    assert!(
        town.text(".withdrawal .reason")
            .contains("Failed the annual assessment")
    );
    assert!(!app.client().get(&format!("/towns/{b}")).await.has(".withdrawal"));
    // The list batch itself is unchanged.
    assert_eq!(
        app.client()
            .get(&format!("/batches/{list}"))
            .await
            .texts("table.towns td.name"),
        ["Town A", "Town B"]
    );
    // Home lists both, newest first, with counts.
    let home = app.client().get("/").await;
    assert_eq!(home.texts(".batch-title"), ["Withdrawal one", "List one"]);
    assert_eq!(home.texts(".batch-line .count"), ["1", "2"]);
}

#[tokio::test]
async fn remove_and_reason_edits_work_in_draft() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let official = app.official_of("off", "诸城市").await;
    let a = approved(&app, &official, "Town A").await;
    let list = published_list(&app, "List", &[a]).await;
    let admin_user = admin_id(&app).await;
    let id = service::create_withdrawal_batch(&app.db, admin_user, list, "W", "")
        .await
        .unwrap();
    service::add_entry(&app.db, admin_user, id, a, "First reason")
        .await
        .unwrap();
    let entry: i64 = sqlx::query_scalar("SELECT id FROM batch_entries WHERE batch_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let changed = admin
        .post(
            &format!("/admin/batches/{id}/entries/{entry}/reason"),
            &[("reason", "Second reason")],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        admin
            .get(&format!("/admin/batches/{id}"))
            .await
            .attr("tr.entry input[name=reason]", "value")
            .as_deref(),
        Some("Second reason")
    );
    let removed = admin
        .post(&format!("/admin/batches/{id}/entries/{entry}/remove"), &[])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(admin.get(&format!("/admin/batches/{id}")).await.has(".empty"));
}

#[tokio::test]
async fn batches_are_for_admins_only() {
    let app = TestApp::spawn().await;
    let reviewer = app.login_as(Role::Reviewer).await;
    for path in ["/admin/batches", "/admin/users", "/admin/audit"] {
        assert_eq!(reviewer.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
        let anonymous = app.client().get(path).await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "{path}");
    }
    assert_eq!(
        reviewer
            .post("/admin/batches", &[("kind", "list"), ("title", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// The first criterion of evaluation `evaluation` whose computed verdict is
/// `pass` (a reviewer may set it to `warn`).
async fn passing_criterion(app: &TestApp, evaluation: i64) -> String {
    sqlx::query_scalar(
        "SELECT f->>'criterion' FROM evaluations, jsonb_array_elements(findings) f
         WHERE id = $1 AND f->>'verdict' = 'pass' LIMIT 1",
    )
    .bind(evaluation)
    .fetch_one(&app.db)
    .await
    .expect("a passing finding")
}

async fn latest_evaluation(app: &TestApp, proposal: i64) -> i64 {
    sqlx::query_scalar("SELECT max(id) FROM evaluations WHERE proposal_id = $1")
        .bind(proposal)
        .fetch_one(&app.db)
        .await
        .expect("an evaluation")
}

/// A reviewer sets one passing finding of the latest evaluation to `warn`
/// with `reason`, and approves; returns the review's id.
async fn override_and_approve(app: &TestApp, reviewer: &User, proposal: i64, reason: &str) -> i64 {
    use xiaozhen::services::reviews::{self, Decision, DecisionInput, OverrideInput};
    let evaluation = latest_evaluation(app, proposal).await;
    let criterion = passing_criterion(app, evaluation).await;
    let input = OverrideInput {
        evaluation_id: evaluation,
        criterion: &criterion,
        final_verdict: "warn",
        reason,
    };
    reviews::override_finding(&app.db, reviewer, proposal, input)
        .await
        .expect("override");
    let mut approve = DecisionInput::new(Decision::Approve, "同意", app.proposal_version(proposal).await);
    approve.evaluation_id = Some(evaluation);
    reviews::decide(&app.db, reviewer, proposal, &approve)
        .await
        .expect("approved")
        .review_id
}

async fn entry_count(app: &TestApp, batch: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM batch_entries WHERE batch_id = $1")
        .bind(batch)
        .fetch_one(&app.db)
        .await
        .expect("count")
}

/// A reviewer re-evaluates an approved proposal under another standard: it
/// goes back to review and out of the draft batch; only after a new
/// decision can it be listed, and the public record then shows the
/// evaluation that decision was given on, with its overrides.
#[tokio::test]
async fn a_re_evaluated_approval_needs_a_new_decision_and_publishes_what_was_approved() {
    let app = TestApp::spawn().await;
    let reviewer_client = app.login_as(Role::Reviewer).await;
    let reviewer = app.user(app.create_user("reviewer2", Role::Reviewer, None).await).await;
    let admin = admin_id(&app).await;
    let admin_user = app.user(admin).await;
    let official = app.official_of("off", "诸城市").await;
    let id = app.submitted(&official, &sample_input("Town R")).await;
    override_and_approve(&app, &reviewer, id, "First approval's reason").await;
    let batch = service::create_list_batch_without_notice(&app.db, admin, "Batch", "")
        .await
        .unwrap();
    service::add_entry(&app.db, admin, batch, id, "").await.unwrap();

    let cn: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE code = 'CN-2021' AND version = 1")
        .fetch_one(&app.db)
        .await
        .unwrap();
    xiaozhen::services::standards::activate(&app.db, &admin_user, cn, chrono::Utc::now().date_naive())
        .await
        .unwrap();
    let done = reviewer_client.post(&format!("/proposals/{id}/reevaluate"), &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    assert_eq!(status_of(&app, id).await, "submitted", "back to the reviewers");
    assert_eq!(entry_count(&app, batch).await, 0, "out of the draft batch");
    assert_eq!(audit_count(&app, "proposal.reopened", id).await, 1);
    assert_eq!(audit_count(&app, "batch.entry_removed", batch).await, 1);
    let queue = reviewer_client.get("/review").await;
    assert!(queue.texts("td a").iter().any(|t| t == "Town R"), "{}", queue.body);
    assert!(matches!(
        service::add_entry(&app.db, admin, batch, id, "").await,
        Err(BatchError::NotApproved)
    ));

    let second = override_and_approve(&app, &reviewer, id, "Second approval's reason").await;
    let cn_evaluation = latest_evaluation(&app, id).await;
    service::add_entry(&app.db, admin, batch, id, "").await.unwrap();
    service::publish(&app.db, admin, batch).await.unwrap();

    let (frozen_evaluation, frozen_review): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT evaluation_id, review_id FROM batch_entries WHERE batch_id = $1")
            .bind(batch)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(frozen_evaluation, Some(cn_evaluation));
    assert_eq!(frozen_review, Some(second));
    let town = app.client().get(&format!("/towns/{id}")).await;
    assert_eq!(town.status, StatusCode::OK);
    let cn_name: String = sqlx::query_scalar("SELECT name_zh FROM standards WHERE id = $1")
        .bind(cn)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(town.text(".standard").contains(&cn_name), "{}", town.text(".standard"));
    assert_eq!(town.texts(".override-reason"), ["Second approval's reason"]);
    let json: Value = app
        .client()
        .get(&format!("/batches/{batch}.json"))
        .await
        .body
        .parse()
        .unwrap();
    assert_eq!(json["towns"][0]["standard"]["code"], "CN-2021");
    let reasons: Vec<&Value> = json["towns"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["override_reason"])
        .filter(|r| !r.is_null())
        .collect();
    assert_eq!(reasons, [&json!("Second approval's reason")]);
}

/// An evaluation made after the approval without a new decision (as
/// records from before re-evaluations reopened proposals may hold) is not
/// what is published: the approval's own evaluation is, with its overrides.
#[tokio::test]
async fn publication_freezes_the_approvals_evaluation_not_a_later_one() {
    let app = TestApp::spawn().await;
    let reviewer = app.user(app.create_user("reviewer2", Role::Reviewer, None).await).await;
    let official = app.official_of("off", "诸城市").await;
    let id = app.submitted(&official, &sample_input("Town L")).await;
    let approved_on = latest_evaluation(&app, id).await;
    let review = override_and_approve(&app, &reviewer, id, "Reason of the approval").await;
    sqlx::query(
        "INSERT INTO evaluations (proposal_id, proposal_revision, standard_id, standard_code, standard_version,
             snapshot, findings, rendered, overall)
         SELECT proposal_id, proposal_revision, standard_id, standard_code, standard_version, snapshot,
                findings, rendered, 'fail'
         FROM evaluations WHERE id = $1",
    )
    .bind(approved_on)
    .execute(&app.db)
    .await
    .unwrap();
    assert_ne!(latest_evaluation(&app, id).await, approved_on);

    let batch = published_list(&app, "Batch", &[id]).await;
    let town = app.client().get(&format!("/towns/{id}")).await;
    assert_eq!(town.texts(".override-reason"), ["Reason of the approval"]);
    let (frozen_evaluation, frozen_review): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT evaluation_id, review_id FROM batch_entries WHERE batch_id = $1")
            .bind(batch)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((frozen_evaluation, frozen_review), (Some(approved_on), Some(review)));
}
