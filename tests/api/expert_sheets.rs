//! Expert scoring (DESIGN "Experts"): an expert sees only what is assigned
//! (data, findings, computed lines, materials), scores blind — no other
//! expert's scores before their own are submitted, by URL too — and a
//! submitted sheet is locked and signed (who, when, SHA-256); a correction
//! is a new version with a reason; a second submission of a version is
//! refused.

use reqwest::StatusCode;
use xiaozhen::auth::User;
use xiaozhen::domain::panel::Field;

use crate::experts::{draw_input, expert, expert_round, in_round, signed_in};
use crate::helpers::{Client, TestApp};

/// The judged lines of ZJ-2015's creation-review table.
pub(crate) const JUDGED: [&str; 8] = [
    "j.plan",
    "j.industry",
    "j.culture",
    "j.tourism",
    "j.community",
    "j.reform",
    "j.developer",
    "x.innovation",
];
pub(crate) const VETOES: [&str; 3] = ["v.redline", "v.farmland", "v.debt"];

/// A sheet's form: every judged line (0 unless given), every veto (no
/// unless given), and the action.
pub(crate) fn sheet_form(
    version: i32,
    points: &[(&str, &str)],
    vetoes: &[(&str, &str)],
    action: &str,
) -> Vec<(String, String)> {
    let mut f = vec![
        ("version".to_string(), version.to_string()),
        ("action".into(), action.into()),
    ];
    for line in JUDGED {
        let p = points.iter().find(|(l, _)| *l == line).map_or("0", |(_, p)| p);
        f.push((format!("points.{line}"), p.into()));
        f.push((format!("comment.{line}"), format!("{line} 评语")));
    }
    for line in VETOES {
        let v = vetoes.iter().find(|(l, _)| *l == line).map_or("no", |(_, v)| v);
        f.push((format!("veto.{line}"), v.into()));
    }
    f
}

pub(crate) async fn post_sheet(client: &Client, proposal: i64, form: &[(String, String)]) -> crate::helpers::Page {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    client
        .post(&format!("/expert/proposals/{proposal}/sheet"), &pairs)
        .await
}

/// A round with `n` proposals of 诸城市 at the expert stage and a panel of
/// `size` planners drawn for them; the experts' clients in seat order.
pub(crate) struct Scored {
    pub admin: User,
    pub round: i64,
    pub proposals: Vec<i64>,
    pub experts: Vec<(i64, Client)>,
    pub official: User,
}

pub(crate) async fn panel_of(app: &TestApp, size: usize, names: &[&str]) -> Scored {
    let official = app.official_of("official-a", "诸城市").await;
    let (admin, round) = expert_round(app, "2027年第一批").await;
    let mut proposals = Vec::new();
    for n in names {
        proposals.push(in_round(app, &official, &admin, n, round).await);
    }
    let mut usernames = Vec::new();
    for i in 0..size {
        let (id, u) = expert(
            app,
            &admin,
            &format!("p{i}"),
            Field::Planning,
            &format!("规划院{i}"),
            None,
        )
        .await;
        usernames.push((id, u.username.clone()));
    }
    let panel = xiaozhen::services::panels::draw_with_seed(
        &app.db,
        &admin,
        round,
        &draw_input("第一组", size, &[(Field::Planning, size, size)], 3),
        [1; 32],
    )
    .await
    .unwrap();
    let order: Vec<i64> = sqlx::query_scalar("SELECT expert_id FROM panel_seats WHERE panel_id = $1 ORDER BY position")
        .bind(panel)
        .fetch_all(&app.db)
        .await
        .unwrap();
    let mut experts = Vec::new();
    for id in order {
        let name = &usernames.iter().find(|(x, _)| *x == id).unwrap().1;
        experts.push((id, signed_in(app, name).await));
    }
    Scored {
        admin,
        round,
        proposals,
        experts,
        official,
    }
}

async fn sheet_ids(app: &TestApp, proposal: i64, expert: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM score_sheets WHERE proposal_id = $1 AND expert_id = $2 ORDER BY version")
        .bind(proposal)
        .bind(expert)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_expert_sees_only_assigned_proposals_with_their_data_findings_computed_lines_and_materials() {
    let app = TestApp::spawn().await;
    let s = panel_of(&app, 3, &["甲小镇"]).await;
    let p = s.proposals[0];
    let other = in_round(&app, &s.official, &s.admin, "未分配小镇", s.round).await;
    let (_, outsider) = expert(&app, &s.admin, "outsider", Field::Industry, "某单位", None).await;
    let outsider = signed_in(&app, &outsider.username).await;
    let (_, client) = &s.experts[0];

    let home = client.get("/expert").await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(home.texts("#todo td.name"), ["甲小镇"]);
    assert_eq!(home.text("#open-count"), "1");
    let page = client.get(&format!("/expert/proposals/{p}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.text("h1"), "甲小镇");
    assert!(page.has("#findings tr[data-criterion]"), "the findings");
    assert!(page.has("#score-sheet tr.sheet-line.computed"), "the computed lines");
    assert_eq!(
        page.texts("#score-sheet tr.sheet-line.judged").len(),
        JUDGED.len() + VETOES.len()
    );
    assert!(page.texts("#data-title").len() == 1 && page.has("dl.facts dd"));
    let material = page.attr("#materials a", "href").expect("a material link");
    assert_eq!(client.get(&material).await.status, StatusCode::OK);

    // Nothing else: another proposal, by URL, and its materials.
    assert_eq!(
        client.get(&format!("/expert/proposals/{other}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        outsider.get(&format!("/expert/proposals/{p}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(outsider.get(&material).await.status, StatusCode::NOT_FOUND);
    assert_eq!(outsider.get("/expert").await.texts("#todo td.name").len(), 0);
    // The proposal pages of officials and reviewers stay closed to experts.
    assert_eq!(
        client.get(&format!("/proposals/{p}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        client.get(&format!("/proposals/{p}/report")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(client.get("/review/panels").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn scoring_is_blind_until_ones_own_sheet_is_submitted_by_url_too() {
    let app = TestApp::spawn().await;
    let s = panel_of(&app, 3, &["甲小镇"]).await;
    let p = s.proposals[0];
    let (a, first) = &s.experts[0];
    let (b, second) = &s.experts[1];
    let page = post_sheet(first, p, &sheet_form(1, &[("j.plan", "7.5")], &[], "submit")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let a_sheet = sheet_ids(&app, p, *a).await[0];

    // B has not submitted: A's sheet is not found, and B's page shows none of A's points.
    assert_eq!(
        second.get(&format!("/expert/sheets/{a_sheet}")).await.status,
        StatusCode::NOT_FOUND
    );
    let page = second.get(&format!("/expert/proposals/{p}")).await;
    assert_eq!(page.attr("#points-j\\.plan", "value").as_deref(), Some(""));
    assert!(
        page.texts("#score-sheet input[name^=points]")
            .iter()
            .all(String::is_empty),
        "no other expert's points"
    );
    assert!(!page.body.contains(&format!("/expert/sheets/{a_sheet}")));
    // A draft of B's own is B's alone, and still not enough.
    post_sheet(second, p, &sheet_form(1, &[("j.plan", "6")], &[], "save")).await;
    let b_sheet = sheet_ids(&app, p, *b).await[0];
    assert_eq!(
        second.get(&format!("/expert/sheets/{b_sheet}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        first.get(&format!("/expert/sheets/{b_sheet}")).await.status,
        StatusCode::NOT_FOUND,
        "a draft is never shown"
    );
    assert_eq!(
        second.get(&format!("/expert/sheets/{a_sheet}")).await.status,
        StatusCode::NOT_FOUND
    );

    // Once B has submitted, A's submitted sheet may be read.
    let page = post_sheet(second, p, &sheet_form(1, &[("j.plan", "6")], &[], "submit")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = second.get(&format!("/expert/sheets/{a_sheet}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("tr[data-line=\"j.plan\"] td.points"), "7.5");
}

#[tokio::test]
async fn a_submitted_sheet_is_signed_a_second_submission_is_refused_and_a_correction_is_a_new_version_with_a_reason() {
    let app = TestApp::spawn().await;
    let s = panel_of(&app, 3, &["甲小镇"]).await;
    let p = s.proposals[0];
    let (a, client) = &s.experts[0];

    // Submitting with lines left blank or off the steps: refused beside them.
    let mut form = sheet_form(1, &[("j.plan", "7.3")], &[], "submit");
    form.retain(|(k, _)| k != "points.j.culture" && k != "veto.v.debt");
    let page = post_sheet(client, p, &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.text("tr[data-line=\"j.plan\"] .field-error"),
        "分值应在 0 到 8 之间，且为 0.5 的整数倍"
    );
    assert!(page.has("tr[data-line=\"j.culture\"] .field-error"));
    assert!(page.has("tr[data-line=\"v.debt\"] .field-error"));
    assert_eq!(
        page.attr("#points-j\\.plan", "value").as_deref(),
        Some("7.3"),
        "kept as typed"
    );
    assert!(sheet_ids(&app, p, *a).await.is_empty(), "nothing stored");

    let page = post_sheet(
        client,
        p,
        &sheet_form(1, &[("j.plan", "7.5"), ("j.industry", "6")], &[], "submit"),
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let row: (i64, String, String, chrono::DateTime<chrono::Utc>, rust_decimal::Decimal) = sqlx::query_as(
        "SELECT s.id, s.sha256, u.username, s.submitted_at, s.total FROM score_sheets s JOIN users u ON u.id = s.signed_by
         WHERE s.proposal_id = $1 AND s.expert_id = $2",
    )
    .bind(p)
    .bind(a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(row.2, client_name(&app, *a).await);
    // The signature covers the canonical content as stored.
    let mut conn = app.db.acquire().await.unwrap();
    let stored = xiaozhen::db::score_sheets::get(&mut conn, row.0)
        .await
        .unwrap()
        .unwrap();
    let signer: i64 = sqlx::query_scalar("SELECT signed_by FROM score_sheets WHERE id = $1")
        .bind(row.0)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let content = xiaozhen::services::expert_review::canonical_content(&stored, &stored.judged.0, row.4, signer, row.3);
    assert!(content.contains("\"j.plan\":{\"points\":\"7.5\""), "{content}");
    assert_eq!(row.1, xiaozhen::services::expert_review::sha256_hex(&content));
    let page = client.get(&format!("/expert/proposals/{p}")).await;
    assert_eq!(page.text("#versions code.sha256"), row.1);
    assert!(!page.has("#sheet-form"), "locked");

    // The same version again: refused, nothing changed.
    let page = post_sheet(client, p, &sheet_form(1, &[("j.plan", "1")], &[], "submit")).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("该版本评分表已提交并签名，不能再次提交"));
    let (code, message) =
        crate::helpers::refusal(&app.db, "UPDATE score_sheets SET total = 0 WHERE id = $1", row.0).await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("23514", "a submitted score sheet is immutable")
    );

    // A correction needs a reason, then is version 2 to fill and submit.
    let page = client
        .post(&format!("/expert/proposals/{p}/correction"), &[("reason", "")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.texts("#correction .field-error"), ["请填写理由（不超过 2000 字）"]);
    let page = client
        .post(
            &format!("/expert/proposals/{p}/correction"),
            &[("reason", "产业得分误填")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = client.get(&format!("/expert/proposals/{p}")).await;
    assert_eq!(page.text("#score-sheet .badge.version"), "v2");
    assert_eq!(page.text("#score-sheet .version-reason"), "本版本理由：产业得分误填");
    assert_eq!(
        page.attr("#points-j\\.industry", "value").as_deref(),
        Some("6"),
        "a copy of version 1"
    );
    let stale = post_sheet(client, p, &sheet_form(1, &[("j.industry", "5")], &[], "submit")).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "version 1 is signed");
    let page = post_sheet(
        client,
        p,
        &sheet_form(2, &[("j.plan", "7.5"), ("j.industry", "5")], &[], "submit"),
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let versions: Vec<(i32, String, Option<String>)> = sqlx::query_as(
        "SELECT version, reason, sha256 FROM score_sheets WHERE proposal_id = $1 AND expert_id = $2 ORDER BY version",
    )
    .bind(p)
    .bind(a)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1].1, "产业得分误填");
    assert!(versions.iter().all(|v| v.2.as_ref().is_some_and(|h| h.len() == 64)));
    assert_ne!(versions[0].2, versions[1].2);
    let audit: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity = 'expert_review' AND entity_id = $1 ORDER BY id",
    )
    .bind(p)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(audit, ["sheet.submitted", "sheet.corrected", "sheet.submitted"]);
}

async fn client_name(app: &TestApp, expert: i64) -> String {
    sqlx::query_scalar("SELECT u.username FROM experts x JOIN users u ON u.id = x.user_id WHERE x.id = $1")
        .bind(expert)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// An expert's to-do list and the count beside 待办: the assigned proposals
/// still to score, one fewer once a sheet is submitted.
#[tokio::test]
async fn an_experts_to_do_lists_the_proposals_still_to_score() {
    let app = TestApp::spawn().await;
    let s = panel_of(&app, 3, &["甲小镇", "乙小镇"]).await;
    let (_, first) = &s.experts[0];
    assert_eq!(todo_count(first).await, "2");
    let todo = first.get("/todo").await;
    let items = todo.texts("#todo-items li.score");
    assert_eq!(items.len(), 2, "{}", todo.body);
    assert!(items.iter().any(|i| i.contains("甲小镇")), "{items:?}");

    // Saved as a draft: still to do. Submitted: done.
    post_sheet(first, s.proposals[0], &sheet_form(1, &[("j.plan", "7")], &[], "save")).await;
    assert_eq!(todo_count(first).await, "2");
    let page = post_sheet(first, s.proposals[0], &sheet_form(1, &[("j.plan", "7")], &[], "submit")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(todo_count(first).await, "1");
    let items = first.get("/todo").await.texts("#todo-items li.score");
    assert_eq!(items.len(), 1);
    assert!(items[0].contains("乙小镇"), "{items:?}");
}

/// The count the navigation shows beside 待办.
async fn todo_count(client: &Client) -> String {
    client.get("/account/password").await.text("#todo-count")
}
