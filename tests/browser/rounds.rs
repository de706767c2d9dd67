//! A round with the city stage on, from end to end: an admin opens it, a
//! county official submits into it, the city user recommends, the reviewer
//! decides.

use xiaozhen::domain::Role;

use crate::harness::Browser;
use crate::helpers::{PASSWORD, TestApp, sample_input};

#[tokio::test]
async fn a_proposal_passes_the_city_stage_of_a_round_and_is_decided() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::launch(&app).await else {
        return;
    };
    // 潍坊市 ← 诸城市, a city user of 潍坊市, an official of 诸城市.
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
    let id = app.draft(&official, &sample_input("潍坊健康美食小镇")).await;
    xiaozhen::services::materials::store_samples(&app.db, &official, id)
        .await
        .unwrap();
    xiaozhen::services::boundaries::store_sample(&app.db, &official, id)
        .await
        .unwrap();
    app.create_user("admin-a", Role::Admin, None).await;
    app.create_user("reviewer-a", Role::Reviewer, None).await;

    // The admin opens a round with the city stage on.
    browser.open("/login").await;
    browser.login_through_form("admin-a", PASSWORD).await;
    browser.open("/admin/rounds").await;
    browser.fill("#round-name", "2027年第一批").await;
    let deadline = (chrono::Utc::now() + chrono::Duration::days(20))
        .format("%Y-%m-%d")
        .to_string();
    browser.fill("#round-deadline", &deadline).await;
    browser.click("#stage-city").await;
    browser.fill("#round-quota", "5").await;
    browser.submit("#create-round").await;
    assert_eq!(browser.text("h1").await, "2027年第一批");
    assert_eq!(browser.text("#round-stages").await, "市级初审推荐");
    browser.logout().await;

    // The official submits into it (two rounds are open: it is chosen).
    browser.open("/login").await;
    browser.login_through_form("official-a", PASSWORD).await;
    browser.open(&format!("/proposals/{id}")).await;
    let round: i64 = sqlx::query_scalar("SELECT id FROM rounds WHERE name = '2027年第一批'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    browser.click(&format!("#round option[value=\"{round}\"]")).await;
    browser.submit("#submit-button").await;
    assert_eq!(browser.text("#round-name").await, "2027年第一批");
    assert_eq!(browser.text("#round-stage").await, "市级初审推荐");
    browser.logout().await;

    // The city recommends it from its to-do list.
    browser.open("/login").await;
    browser.login_through_form("city-a", PASSWORD).await;
    assert_eq!(browser.current_path().await, "/city");
    assert_eq!(browser.text("#todo-count").await, "1");
    browser.follow_link("潍坊健康美食小镇").await;
    browser.fill("#rank", "1").await;
    browser.fill("#opinion", "产业基础扎实，同意推荐").await;
    browser.submit("#recommend-button").await;
    assert_eq!(browser.current_path().await, "/city");
    assert_eq!(browser.text("#todo-count").await, "0");
    browser.logout().await;

    // The reviewer decides at the joint stage.
    browser.open("/login").await;
    browser.login_through_form("reviewer-a", PASSWORD).await;
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
