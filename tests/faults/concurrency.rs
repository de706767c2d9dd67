//! Concurrent writers racing on one record, each with its own client (own
//! session and connection): exactly one wins, the others are told 409.

use reqwest::StatusCode;
use tokio::task::JoinSet;
use xiaozhen::domain::Role;

use crate::helpers::{Client, TestApp, sample_input};
use crate::support::{count, form_of, refs};

/// Signs `username` in; the session cookie and its CSRF token.
async fn session_of(app: &TestApp, username: &str) -> (String, String) {
    let client = app.client();
    let page = client.login(username, crate::helpers::PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "login {username}: {}", page.body);
    (client.session_cookie().expect("a session cookie"), client.csrf().await)
}

/// `n` clients of one signed-in user, each with its own connection, and the
/// session's CSRF token.
async fn clients_of(app: &TestApp, username: &str, n: usize) -> Vec<(Client, String)> {
    let (session, token) = session_of(app, username).await;
    (0..n)
        .map(|_| (app.client_with_session(Some(&session)), token.clone()))
        .collect()
}

async fn post(client: &Client, token: &str, path: &str, fields: &[(&str, &str)]) -> StatusCode {
    let mut all = vec![("csrf_token", token)];
    all.extend_from_slice(fields);
    client.post_raw(path, &all).await.status
}

fn tally(statuses: &[StatusCode]) -> (usize, usize) {
    let won = statuses.iter().filter(|s| **s == StatusCode::SEE_OTHER).count();
    let told = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
    assert_eq!(won + told, statuses.len(), "only 303 and 409 expected: {statuses:?}");
    (won, told)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_decisions_record_exactly_one() {
    let app = TestApp::spawn().await;
    let official = app.official_of("zc", "诸城市").await;
    let id = app.submitted(&official, &sample_input("并发评审小镇")).await;
    let version = app.proposal_version(id).await;
    let mut actors = Vec::new();
    for r in 0..5 {
        let name = format!("reviewer{r}");
        app.create_user(&name, Role::Reviewer, None).await;
        actors.extend(clients_of(&app, &name, 10).await);
    }
    let path = format!("/proposals/{id}/decision");
    let mut set = JoinSet::new();
    for (i, (client, token)) in actors.into_iter().enumerate() {
        let path = path.clone();
        let version = version.to_string();
        set.spawn(async move {
            let decision = ["approve", "reject", "return"][i % 3];
            let comment = format!("并发意见{i}");
            post(
                &client,
                &token,
                &path,
                &[("decision", decision), ("comment", &comment), ("version", &version)],
            )
            .await
        });
    }
    let statuses = set.join_all().await;
    let (won, told) = tally(&statuses);
    assert_eq!((won, told), (1, 49), "{statuses:?}");
    assert_eq!(
        count(&app.db, "SELECT count(*) FROM reviews WHERE proposal_id = $1", id).await,
        1
    );
    let audits = count(
        &app.db,
        "SELECT count(*) FROM audit_log WHERE entity = 'proposal' AND entity_id = $1
           AND action IN ('proposal.approved', 'proposal.rejected', 'proposal.returned')",
        id,
    )
    .await;
    assert_eq!(audits, 1);
    let (status, decision): (String, String) = sqlx::query_as(
        "SELECT p.status, r.decision FROM proposals p JOIN reviews r ON r.proposal_id = p.id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let expected = match decision.as_str() {
        "approve" => "approved",
        "reject" => "rejected",
        _ => "returned",
    };
    assert_eq!(status, expected, "the status matches the one recorded decision");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_simultaneous_publishes_publish_once() {
    let app = TestApp::spawn().await;
    let official = app.official_of("zc", "诸城市").await;
    let admin_id = app.create_user("admin1", Role::Admin, None).await;
    let reviewer = app.user(app.create_user("reviewer1", Role::Reviewer, None).await).await;
    let mut towns = Vec::new();
    for n in 0..3 {
        let id = app
            .submitted(&official, &sample_input(&format!("并发发布小镇{n}")))
            .await;
        let version = app.proposal_version(id).await;
        let input = xiaozhen::services::reviews::DecisionInput::new(
            xiaozhen::services::reviews::Decision::Approve,
            "",
            version,
        );
        xiaozhen::services::reviews::decide(&app.db, &reviewer, id, &input)
            .await
            .expect("approved");
        towns.push(id);
    }
    let batch = xiaozhen::services::batches::create_list_batch_without_notice(&app.db, admin_id, "并发批次", "")
        .await
        .expect("batch");
    for id in &towns {
        xiaozhen::services::batches::add_entry(&app.db, admin_id, batch, *id, "")
            .await
            .expect("entry");
    }
    let actors = clients_of(&app, "admin1", 20).await;
    let path = format!("/admin/batches/{batch}/publish");
    let mut set = JoinSet::new();
    for (client, token) in actors {
        let path = path.clone();
        set.spawn(async move { post(&client, &token, &path, &[]).await });
    }
    let statuses = set.join_all().await;
    assert_eq!(tally(&statuses), (1, 19), "{statuses:?}");
    let (status, hash): (String, Option<String>) =
        sqlx::query_as("SELECT status, content_hash FROM batches WHERE id = $1")
            .bind(batch)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(status, "published");
    assert_eq!(hash.map(|h| h.len()), Some(64));
    assert_eq!(
        count(
            &app.db,
            "SELECT count(*) FROM audit_log WHERE action = 'batch.published' AND entity_id = $1",
            batch
        )
        .await,
        1
    );
    for id in towns {
        assert_eq!(
            count(
                &app.db,
                "SELECT count(*) FROM audit_log WHERE action = 'proposal.listed' AND entity_id = $1",
                id
            )
            .await,
            1,
            "town {id} listed once"
        );
    }
    let public = app.client().get(&format!("/batches/{batch}")).await;
    assert_eq!(public.status, StatusCode::OK);
    assert_eq!(public.texts("table.towns td.name").len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_officials_saving_one_proposal_from_the_same_version_one_is_told() {
    let app = TestApp::spawn().await;
    let first = app.official_of("zc1", "诸城市").await;
    app.official_of("zc2", "诸城市").await;
    let a = session_of(&app, "zc1").await;
    let b = session_of(&app, "zc2").await;
    // Several rounds, so that the two really meet in the database.
    for round in 0..5 {
        let id = app.draft(&first, &sample_input(&format!("并发保存小镇{round}"))).await;
        let (client_a, client_b) = (app.client_with_session(Some(&a.0)), app.client_with_session(Some(&b.0)));
        let edit_a = client_a.get(&format!("/proposals/{id}/edit")).await;
        let edit_b = client_b.get(&format!("/proposals/{id}/edit")).await;
        let version = edit_a.attr("input[name=version]", "value").expect("version field");
        assert_eq!(edit_b.attr("input[name=version]", "value"), Some(version.clone()));
        let mut set = JoinSet::new();
        for (who, client, token) in [("甲", client_a, a.1.clone()), ("乙", client_b, b.1.clone())] {
            let mut form = form_of(&format!("{who}改名小镇{round}"));
            form.push(("version".into(), version.clone()));
            form.push(("csrf_token".into(), token));
            let path = format!("/proposals/{id}");
            set.spawn(async move { (who, client.post_raw(&path, &refs(&form)).await) });
        }
        let answers = set.join_all().await;
        let statuses: Vec<StatusCode> = answers.iter().map(|(_, p)| p.status).collect();
        assert_eq!(tally(&statuses), (1, 1), "round {round}: {statuses:?}");
        let (winner, _) = answers.iter().find(|(_, p)| p.status == StatusCode::SEE_OTHER).unwrap();
        let (_, loser) = answers.iter().find(|(_, p)| p.status == StatusCode::CONFLICT).unwrap();
        assert!(loser.has("main"), "the 409 is a page: {}", loser.body);
        let (name, stored_version): (String, i32) = sqlx::query_as("SELECT name, version FROM proposals WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
        assert_eq!(name, format!("{winner}改名小镇{round}"), "the winner's text is kept");
        assert_eq!(stored_version, version.parse::<i32>().unwrap() + 1, "saved once");
        assert_eq!(
            count(
                &app.db,
                "SELECT count(*) FROM audit_log WHERE action = 'proposal.updated' AND entity_id = $1",
                id
            )
            .await,
            1
        );
    }
}
