//! Officials register proposals: the form, drafts, live evaluation,
//! submission, the report, locking, and who may see what.

use reqwest::StatusCode;
use xiaozhen::domain::Role;

use crate::helpers::{Client, Page, TestApp, sample_input};

/// The sample proposal as the form would send it.
fn form_of(name: &str) -> Vec<(String, String)> {
    sample_input(name)
        .to_form_pairs()
        .into_iter()
        .filter(|(k, _)| k != "region")
        .collect()
}

fn set(form: &mut Vec<(String, String)>, name: &str, value: &str) {
    form.retain(|(k, _)| k != name);
    form.push((name.to_owned(), value.to_owned()));
}

async fn post_form(client: &Client, path: &str, form: &[(String, String)]) -> Page {
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    client.post(path, &fields).await
}

fn id_from(location: &str) -> i64 {
    location
        .trim_start_matches("/proposals/")
        .parse()
        .expect("a proposal URL")
}

async fn version_of(client: &Client, id: i64) -> String {
    client
        .get(&format!("/proposals/{id}/edit"))
        .await
        .attr("input[name=version]", "value")
        .expect("version field")
}

#[tokio::test]
async fn an_official_saves_a_draft_and_sees_it_in_the_list() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let form = official.get("/proposals/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(
        form.text("#region"),
        "诸城市",
        "the official's own region, not a choice"
    );
    assert!(
        form.text("[data-field=planned_area_km2] .help")
            .contains("3平方公里左右")
    );
    let saved = post_form(&official, "/proposals", &form_of("健康美食小镇")).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let id = id_from(&saved.location().unwrap());
    let page = official.get(&format!("/proposals/{id}")).await;
    assert_eq!(page.text("main h1"), "健康美食小镇");
    assert_eq!(page.text("#status"), "草稿");
    let list = official.get("/proposals").await;
    assert_eq!(list.texts("#proposals tbody td a"), ["健康美食小镇"]);
    assert_eq!(list.texts("#proposals tbody .status"), ["草稿"]);
}

#[tokio::test]
async fn a_draft_needs_only_a_name() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let saved = official
        .post("/proposals", &[("name", "茶叶小镇"), ("action", "save")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let nameless = official
        .post("/proposals", &[("name", "  "), ("planned_area_km2", "3.2")])
        .await;
    assert_eq!(nameless.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nameless.has("[data-field=name] .field-error"));
    assert_eq!(
        nameless.attr("#planned_area_km2", "value").as_deref(),
        Some("3.2"),
        "typed values are kept"
    );
}

#[tokio::test]
async fn bad_input_comes_back_with_422_messages_beside_fields_and_everything_typed() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let mut form = form_of("恐龙小镇");
    set(&mut form, "planned_area_km2", "3,6");
    set(&mut form, "investment.residential_yi", "30万");
    set(&mut form, "benefits.jobs", "-5");
    set(&mut form, "developer", "<script>alert(1)</script>");
    let page = post_form(&official, "/proposals", &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.has("#error-summary"));
    let area_error = page.text("[data-field=planned_area_km2] .field-error");
    assert!(
        area_error.contains("3.2") || area_error.contains("数字"),
        "says what to type: {area_error}"
    );
    assert!(page.has("[data-field='investment.residential_yi'] .field-error"));
    assert!(page.has("[data-field='benefits.jobs'] .field-error"));
    assert_eq!(page.attr("#planned_area_km2", "value").as_deref(), Some("3,6"));
    assert_eq!(
        page.attr("#investment-residential_yi", "value").as_deref(),
        Some("30万")
    );
    assert_eq!(
        page.attr("#developer", "value").as_deref(),
        Some("<script>alert(1)</script>")
    );
    assert!(!page.body.contains("<script>alert(1)"), "text is escaped");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM proposals")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 0, "nothing malformed is stored");
}

#[tokio::test]
async fn full_width_digits_are_read_as_ascii() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let mut form = form_of("智能体验小镇");
    set(&mut form, "planned_area_km2", "３．２");
    let saved = post_form(&official, "/proposals", &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stored: rust_decimal::Decimal = sqlx::query_scalar("SELECT planned_area_km2 FROM proposals")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored.to_string(), "3.2000");
}

#[tokio::test]
async fn the_live_evaluation_follows_the_investment_across_50_yi() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let mut form = form_of("汽车动力小镇");
    // High-end equipment is not exempt: 50 亿 eligible needed.
    set(&mut form, "industry", "high_end_equipment");
    let mut live = |total: &str, years: [&str; 3]| {
        set(&mut form, "investment.total_yi", total);
        set(&mut form, "investment.residential_yi", "0");
        set(&mut form, "investment.commercial_complex_yi", "0");
        set(&mut form, "investment.characteristic_yi", "40");
        form.retain(|(k, _)| k != "investment.by_year_yi");
        for y in years {
            form.push(("investment.by_year_yi".into(), y.into()));
        }
        form.clone()
    };
    let below = post_form(&official, "/proposals/live", &live("49", ["15", "17", "17"])).await;
    assert_eq!(below.status, StatusCode::OK);
    assert_eq!(
        below
            .attr("[data-criterion='investment.eligible_total']", "class")
            .as_deref(),
        Some("fail")
    );
    assert_eq!(below.text("#live-overall"), "不合格");
    let above = post_form(&official, "/proposals/live", &live("51", ["15", "18", "18"])).await;
    assert_eq!(
        above
            .attr("[data-criterion='investment.eligible_total']", "class")
            .as_deref(),
        Some("pass")
    );
    // Nothing is stored by evaluating.
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM proposals")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn without_javascript_the_evaluate_button_shows_the_same_findings() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let mut form = form_of("健康美食小镇");
    form.push(("action".into(), "evaluate".into()));
    let page = post_form(&official, "/proposals", &form).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("#live-overall"), "合格");
    assert_eq!(page.attr("#name", "value").as_deref(), Some("健康美食小镇"));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM proposals")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 0, "evaluating does not save");
}

#[tokio::test]
async fn submitting_stores_an_evaluation_and_shows_the_report() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let saved = post_form(&official, "/proposals", &form_of("健康美食小镇")).await;
    let id = id_from(&saved.location().unwrap());
    // The five materials, as the active version asks.
    let files = xiaozhen::domain::material::MaterialType::ALL
        .iter()
        .map(|t| {
            (
                t.code(),
                "材料.pdf",
                xiaozhen::services::materials::sample_pdf(t.code()),
            )
        })
        .collect();
    let uploaded = crate::materials::upload(&official, id, files).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    // And its boundary, of the planned area.
    let token = official.get(&format!("/proposals/{id}/boundary")).await.csrf();
    let boundary = xiaozhen::spatial::sample_boundary(120.1, 30.2, 3.2, 8);
    let uploaded = official
        .upload_file(
            &format!("/proposals/{id}/boundary"),
            &token,
            "四至.geojson",
            boundary.into_bytes(),
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    let version = version_of(&official, id).await;
    let submitted = official
        .post(&format!("/proposals/{id}/submit"), &[("version", &version)])
        .await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER);
    let page = official.get(&format!("/proposals/{id}")).await;
    assert_eq!(page.text("#status"), "已提交待评审");
    assert_eq!(page.text("#latest-overall"), "合格");
    assert!(!page.has("a[href$='/edit']"), "a submitted proposal is not editable");
    let report = official.get(&format!("/proposals/{id}/report")).await;
    assert_eq!(report.status, StatusCode::OK);
    assert_eq!(report.text("#overall"), "合格");
    // Submitted under the active version: ZJ-2015 v5 on a new installation.
    assert!(report.text("#standard").contains("ZJ-2015 v5"));
    let row = "#findings tr[data-criterion='investment.eligible_total']";
    assert_eq!(report.text(&format!("{row} .verdict")), "符合");
    assert!(report.text(&format!("{row} .required")).contains("50"));
    assert!(!report.text(&format!("{row} .citation")).is_empty());
    let zj = xiaozhen::standards::builtin_standard("ZJ-2015", 5).unwrap();
    assert_eq!(
        report.texts("#findings tbody tr").len(),
        zj.criteria.len(),
        "every criterion of ZJ-2015"
    );
    assert_eq!(zj.criteria.len(), 27);
    let (overall, standard): (String, String) =
        sqlx::query_as("SELECT overall, standard_code FROM evaluations WHERE proposal_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((overall.as_str(), standard.as_str()), ("pass", "ZJ-2015"));
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE entity = 'proposal' AND entity_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&app.db)
            .await
            .unwrap();
    let mut expected = vec!["proposal.created"];
    expected.extend(["material.uploaded"; 5]);
    expected.extend(["boundary.uploaded", "proposal.submitted"]);
    assert_eq!(actions, expected);
}

#[tokio::test]
async fn a_failing_proposal_may_be_submitted_and_says_what_fails() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let mut form = form_of("恐龙小镇");
    set(&mut form, "location", "built_up_center");
    let saved = post_form(&official, "/proposals", &form).await;
    let id = id_from(&saved.location().unwrap());
    let version = version_of(&official, id).await;
    official
        .post(&format!("/proposals/{id}/submit"), &[("version", &version)])
        .await;
    let page = official.get(&format!("/proposals/{id}")).await;
    assert_eq!(page.text("#latest-overall"), "不合格");
    assert!(page.text("#failing").contains("选址"), "{}", page.text("#failing"));
}

#[tokio::test]
async fn submitting_an_incomplete_draft_shows_what_is_missing() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let saved = official
        .post("/proposals", &[("name", "茶叶小镇"), ("planned_area_km2", "2.5")])
        .await;
    let id = id_from(&saved.location().unwrap());
    let version = version_of(&official, id).await;
    let page = official
        .post(&format!("/proposals/{id}/submit"), &[("version", &version)])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.has("[data-field=industry] .field-error"));
    assert_eq!(page.attr("#planned_area_km2", "value").as_deref(), Some("2.5"));
    let status: String = sqlx::query_scalar("SELECT status FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "draft");
}

#[tokio::test]
async fn a_stale_version_is_refused_with_409_and_nothing_is_overwritten() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let saved = post_form(&official, "/proposals", &form_of("健康美食小镇")).await;
    let id = id_from(&saved.location().unwrap());
    let version = version_of(&official, id).await;
    // A colleague saves first.
    let mut first = form_of("健康美食小镇（修订）");
    set(&mut first, "version", &version);
    assert_eq!(
        post_form(&official, &format!("/proposals/{id}"), &first).await.status,
        StatusCode::SEE_OTHER
    );
    // Then this user saves from the old version.
    let mut second = form_of("另一个名字");
    set(&mut second, "version", &version);
    let page = post_form(&official, &format!("/proposals/{id}"), &second).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.text("#conflict").contains("此申报已被他人修改"));
    assert_eq!(page.attr("#conflict a", "href"), Some(format!("/proposals/{id}")));
    assert_eq!(
        page.attr("#name", "value").as_deref(),
        Some("另一个名字"),
        "what was typed is kept"
    );
    let name: String = sqlx::query_scalar("SELECT name FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(name, "健康美食小镇（修订）");
}

#[tokio::test]
async fn editing_after_submission_is_refused() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let saved = post_form(&official, "/proposals", &form_of("健康美食小镇")).await;
    let id = id_from(&saved.location().unwrap());
    let version = version_of(&official, id).await;
    official
        .post(&format!("/proposals/{id}/submit"), &[("version", &version)])
        .await;
    assert_eq!(
        official.get(&format!("/proposals/{id}/edit")).await.status,
        StatusCode::CONFLICT
    );
    let mut form = form_of("改名");
    set(&mut form, "version", "2");
    let page = post_form(&official, &format!("/proposals/{id}"), &form).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    let again = official
        .post(&format!("/proposals/{id}/submit"), &[("version", "2")])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "no double submission");
    let evaluations: i64 = sqlx::query_scalar("SELECT count(*) FROM evaluations")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(evaluations, 1);
}

#[tokio::test]
async fn withdrawing_a_draft() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let saved = post_form(&official, "/proposals", &form_of("健康美食小镇")).await;
    let id = id_from(&saved.location().unwrap());
    let version = version_of(&official, id).await;
    let done = official
        .post(&format!("/proposals/{id}/withdraw"), &[("version", &version)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        official.get(&format!("/proposals/{id}")).await.text("#status"),
        "已撤回"
    );
    let again = official
        .post(&format!("/proposals/{id}/withdraw"), &[("version", "2")])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn another_regions_official_sees_nothing_by_list_url_or_post() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let saved = post_form(&official, "/proposals", &form_of("健康美食小镇")).await;
    let id = id_from(&saved.location().unwrap());
    app.create_user("other", Role::Official, Some("青州市")).await;
    let other = app.client();
    other.login("other", crate::helpers::PASSWORD).await;
    assert!(other.get("/proposals").await.texts("#proposals tbody tr").is_empty());
    for path in [
        format!("/proposals/{id}"),
        format!("/proposals/{id}/edit"),
        format!("/proposals/{id}/report"),
    ] {
        assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let mut form = form_of("篡改");
    set(&mut form, "version", "1");
    assert_eq!(
        post_form(&other, &format!("/proposals/{id}"), &form).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .post(&format!("/proposals/{id}/submit"), &[("version", "1")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .post(&format!("/proposals/{id}/withdraw"), &[("version", "1")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let name: String = sqlx::query_scalar("SELECT name FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(name, "健康美食小镇");
}

#[tokio::test]
async fn posting_without_csrf_is_refused_and_reviewers_cannot_enter_proposals() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    assert_eq!(
        official.post_raw("/proposals", &[("name", "x")]).await.status,
        StatusCode::FORBIDDEN
    );
    let reviewer = app.login_as(Role::Reviewer).await;
    assert_eq!(
        reviewer.post("/proposals", &[("name", "x")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(reviewer.get("/proposals/new").await.status, StatusCode::FORBIDDEN);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM proposals")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn admins_see_every_region_and_filter_by_region() {
    let app = TestApp::spawn().await;
    let a = app.official_of("aa", "诸城市").await;
    let b = app.official_of("bb", "青州市").await;
    app.draft(&a, &sample_input("甲小镇")).await;
    app.draft(&b, &sample_input("乙小镇")).await;
    let admin = app.login_as(Role::Admin).await;
    let all = admin.get("/proposals").await;
    let mut names = all.texts("#proposals tbody td a");
    names.sort();
    assert_eq!(names, ["乙小镇", "甲小镇"]);
    let region: i64 = sqlx::query_scalar("SELECT id FROM regions WHERE name = '青州市'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let filtered = admin.get(&format!("/proposals?region={region}")).await;
    assert_eq!(filtered.texts("#proposals tbody td a"), ["乙小镇"]);
}

#[tokio::test]
async fn an_admin_enters_a_proposal_for_a_region_they_choose() {
    let app = TestApp::spawn().await;
    app.official_of("bb", "青州市").await;
    let admin = app.login_as(Role::Admin).await;
    let region: i64 = sqlx::query_scalar("SELECT id FROM regions WHERE name = '青州市'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let mut form = form_of("青州小镇");
    set(&mut form, "region_id", &region.to_string());
    let saved = post_form(&admin, "/proposals", &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let id = id_from(&saved.location().unwrap());
    let stored: String =
        sqlx::query_scalar("SELECT g.name FROM proposals p JOIN regions g ON g.id = p.region_id WHERE p.id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(stored, "青州市");
    // Without a region the form says so beside the region selector.
    let page = post_form(&admin, "/proposals", &form_of("无地区小镇")).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!page.text(".field-error").is_empty(), "{}", page.body);
}

#[tokio::test]
async fn the_list_pages() {
    let app = TestApp::spawn().await;
    let official = app.official_of("o1", "诸城市").await;
    for i in 0..25 {
        app.draft(&official, &sample_input(&format!("小镇{i:02}"))).await;
    }
    let client = app.client();
    client.login("o1", crate::helpers::PASSWORD).await;
    let first = client.get("/proposals").await;
    assert_eq!(first.texts("#proposals tbody tr").len(), 20);
    assert_eq!(first.texts("#proposals tbody td a")[0], "小镇24", "newest first");
    let second = client.get("/proposals?page=2").await;
    assert_eq!(second.texts("#proposals tbody tr").len(), 5);
}

#[tokio::test]
async fn a_returned_proposal_shows_the_comment_and_can_be_resubmitted() {
    let app = TestApp::spawn().await;
    let official_user = app.official_of("o1", "诸城市").await;
    let id = app.submitted(&official_user, &sample_input("健康美食小镇")).await;
    let reviewer = app.create_user("rev", Role::Reviewer, None).await;
    // The review module records decisions; here the state it leaves behind.
    sqlx::query("UPDATE proposals SET status = 'returned', version = version + 1 WHERE id = $1")
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO reviews (proposal_id, reviewer_id, decision, comment) VALUES ($1, $2, 'return', '请补充投资明细')",
    )
    .bind(id)
    .bind(reviewer)
    .execute(&app.db)
    .await
    .unwrap();
    let client = app.client();
    client.login("o1", crate::helpers::PASSWORD).await;
    let page = client.get(&format!("/proposals/{id}")).await;
    assert_eq!(page.text("#returned .comment"), "请补充投资明细");
    assert!(page.has("a[href$='/edit']"));
    let version = version_of(&client, id).await;
    let resubmitted = client
        .post(&format!("/proposals/{id}/submit"), &[("version", &version)])
        .await;
    assert_eq!(resubmitted.status, StatusCode::SEE_OTHER);
    let page = client.get(&format!("/proposals/{id}")).await;
    assert_eq!(
        page.texts("#evaluations tbody tr").len(),
        2,
        "the old evaluation is kept"
    );
}
