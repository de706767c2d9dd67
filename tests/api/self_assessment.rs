//! The county's self-assessment on the creation-review table: the form and
//! its running score, what was typed kept on error, frozen at submission,
//! scoped to the region. Totals are worked out by hand from ZJ-2015 v3's
//! `zj.creation_review` for the sample proposal: computed basic 59 (the
//! share, 77.88%, is one whole step of 5 above 70: 7 of 8) + computed bonus
//! 2 (120 firms, 800 talents) = 61 of 110.

use reqwest::StatusCode;
use xiaozhen::domain::Role;

use crate::helpers::{Client, TestApp, sample_input};

/// Activates ZJ-2015 `version` (a new installation's active one is v3,
/// whose tables are the examples).
async fn activate(app: &TestApp, version: i32) {
    let admin = app.login_as(Role::Admin).await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE code = 'ZJ-2015' AND version = $1")
        .bind(version)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let today = chrono::Utc::now().date_naive().to_string();
    let page = admin
        .post(
            &format!("/admin/standards/{id}/activate"),
            &[("effective_from", &today)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

async fn official_with_draft(app: &TestApp) -> (Client, i64) {
    let client = app.login_as(Role::Official).await;
    let official_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'official1'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let official = app.user(official_id).await;
    let id = app.draft(&official, &sample_input("健康美食小镇")).await;
    (client, id)
}

async fn stored(app: &TestApp, id: i64) -> Vec<(String, Option<String>, Option<bool>, String)> {
    sqlx::query_as(
        "SELECT line_code, points::text, veto, comment FROM self_assessments WHERE proposal_id = $1 ORDER BY line_code",
    )
    .bind(id)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_form_shows_the_judged_lines_and_the_computed_score() {
    let app = TestApp::spawn().await;
    let (official, id) = official_with_draft(&app).await;
    let page = official.get(&format!("/proposals/{id}/self-assessment")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(
        page.texts("tr.judged-line").len(),
        11,
        "7 expert lines, the innovation bonus and 3 judged vetoes"
    );
    assert_eq!(page.text("#score-total"), "61");
    assert_eq!(page.text("#score-grade"), "不合格");
    assert_eq!(page.text(".computed-lines li[data-line='b.share'] .points"), "7");
    let proposal = official.get(&format!("/proposals/{id}")).await;
    assert_eq!(
        proposal.attr("#self-assessment-link", "href"),
        Some(format!("/proposals/{id}/self-assessment"))
    );
}

#[tokio::test]
async fn bad_points_are_refused_beside_their_fields_and_what_was_typed_stays() {
    let app = TestApp::spawn().await;
    let (official, id) = official_with_draft(&app).await;
    let path = format!("/proposals/{id}/self-assessment");
    let page = official
        .post(
            &path,
            &[
                ("points.j.plan", "8.3"),
                ("comment.j.plan", "空间布局清晰"),
                ("points.j.culture", "五分"),
                ("points.j.industry", "7"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.text("tr[data-line='j.plan'] .field-error"),
        "分值应在 0 到 8 之间，且为 0.5 的整数倍"
    );
    assert_eq!(
        page.text("tr[data-line='j.culture'] .field-error"),
        "请输入分值，例如 7.5"
    );
    assert_eq!(page.attr("#points-j\\.plan", "value").as_deref(), Some("8.3"));
    assert_eq!(page.attr("#points-j\\.culture", "value").as_deref(), Some("五分"));
    assert_eq!(page.attr("#points-j\\.industry", "value").as_deref(), Some("7"));
    assert_eq!(page.text("tr[data-line='j.plan'] textarea"), "空间布局清晰");
    assert!(stored(&app, id).await.is_empty(), "nothing stored");
}

#[tokio::test]
async fn calculate_previews_and_save_stores_and_the_live_panel_agrees() {
    let app = TestApp::spawn().await;
    let (official, id) = official_with_draft(&app).await;
    let path = format!("/proposals/{id}/self-assessment");
    let fields = [
        ("points.j.plan", "7.5"),
        ("points.j.industry", "８"),
        ("comment.j.industry", "一镇一业"),
        ("veto.v.redline", "no"),
    ];
    // 61 + 7.5 + 8 = 76.5 → 合格.
    let mut preview = fields.to_vec();
    preview.push(("action", "preview"));
    let page = official.post(&path, &preview).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("#score-total"), "76.5");
    assert_eq!(page.text("#score-grade"), "合格");
    assert!(stored(&app, id).await.is_empty(), "a preview stores nothing");

    let live = official.post(&format!("{path}/live"), &fields).await;
    assert_eq!(live.status, StatusCode::OK);
    assert_eq!(live.text("#score-total"), "76.5");
    // Points off the steps are left out of the running total (the form says
    // why on saving): 61 + 8 = 69.
    let unfit = official
        .post(
            &format!("{path}/live"),
            &[("points.j.plan", "8.3"), ("points.j.industry", "8")],
        )
        .await;
    assert_eq!(unfit.status, StatusCode::OK);
    assert_eq!(unfit.text("#score-total"), "69");

    let mut save = fields.to_vec();
    save.push(("action", "save"));
    let saved = official.post(&path, &save).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location().as_deref(), Some(format!("/proposals/{id}").as_str()));
    assert_eq!(
        stored(&app, id).await,
        vec![
            (
                "j.industry".to_string(),
                Some("8".to_string()),
                None,
                "一镇一业".to_string()
            ),
            ("j.plan".to_string(), Some("7.5".to_string()), None, String::new()),
            ("v.redline".to_string(), None, Some(false), String::new()),
        ]
    );
    let again = official.get(&path).await;
    assert_eq!(again.attr("#points-j\\.plan", "value").as_deref(), Some("7.5"));
    assert_eq!(again.text("#score-total"), "76.5");
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'proposal.self_assessed' AND entity_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn submission_freezes_the_self_assessment() {
    let app = TestApp::spawn().await;
    let (official, id) = official_with_draft(&app).await;
    let path = format!("/proposals/{id}/self-assessment");
    let saved = official
        .post(&path, &[("points.j.plan", "6"), ("action", "save")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let version = app.proposal_version(id).await.to_string();
    let submitted = official
        .post(&format!("/proposals/{id}/submit"), &[("version", &version)])
        .await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.body);
    let frozen: Vec<(String, String)> = sqlx::query_as(
        "SELECT s.line_code, s.points::text FROM submitted_self_assessments s
         JOIN evaluations e ON e.id = s.evaluation_id WHERE e.proposal_id = $1",
    )
    .bind(id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(frozen, vec![("j.plan".to_string(), "6".to_string())]);

    // The reviewer's report shows the table: computed lines beside the
    // county's frozen self-assessment; 61 computed + 6 judged = 67.
    let reviewer = app.login_as(Role::Reviewer).await;
    let report = reviewer.get(&format!("/proposals/{id}/report")).await;
    assert_eq!(report.status, StatusCode::OK);
    assert_eq!(report.text("#scores tr[data-line='j.plan'] .self"), "6");
    assert_eq!(report.text("#scores tr[data-line='j.plan'] .computed"), "");
    assert_eq!(report.text("#scores tr[data-line='b.share'] .computed"), "7");
    assert_eq!(report.text("#scores tr[data-line='j.industry'] .self"), "—");
    assert_eq!(report.text("#report-score-total"), "67");
    assert_eq!(report.text("#report-score-grade"), "不合格");

    // Read-only now: the page says so and a POST changes nothing.
    let page = official.get(&path).await;
    assert!(page.has(".not-editable"));
    let refused = official
        .post(&path, &[("points.j.plan", "8"), ("action", "save")])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(stored(&app, id).await[0].1.as_deref(), Some("6"));
    let change = sqlx::query("UPDATE submitted_self_assessments SET points = 8")
        .execute(&app.db)
        .await;
    assert!(
        change
            .unwrap_err()
            .to_string()
            .contains("submitted_self_assessments rows are immutable"),
        "frozen rows cannot be changed in SQL either"
    );
}

#[tokio::test]
async fn other_regions_and_other_roles_cannot_reach_it() {
    let app = TestApp::spawn().await;
    let (_official, id) = official_with_draft(&app).await;
    let path = format!("/proposals/{id}/self-assessment");

    app.create_user("official_qz", Role::Official, Some("青州市")).await;
    let other = app.client();
    other.login("official_qz", crate::helpers::PASSWORD).await;
    assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND);
    let post = other.post(&path, &[("points.j.plan", "8"), ("action", "save")]).await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);

    let reviewer = app.login_as(Role::Reviewer).await;
    assert_eq!(reviewer.get(&path).await.status, StatusCode::FORBIDDEN);
    let anonymous = app.client();
    assert_eq!(anonymous.get(&path).await.status, StatusCode::SEE_OTHER);
    assert!(stored(&app, id).await.is_empty());
}

#[tokio::test]
async fn without_a_table_there_is_nothing_to_self_assess() {
    let app = TestApp::spawn().await;
    // Version 2 has the same criteria and no tables.
    activate(&app, 2).await;
    let (official, id) = official_with_draft(&app).await;
    let path = format!("/proposals/{id}/self-assessment");
    let page = official.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.has(".no-table"));
    let refused = official
        .post(&path, &[("points.j.plan", "8"), ("action", "save")])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(stored(&app, id).await.is_empty());
}

#[tokio::test]
async fn the_reports_computed_lines_read_a_reviewers_override() {
    let app = TestApp::spawn().await;
    let official = app.official_of("zc", "诸城市").await;
    let id = app.submitted(&official, &sample_input("覆核小镇")).await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let report = reviewer.get(&format!("/proposals/{id}/report")).await;
    let line = "#scores tr[data-line='b.planned_area'] .computed";
    assert_eq!(report.text(line), "3");
    let before: rust_decimal::Decimal = report.text("#report-score-total").parse().unwrap();
    let evaluation = report.attr("#override-form input[name=evaluation]", "value").unwrap();
    let overridden = reviewer
        .post(
            &format!("/proposals/{id}/overrides"),
            &[
                ("evaluation", &evaluation),
                ("criterion", "space.planned_area"),
                ("final_verdict", "fail"),
                ("reason", "四至范围与规划面积不符"),
            ],
        )
        .await;
    assert_eq!(overridden.status, StatusCode::SEE_OTHER, "{}", overridden.body);
    // The line follows the final verdict: fail earns nothing, and the total
    // loses its 3 points.
    let report = reviewer.get(&format!("/proposals/{id}/report")).await;
    assert_eq!(report.text(line), "0");
    let after: rust_decimal::Decimal = report.text("#report-score-total").parse().unwrap();
    assert_eq!(before - after, rust_decimal::Decimal::from(3));
}
