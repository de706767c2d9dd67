//! Rounds from end to end in the browser. A round with the city stage on:
//! an admin opens it, a county official submits into it, the city user
//! recommends, the reviewer decides. A round with the city and expert
//! stages on: the same first steps, then an admin draws a panel of three,
//! the experts score, the chair closes the expert stage and decides at the
//! joint table.

use fantoccini::Locator;
use xiaozhen::domain::Role;
use xiaozhen::domain::panel::Field;

use crate::harness::Browser;
use crate::helpers::{PASSWORD, TestApp, sample_input};

/// 潍坊市 ← 诸城市, a city user `city-a` of 潍坊市, an official
/// `official-a` of 诸城市 with a draft `name` (materials and boundary
/// stored), an admin `admin-a` and a reviewer `reviewer-a`. Returns the
/// draft's id.
async fn county_under_city_with_a_draft(app: &TestApp, name: &str) -> i64 {
    let mut conn = app.db.acquire().await.unwrap();
    let city = xiaozhen::db::regions::ensure_city(&mut conn, "潍坊市")
        .await
        .unwrap()
        .unwrap();
    let county = xiaozhen::db::regions::ensure(&mut conn, "诸城市").await.unwrap().id;
    xiaozhen::db::regions::set_parent(&mut conn, county, Some(city))
        .await
        .unwrap();
    let hash = xiaozhen::auth::password::hash(PASSWORD.to_owned()).await.unwrap();
    xiaozhen::db::users::insert(
        &mut conn,
        xiaozhen::db::users::NewUser {
            username: "city-a",
            display_name: "潍坊市初审员",
            role: Role::City,
            region_id: Some(city),
            password_hash: &hash,
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    drop(conn);
    let official = app.official_of("official-a", "诸城市").await;
    let id = app.draft(&official, &sample_input(name)).await;
    xiaozhen::services::materials::store_samples(&app.db, &official, id)
        .await
        .unwrap();
    xiaozhen::services::boundaries::store_sample(&app.db, &official, id)
        .await
        .unwrap();
    app.create_user("admin-a", Role::Admin, None).await;
    app.create_user("reviewer-a", Role::Reviewer, None).await;
    id
}

/// Signs in through the login form (from whatever page is open).
async fn sign_in(browser: &Browser, username: &str) {
    browser.open("/login").await;
    browser.login_through_form(username, PASSWORD).await;
}

/// As `admin-a`, opens a round `name` through `/admin/rounds` with the
/// stage check boxes `stages` (`#stage-city`, …) ticked and a quota of 5;
/// returns the round's id.
async fn admin_opens_round(app: &TestApp, browser: &Browser, name: &str, stages: &[&str]) -> i64 {
    sign_in(browser, "admin-a").await;
    browser.open("/admin/rounds").await;
    browser.fill("#round-name", name).await;
    let deadline = (chrono::Utc::now() + chrono::Duration::days(20))
        .format("%Y-%m-%d")
        .to_string();
    browser.fill("#round-deadline", &deadline).await;
    for stage in stages {
        browser.click(stage).await;
    }
    browser.fill("#round-quota", "5").await;
    browser.submit("#create-round").await;
    assert_eq!(browser.text("h1").await, name);
    sqlx::query_scalar("SELECT id FROM rounds WHERE name = $1")
        .bind(name)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// As `official-a`, submits proposal `id` into `round` (two rounds are
/// open: it is chosen) and checks the page names the round.
async fn official_submits_into(browser: &Browser, id: i64, round: i64, round_name: &str) {
    sign_in(browser, "official-a").await;
    browser.open(&format!("/proposals/{id}")).await;
    browser.click(&format!("#round option[value=\"{round}\"]")).await;
    browser.submit("#submit-button").await;
    assert_eq!(browser.text("#round-name").await, round_name);
    assert_eq!(browser.text("#round-stage").await, "市级初审推荐");
}

/// As `city-a`, recommends `name` from the to-do list with rank 1 and
/// `opinion`.
async fn city_recommends(browser: &Browser, name: &str, opinion: &str) {
    sign_in(browser, "city-a").await;
    assert_eq!(browser.current_path().await, "/city");
    assert_eq!(browser.text("#todo-count").await, "1");
    browser.follow_link(name).await;
    browser.fill("#rank", "1").await;
    browser.fill("#opinion", opinion).await;
    browser.submit("#recommend-button").await;
    assert_eq!(browser.current_path().await, "/city");
    assert_eq!(browser.text("#todo-count").await, "0");
}

#[tokio::test]
async fn a_proposal_passes_the_city_stage_of_a_round_and_is_decided() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::launch(&app).await else {
        return;
    };
    let id = county_under_city_with_a_draft(&app, "潍坊健康美食小镇").await;

    // The admin opens a round with the city stage on.
    let round = admin_opens_round(&app, &browser, "2027年第一批", &["#stage-city"]).await;
    assert_eq!(browser.text("#round-stages").await, "市级初审推荐");
    browser.logout().await;

    official_submits_into(&browser, id, round, "2027年第一批").await;
    browser.logout().await;

    city_recommends(&browser, "潍坊健康美食小镇", "产业基础扎实，同意推荐").await;
    browser.logout().await;

    // The reviewer decides at the joint stage.
    sign_in(&browser, "reviewer-a").await;
    assert_eq!(browser.text("#todo-count").await, "1");
    assert_eq!(browser.text("#queue td.stage").await, "2027年第一批 · 联审决定");
    browser.follow_link("潍坊健康美食小镇").await;
    browser.click("#decision-approve").await;
    browser.submit("#decision-submit").await;
    assert_eq!(browser.current_path().await, format!("/proposals/{id}"));
    assert_eq!(browser.text("#status").await, "评审通过");
    assert!(browser.text("#recommendation").await.contains("产业基础扎实"));
    browser.close().await;
}

/// Three planners in the pool, none from 诸城市 or 潍坊市, with the
/// tests' password: `planner-0` … `planner-2`.
async fn three_planners(app: &TestApp) {
    let admin: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'admin-a'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let hash = xiaozhen::auth::password::hash(PASSWORD.to_owned()).await.unwrap();
    for i in 0..3 {
        let username = format!("planner-{i}");
        let input = xiaozhen::services::experts::ExpertInput {
            field: Field::Planning.code().into(),
            employer: format!("浙江省规划院{i}"),
            home_region: String::new(),
        };
        let (_, user_id, _) =
            xiaozhen::services::experts::create(&app.db, admin, &username, &format!("规划专家{i}"), &input)
                .await
                .unwrap();
        let mut conn = app.db.acquire().await.unwrap();
        xiaozhen::db::users::set_password(&mut conn, user_id, &hash, false)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_county_submits_the_city_recommends_a_panel_of_three_scores_and_the_chair_approves() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::launch(&app).await else {
        return;
    };
    let town = "潍坊专家评审小镇";
    let id = county_under_city_with_a_draft(&app, town).await;
    three_planners(&app).await;

    // The admin opens a round with the city and expert stages on.
    let round = admin_opens_round(&app, &browser, "2027年第二批", &["#stage-city", "#stage-expert"]).await;
    browser.logout().await;

    official_submits_into(&browser, id, round, "2027年第二批").await;
    browser.logout().await;

    city_recommends(&browser, town, "规划编制完整，同意推荐").await;
    browser.logout().await;

    // The admin draws a panel of three planners for the waiting proposal.
    sign_in(&browser, "admin-a").await;
    browser.open(&format!("/admin/rounds/{round}/panels")).await;
    browser.fill("#name", "第一组").await;
    browser.fill("#size", "3").await;
    for field in Field::ALL {
        let (min, max) = if field == Field::Planning {
            ("3", "3")
        } else {
            ("0", "0")
        };
        browser
            .fill(&format!("input[name=\"min.{}\"]", field.code()), min)
            .await;
        browser
            .fill(&format!("input[name=\"max.{}\"]", field.code()), max)
            .await;
    }
    browser.fill("#min_scorers", "3").await;
    assert!(
        browser
            .attr(&format!("#draw-panel input[name=proposals][value=\"{id}\"]"), "checked")
            .await
            .is_some(),
        "the waiting proposal is ticked"
    );
    browser.submit("#draw-panel button[type=submit]").await;
    assert!(browser.current_path().await.starts_with("/admin/panels/"));
    assert_eq!(browser.text("#draw-record .size").await, "3");
    let mut seated = browser.texts("#seats tr.seat td.expert").await;
    seated.sort();
    assert_eq!(seated.len(), 3, "{seated:?}");
    assert!(seated.iter().all(|s| s.contains("规划专家")), "{seated:?}");
    browser.logout().await;

    // Each expert scores from the to-do list: 3 on every judged line but
    // the plan (6, 7, 8), no veto; submitting locks and signs the sheet.
    for (i, plan) in ["6", "7", "8"].iter().enumerate() {
        sign_in(&browser, &format!("planner-{i}")).await;
        assert_eq!(browser.current_path().await, "/expert");
        assert_eq!(browser.text("#open-count").await, "1");
        browser.follow_link(town).await;
        assert_eq!(browser.current_path().await, format!("/expert/proposals/{id}"));
        let judged = browser.texts("#sheet-form input[name^=\"points.\"]").await.len();
        assert_eq!(judged, 8, "the creation-review table's judged lines");
        browser
            .fill_each("#sheet-form input[name^=\"points.\"]", &["3"; 8])
            .await;
        browser.fill("#points-j\\.plan", plan).await;
        let vetoes = browser
            .client()
            .find_all(Locator::Css("#sheet-form select[name^=\"veto.\"]"))
            .await
            .unwrap();
        assert!(!vetoes.is_empty());
        for veto in vetoes {
            veto.select_by_value("no").await.unwrap();
        }
        browser.fill("#comment-j\\.plan", "规划与控规衔接良好").await;
        browser.submit("#sheet-submit").await;
        assert_eq!(browser.current_path().await, format!("/expert/proposals/{id}"));
        assert!(!browser.has("#sheet-form").await, "the submitted sheet is locked");
        assert_eq!(browser.text("#versions .sha256").await.len(), 64, "signed");
        browser.logout().await;
    }

    // The chair reads the panel's figures and closes the expert stage.
    sign_in(&browser, "reviewer-a").await;
    browser.open(&format!("/review/panels/{id}")).await;
    assert_eq!(browser.texts("td.expert-total").await.len(), 3);
    assert!(!browser.has("td.expert-total.divergent").await);
    assert_eq!(browser.text("tr[data-line=\"j.plan\"] td.panel-figure").await, "7 (3)");
    let total = format!(
        "{} / {}",
        browser.text(".panel-total").await,
        browser.text(".panel-maximum").await
    );
    browser.submit("#close-stage button").await;
    assert_eq!(browser.current_path().await, format!("/review/panels/{id}"));
    assert!(browser.has("#stage-closed").await);

    // The joint table: the panel's total and the city's opinion; approved.
    browser.open(&format!("/review/joint/{round}")).await;
    let line = format!("tr.joint-line[data-id=\"{id}\"]");
    assert_eq!(browser.text(&format!("{line} td.total")).await, total);
    assert!(
        browser
            .text(&format!("{line} .city-opinion"))
            .await
            .contains("规划编制完整")
    );
    browser
        .click(&format!("#decide-{id} input[name=decision][value=approve]"))
        .await;
    browser.submit(&format!("#decide-{id} button[type=submit]")).await;
    assert_eq!(browser.current_path().await, format!("/review/joint/{round}"));
    assert_eq!(browser.text(&format!("{line} td.status")).await, "评审通过");
    browser.logout().await;

    // The county sees the decision and the panel's total on its proposal.
    sign_in(&browser, "official-a").await;
    browser.open(&format!("/proposals/{id}")).await;
    assert_eq!(browser.text("#status").await, "评审通过");
    assert_eq!(browser.text(".panel-total").await, total);
    browser.close().await;
}
