//! Rounds (申报批次) and their first stages (DESIGN.md "Review as provinces
//! run it"): regions as a tree, the admins' round pages, submission into a
//! round, the city's pre-review, the formal review, the decision waiting for
//! its stage, and every role's to-do count.

use reqwest::StatusCode;
use xiaozhen::auth::User;
use xiaozhen::db::users::NewUser;
use xiaozhen::domain::Role;
use xiaozhen::services::reviews::{Decision, DecisionInput};
use xiaozhen::services::rounds::{self, RoundForm};

use crate::helpers::{Client, PASSWORD, TestApp, sample_input};

/// A city region (created when missing); its id.
pub(crate) async fn city(app: &TestApp, name: &str) -> i64 {
    let mut conn = app.db.acquire().await.unwrap();
    xiaozhen::db::regions::ensure_city(&mut conn, name)
        .await
        .unwrap()
        .expect("a city")
}

/// The county `county` (created when missing) put under `city`.
pub(crate) async fn county_of(app: &TestApp, county: &str, city_id: i64) -> i64 {
    let mut conn = app.db.acquire().await.unwrap();
    let id = xiaozhen::db::regions::ensure(&mut conn, county).await.unwrap().id;
    xiaozhen::db::regions::set_parent(&mut conn, id, Some(city_id))
        .await
        .unwrap();
    id
}

/// A city user of the city `city_id`.
pub(crate) async fn city_user(app: &TestApp, username: &str, city_id: i64) -> User {
    let hash = xiaozhen::auth::password::hash(PASSWORD.to_owned()).await.unwrap();
    let mut conn = app.db.acquire().await.unwrap();
    let id = xiaozhen::db::users::insert(
        &mut conn,
        NewUser {
            username,
            display_name: &format!("{username} display"),
            role: Role::City,
            region_id: Some(city_id),
            password_hash: &hash,
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    app.user(id).await
}

async fn signed_in(app: &TestApp, username: &str) -> Client {
    let client = app.client();
    let login = client.login(username, PASSWORD).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{username} logs in");
    client
}

async fn admin(app: &TestApp, username: &str) -> User {
    let id = app.create_user(username, Role::Admin, None).await;
    app.user(id).await
}

/// A round form with the stages named on (`city`, `formal`, `expert`).
fn form(name: &str, deadline: &str, stages: &[&str]) -> RoundForm {
    let on = |s: &str| stages.contains(&s).then(|| "on".to_owned());
    RoundForm {
        name: name.into(),
        deadline: deadline.into(),
        city_stage: on("city"),
        formal_stage: on("formal"),
        expert_stage: on("expert"),
        ..RoundForm::default()
    }
}

/// A deadline `days` from today, as the form takes it.
fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// Opens a round and closes the default one, so that submissions go into
/// the new round without choosing.
async fn only_round(app: &TestApp, admin: &User, form: RoundForm) -> i64 {
    let id = rounds::create(&app.db, admin, &form).await.unwrap();
    let default: i64 = sqlx::query_scalar("SELECT id FROM rounds WHERE is_default")
        .fetch_one(&app.db)
        .await
        .unwrap();
    rounds::close(&app.db, admin, default).await.unwrap();
    id
}

/// A draft with the materials and boundary, not yet submitted.
async fn ready_draft(app: &TestApp, official: &User, name: &str) -> i64 {
    let id = app.draft(official, &sample_input(name)).await;
    xiaozhen::services::materials::store_samples(&app.db, official, id)
        .await
        .unwrap();
    xiaozhen::services::boundaries::store_sample(&app.db, official, id)
        .await
        .unwrap();
    id
}

async fn stage_of(app: &TestApp, id: i64) -> (Option<i64>, Option<String>, String) {
    sqlx::query_as("SELECT round_id, stage, status FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// 潍坊市 ← 诸城市 with an official, a city user and a round with the city
/// and formal stages on (the only open one).
struct Weifang {
    official: User,
    city_user: User,
    city: i64,
    admin: User,
    round: i64,
}

async fn weifang(app: &TestApp, stages: &[&str], quota: &str) -> Weifang {
    let city_id = city(app, "潍坊市").await;
    county_of(app, "诸城市", city_id).await;
    let official = app.official_of("official-a", "诸城市").await;
    let city_user = city_user(app, "city-a", city_id).await;
    let admin = admin(app, "admin-a").await;
    let mut f = form("2027年第一批", &in_days(30), stages);
    f.city_quota = quota.into();
    let round = only_round(app, &admin, f).await;
    Weifang {
        official,
        city_user,
        city: city_id,
        admin,
        round,
    }
}

#[tokio::test]
async fn admins_add_cities_assign_counties_and_the_home_lists_counties_without_a_city() {
    let app = TestApp::spawn().await;
    app.official_of("official-a", "诸城市").await;
    app.create_user("admin-a", Role::Admin, None).await;
    let admin = signed_in(&app, "admin-a").await;

    let home = admin.get("/admin").await;
    assert!(home.text("#counties-without-city").contains("诸城市"), "{}", home.body);

    let added = admin
        .post("/admin/regions", &[("name", "潍坊市"), ("kind", "city"), ("city", "")])
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let (city_id, kind): (i64, String) = sqlx::query_as("SELECT id, kind FROM regions WHERE name = '潍坊市'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(kind, "city");
    let county: i64 = sqlx::query_scalar("SELECT id FROM regions WHERE name = '诸城市'")
        .fetch_one(&app.db)
        .await
        .unwrap();

    // A city cannot be put under a city; a county can.
    let wrong = admin
        .post(
            &format!("/admin/regions/{city_id}/city"),
            &[("city", &city_id.to_string())],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("只有县（市、区）可以归属地级市"), "{}", wrong.body);
    let assigned = admin
        .post(
            &format!("/admin/regions/{county}/city"),
            &[("city", &city_id.to_string())],
        )
        .await;
    assert_eq!(assigned.status, StatusCode::SEE_OTHER, "{}", assigned.body);
    let users = admin.get("/admin/users").await;
    assert!(
        users
            .text(&format!("#region-{county} td.city option[selected]"))
            .contains("潍坊市")
    );
    assert!(!admin.get("/admin").await.has("#counties-without-city"));

    // A new county under the city in one step; a city that is not one is refused.
    let new_county = admin
        .post(
            "/admin/regions",
            &[("name", "青州市"), ("kind", "county"), ("city", &city_id.to_string())],
        )
        .await;
    assert_eq!(new_county.status, StatusCode::SEE_OTHER);
    let parent: Option<i64> = sqlx::query_scalar("SELECT parent_id FROM regions WHERE name = '青州市'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(parent, Some(city_id));
    let bad = admin
        .post(
            "/admin/regions",
            &[("name", "寿光市"), ("kind", "county"), ("city", &county.to_string())],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("请选择一个地级市"), "{}", bad.body);
    assert_eq!(
        bad.attr("#region_name", "value").as_deref(),
        Some("寿光市"),
        "typed name kept"
    );
}

#[tokio::test]
async fn a_county_for_a_city_user_or_a_city_for_an_official_is_refused_beside_the_field() {
    let app = TestApp::spawn().await;
    let city_id = city(&app, "潍坊市").await;
    let county = county_of(&app, "诸城市", city_id).await;
    app.create_user("admin-a", Role::Admin, None).await;
    let admin = signed_in(&app, "admin-a").await;
    let create = |role: &'static str, region: i64| {
        let region = region.to_string();
        let admin = &admin;
        async move {
            admin
                .post(
                    "/admin/users",
                    &[
                        ("username", &format!("new-{role}")),
                        ("display_name", "新账号"),
                        ("role", role),
                        ("region", &region),
                    ],
                )
                .await
        }
    };
    let city_on_county = create("city", county).await;
    assert_eq!(city_on_county.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(city_on_county.body.contains("市级主管部门账号须属于一个地级市"));
    assert_eq!(city_on_county.attr("#username", "value").as_deref(), Some("new-city"));
    let official_on_city = create("official", city_id).await;
    assert_eq!(official_on_city.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(official_on_city.body.contains("申报单位账号须属于一个县（市、区）"));
    let ok = create("city", city_id).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    // Changing a role the same way is refused the same way.
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'new-city'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let changed = admin
        .post(
            &format!("/admin/users/{id}/role"),
            &[("role", "official"), ("region", &city_id.to_string())],
        )
        .await;
    assert_eq!(changed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(changed.body.contains("申报单位账号须属于一个县（市、区）"));
}

#[tokio::test]
async fn admins_open_edit_and_close_rounds_with_per_field_messages() {
    let app = TestApp::spawn().await;
    app.create_user("admin-a", Role::Admin, None).await;
    let admin = signed_in(&app, "admin-a").await;
    let v4: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE code = 'ZJ-2015' AND version = 4")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let v1: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE code = 'ZJ-2015' AND version = 1")
        .fetch_one(&app.db)
        .await
        .unwrap();

    let bad = admin
        .post(
            "/admin/rounds",
            &[
                ("name", "2027年第一批"),
                ("deadline", "明年三月"),
                ("standard", &v1.to_string()),
                ("scoring_table", "zj.creation_review"),
                ("city_stage", "on"),
                ("city_quota", "0"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("截止时间格式应为"), "deadline");
    assert!(
        bad.body.contains("所选标准版本中没有该评分表"),
        "table of another version"
    );
    assert!(bad.body.contains("名额须为 1–1000 的整数"), "quota");
    assert_eq!(bad.attr("#round-name", "value").as_deref(), Some("2027年第一批"));
    assert_eq!(bad.attr("#round-deadline", "value").as_deref(), Some("明年三月"));
    assert!(bad.has("#stage-city[checked]"), "the stages ticked are kept");
    let none = admin.post("/admin/rounds", &[("name", ""), ("deadline", "")]).await;
    assert!(none.body.contains("名称须为 1–100 个字符") && none.body.contains("请填写截止时间"));

    let created = admin
        .post(
            "/admin/rounds",
            &[
                ("name", "2027年第一批"),
                ("deadline", "2027-03-31"),
                ("standard", &v4.to_string()),
                ("scoring_table", "zj.creation_review"),
                ("city_stage", "on"),
                ("formal_stage", "on"),
                ("city_quota", "3"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.location().unwrap();
    let page = admin.get(&location).await;
    assert_eq!(page.text("#round-deadline-shown"), "2027-03-31 23:59");
    assert_eq!(page.text("#round-stages"), "市级初审推荐、形式审查");
    // The same name twice is refused; a second round may be open beside it.
    let twice = admin
        .post("/admin/rounds", &[("name", "2027年第一批"), ("deadline", "2027-06-30")])
        .await;
    assert!(twice.body.contains("已有同名的申报批次"));
    let second = admin
        .post("/admin/rounds", &[("name", "2027年第二批"), ("deadline", "2027-06-30")])
        .await;
    assert_eq!(second.status, StatusCode::SEE_OTHER);
    let list = admin.get("/admin/rounds").await;
    assert_eq!(
        list.texts("#rounds tr.round.open").len(),
        3,
        "two new rounds and the default one"
    );

    // Editing keeps what is typed when it fails, and saves when it does not.
    let edit_bad = admin
        .post(
            &location,
            &[
                ("name", "2027年第一批"),
                ("deadline", "2027-03-31"),
                ("city_quota", "x"),
            ],
        )
        .await;
    assert_eq!(edit_bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(edit_bad.attr("#round-quota", "value").as_deref(), Some("x"));
    let edited = admin
        .post(
            &location,
            &[
                ("name", "2027年第一批（调整）"),
                ("deadline", "2027-04-15T17:00"),
                ("expert_stage", "on"),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER);
    let page = admin.get(&location).await;
    assert_eq!(page.text("h1"), "2027年第一批（调整）");
    assert_eq!(page.text("#round-deadline-shown"), "2027-04-15 17:00");
    assert_eq!(page.text("#round-stages"), "专家评审");

    let closed = admin.post(&format!("{location}/close"), &[]).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    let page = admin.get(&location).await;
    assert_eq!(page.text("#round-state"), "已结束");
    assert!(!page.has("#edit-round"), "a closed round is not edited");
    let again = admin.post(&format!("{location}/close"), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_submission_enters_the_chosen_round_under_its_standard_version_and_stays_there() {
    let app = TestApp::spawn().await;
    let city_id = city(&app, "潍坊市").await;
    county_of(&app, "诸城市", city_id).await;
    let official = app.official_of("official-a", "诸城市").await;
    let admin_user = admin(&app, "admin-a").await;
    let v2: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE code = 'ZJ-2015' AND version = 2")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let mut f = form("2027年第一批", &in_days(30), &["city"]);
    f.standard = v2.to_string();
    let round = rounds::create(&app.db, &admin_user, &f).await.unwrap();
    let id = ready_draft(&app, &official, "潍坊小镇").await;
    let client = signed_in(&app, "official-a").await;

    // Two rounds are open (the default one and the new one): the page asks.
    let page = client.get(&format!("/proposals/{id}")).await;
    assert_eq!(
        page.texts("#round option").len(),
        3,
        "a blank choice and the two rounds"
    );
    let version = app.proposal_version(id).await.to_string();
    let unchosen = client
        .post(&format!("/proposals/{id}/submit"), &[("version", &version)])
        .await;
    assert_eq!(unchosen.status, StatusCode::CONFLICT);
    assert!(
        unchosen.body.contains("有多个申报批次开放，请选择一个"),
        "{}",
        unchosen.body
    );

    let submitted = client
        .post(
            &format!("/proposals/{id}/submit"),
            &[("version", &version), ("round", &round.to_string())],
        )
        .await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.body);
    assert_eq!(
        stage_of(&app, id).await,
        (Some(round), Some("city".into()), "submitted".into())
    );
    let (code, version_no): (String, i32) = sqlx::query_as(
        "SELECT s.code, s.version FROM evaluations e JOIN standards s ON s.id = e.standard_id WHERE e.proposal_id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        (code.as_str(), version_no),
        ("ZJ-2015", 2),
        "the round's version, not the active one"
    );
    let page = client.get(&format!("/proposals/{id}")).await;
    assert_eq!(page.text("#round-name"), "2027年第一批");
    assert_eq!(page.text("#round-stage"), "市级初审推荐");
    let list = client.get("/proposals").await;
    assert_eq!(
        list.texts("#proposals td.round-stage"),
        vec!["2027年第一批 · 市级初审推荐"]
    );

    // Returned by the city and resubmitted: the same round, at its first stage again.
    let city = city_user(&app, "city-a", city_id).await;
    let v = app.proposal_version(id).await;
    rounds::city_return(&app.db, &city, id, v, "请补充产业数据")
        .await
        .unwrap();
    let default: i64 = sqlx::query_scalar("SELECT id FROM rounds WHERE is_default")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let v = app.proposal_version(id).await;
    xiaozhen::services::proposals::submit_into(&app.db, &official, id, v, Some(default))
        .await
        .unwrap();
    assert_eq!(
        stage_of(&app, id).await,
        (Some(round), Some("city".into()), "submitted".into())
    );
}

#[tokio::test]
async fn nothing_enters_a_round_after_its_deadline_or_once_it_is_closed() {
    let app = TestApp::spawn().await;
    let official = app.official_of("official-a", "诸城市").await;
    let admin_user = admin(&app, "admin-a").await;
    let round = only_round(&app, &admin_user, form("2027年第一批", &in_days(10), &[])).await;
    sqlx::query("UPDATE rounds SET deadline = now() - interval '1 minute' WHERE id = $1")
        .bind(round)
        .execute(&app.db)
        .await
        .unwrap();
    let id = ready_draft(&app, &official, "迟到的小镇").await;
    let client = signed_in(&app, "official-a").await;
    let late = client
        .post(&format!("/proposals/{id}/submit"), &[("version", "1")])
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(
        late.body.contains("该申报批次已过截止时间，不能再提交"),
        "{}",
        late.body
    );
    assert_eq!(stage_of(&app, id).await.2, "draft");

    sqlx::query("UPDATE rounds SET deadline = now() + interval '1 day' WHERE id = $1")
        .bind(round)
        .execute(&app.db)
        .await
        .unwrap();
    rounds::close(&app.db, &admin_user, round).await.unwrap();
    // Closed: no round is open, so the chosen (closed) one is refused.
    let closed = client
        .post(
            &format!("/proposals/{id}/submit"),
            &[("version", "1"), ("round", &round.to_string())],
        )
        .await;
    assert_eq!(closed.status, StatusCode::CONFLICT);
    assert!(closed.body.contains("该申报批次已结束，不能再提交"), "{}", closed.body);
    assert_eq!(stage_of(&app, id).await.2, "draft");
}

#[tokio::test]
async fn a_county_without_a_city_skips_the_city_stage() {
    let app = TestApp::spawn().await;
    let official = app.official_of("official-a", "无市县").await;
    let admin_user = admin(&app, "admin-a").await;
    only_round(
        &app,
        &admin_user,
        form("2027年第一批", &in_days(10), &["city", "formal"]),
    )
    .await;
    let id = app.submitted(&official, &sample_input("无市小镇")).await;
    assert_eq!(stage_of(&app, id).await.1.as_deref(), Some("formal"));
}

#[tokio::test]
async fn the_city_sees_its_counties_proposals_from_submission_on_and_never_drafts() {
    let app = TestApp::spawn().await;
    let w = weifang(&app, &["city"], "").await;
    let submitted = app.submitted(&w.official, &sample_input("已提交的小镇")).await;
    let draft = app.draft(&w.official, &sample_input("草稿小镇")).await;
    // Another city's county.
    let other_city = city(&app, "杭州市").await;
    county_of(&app, "德清县", other_city).await;
    let other = app.official_of("official-b", "德清县").await;
    let elsewhere = app.submitted(&other, &sample_input("别市的小镇")).await;

    let client = signed_in(&app, "city-a").await;
    let home = client.get("/city").await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(home.texts("#city-to-do td.name"), vec!["已提交的小镇"]);
    assert!(!home.body.contains("草稿小镇") && !home.body.contains("别市的小镇"));
    for path in [
        format!("/proposals/{submitted}"),
        format!("/proposals/{submitted}/report"),
        format!("/proposals/{submitted}/materials"),
        format!("/city/proposals/{submitted}"),
    ] {
        assert_eq!(client.get(&path).await.status, StatusCode::OK, "{path}");
    }
    for path in [
        format!("/proposals/{draft}"),
        format!("/proposals/{draft}/report"),
        format!("/proposals/{elsewhere}"),
        format!("/city/proposals/{elsewhere}"),
        format!("/city/proposals/{draft}"),
    ] {
        assert_eq!(client.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let page = client.get(&format!("/proposals/{submitted}")).await;
    assert_eq!(page.text("#round-stage"), "市级初审推荐");
    assert!(!page.has("#submit-button") && !page.has("#withdraw-button"));
    assert_eq!(client.get("/dashboard").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_city_recommends_with_an_opinion_and_a_unique_rank_within_its_quota() {
    let app = TestApp::spawn().await;
    let w = weifang(&app, &["city", "formal"], "2").await;
    let a = app.submitted(&w.official, &sample_input("甲小镇")).await;
    let b = app.submitted(&w.official, &sample_input("乙小镇")).await;
    let c = app.submitted(&w.official, &sample_input("丙小镇")).await;
    let client = signed_in(&app, "city-a").await;
    let recommend = |id: i64, rank: &'static str, opinion: &'static str| {
        let client = &client;
        let app = &app;
        async move {
            let version = app.proposal_version(id).await.to_string();
            client
                .post(
                    &format!("/city/proposals/{id}/recommend"),
                    &[("version", version.as_str()), ("rank", rank), ("opinion", opinion)],
                )
                .await
        }
    };

    let blank = recommend(a, "x", "").await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.body.contains("请填写推荐意见") && blank.body.contains("推荐排序须为 1–1000 的整数"));
    assert_eq!(blank.attr("#rank", "value").as_deref(), Some("x"), "typed rank kept");

    let first = recommend(a, "1", "产业基础扎实").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert_eq!(
        stage_of(&app, a).await.1.as_deref(),
        Some("formal"),
        "on to the next stage that is on"
    );
    let page = client.get(&format!("/proposals/{a}")).await;
    assert!(page.text("#recommendation").contains("产业基础扎实"));

    let same_rank = recommend(b, "1", "也不错").await;
    assert_eq!(same_rank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(same_rank.body.contains("本市在本批次已有项目使用该排序"));
    assert_eq!(same_rank.text("#opinion"), "也不错", "typed opinion kept");
    assert_eq!(recommend(b, "2", "也不错").await.status, StatusCode::SEE_OTHER);

    // The quota of 2 is used up.
    let over = recommend(c, "3", "名额外").await;
    assert_eq!(over.status, StatusCode::CONFLICT);
    assert!(over.body.contains("本市在本批次的推荐名额已用完"), "{}", over.body);
    assert_eq!(stage_of(&app, c).await.1.as_deref(), Some("city"));

    // Not at the city stage any more.
    let again = recommend(a, "3", "再次").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("该申报不在市级初审推荐阶段"));

    // Another city's county: not found.
    let other_city = city(&app, "杭州市").await;
    county_of(&app, "德清县", other_city).await;
    let other = app.official_of("official-b", "德清县").await;
    let elsewhere = app.submitted(&other, &sample_input("别市的小镇")).await;
    assert_eq!(stage_of(&app, elsewhere).await.1.as_deref(), Some("city"));
    assert_eq!(recommend(elsewhere, "3", "越权").await.status, StatusCode::NOT_FOUND);

    // A closed round: refused.
    rounds::close(&app.db, &w.admin, w.round).await.unwrap();
    let closed = client
        .post(
            &format!("/city/proposals/{c}/return"),
            &[
                ("version", &app.proposal_version(c).await.to_string()),
                ("comment", "不推荐"),
            ],
        )
        .await;
    assert_eq!(closed.status, StatusCode::CONFLICT);
    assert!(closed.body.contains("该申报批次已结束"), "{}", closed.body);
    let _ = w.city;
}

#[tokio::test]
async fn the_city_returns_to_the_county_which_reads_why_and_may_resubmit() {
    let app = TestApp::spawn().await;
    let w = weifang(&app, &["city"], "").await;
    let id = app.submitted(&w.official, &sample_input("退回的小镇")).await;
    let client = signed_in(&app, "city-a").await;
    let version = app.proposal_version(id).await.to_string();
    let blank = client
        .post(
            &format!("/city/proposals/{id}/return"),
            &[("version", version.as_str()), ("comment", " ")],
        )
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.body.contains("请填写意见"));
    let returned = client
        .post(
            &format!("/city/proposals/{id}/return"),
            &[
                ("version", version.as_str()),
                ("comment", "特色产业投资占比偏低，请核实"),
            ],
        )
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER, "{}", returned.body);
    assert_eq!(stage_of(&app, id).await, (Some(w.round), None, "returned".into()));

    let county = signed_in(&app, "official-a").await;
    let page = county.get(&format!("/proposals/{id}")).await;
    assert!(
        page.text("#returned").contains("特色产业投资占比偏低，请核实"),
        "{}",
        page.body
    );
    assert!(page.has("#submit-button"));
    let v = app.proposal_version(id).await.to_string();
    let again = county
        .post(&format!("/proposals/{id}/submit"), &[("version", v.as_str())])
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(
        stage_of(&app, id).await,
        (Some(w.round), Some("city".into()), "submitted".into())
    );
    let _ = (w.city_user, w.city);
}

#[tokio::test]
async fn the_formal_review_returns_with_the_missing_items_or_finds_the_proposal_complete() {
    let app = TestApp::spawn().await;
    let w = weifang(&app, &["formal"], "").await;
    // Submitted without materials or boundary: the evaluation finds them missing.
    let bare = app.draft(&w.official, &sample_input("缺材料的小镇")).await;
    xiaozhen::services::proposals::submit(&app.db, &w.official, bare, 1)
        .await
        .unwrap();
    let full = app.submitted(&w.official, &sample_input("齐全的小镇")).await;
    assert_eq!(stage_of(&app, bare).await.1.as_deref(), Some("formal"));
    app.create_user("reviewer-a", Role::Reviewer, None).await;
    let reviewer = signed_in(&app, "reviewer-a").await;

    let list = reviewer.get("/review/formal").await;
    assert_eq!(list.texts("#formal-queue td.name").len(), 2);
    let queue = reviewer.get("/review").await;
    assert!(queue.texts("td.stage.formal").len() == 2, "the queue shows the stage");
    let check = reviewer.get(&format!("/review/formal/{bare}")).await;
    let items = check.texts("#missing-items label");
    assert!(items.len() >= 5, "the five materials at least: {items:?}");
    assert!(items.iter().any(|i| i.contains("概念性规划")), "{items:?}");
    let full_check = reviewer.get(&format!("/review/formal/{full}")).await;
    assert!(full_check.has("#nothing-missing"));

    // The decision waits for its stage.
    let report = reviewer.get(&format!("/proposals/{full}/report")).await;
    assert!(report.text("#waiting-stage").contains("形式审查"), "{}", report.body);
    assert!(!report.has("#decision-form"), "no decision form before the joint stage");
    let decide = reviewer
        .post(
            &format!("/proposals/{full}/decision"),
            &[
                ("decision", "approve"),
                ("comment", "同意"),
                ("version", &app.proposal_version(full).await.to_string()),
            ],
        )
        .await;
    assert_eq!(decide.status, StatusCode::CONFLICT);
    assert!(decide.body.contains("该申报尚未进入联审决定阶段"), "{}", decide.body);

    let version = app.proposal_version(bare).await.to_string();
    let no_comment = reviewer
        .post(
            &format!("/review/formal/{bare}/return"),
            &[
                ("version", version.as_str()),
                ("missing", "material.concept_plan"),
                ("comment", ""),
            ],
        )
        .await;
    assert_eq!(no_comment.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_comment.body.contains("请填写意见"));
    let criterion: String = sqlx::query_scalar(
        "SELECT f->>'criterion' FROM evaluations e, jsonb_array_elements(e.findings) f
         WHERE e.proposal_id = $1 AND f->>'verdict' = 'missing' ORDER BY 1 LIMIT 1",
    )
    .bind(bare)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let returned = reviewer
        .post(
            &format!("/review/formal/{bare}/return"),
            &[
                ("version", version.as_str()),
                ("missing", criterion.as_str()),
                ("comment", "请补齐申报材料"),
            ],
        )
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER, "{}", returned.body);
    let county = signed_in(&app, "official-a").await;
    let page = county.get(&format!("/proposals/{bare}")).await;
    assert!(page.text("#returned").contains("请补齐申报材料"));
    assert_eq!(page.texts("#returned-missing li").len(), 1, "the item ticked is listed");

    let complete = reviewer
        .post(
            &format!("/review/formal/{full}/complete"),
            &[("version", &app.proposal_version(full).await.to_string())],
        )
        .await;
    assert_eq!(complete.status, StatusCode::SEE_OTHER);
    assert_eq!(stage_of(&app, full).await.1.as_deref(), Some("joint"));
    let again = reviewer
        .post(
            &format!("/review/formal/{full}/complete"),
            &[("version", &app.proposal_version(full).await.to_string())],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "not at the formal stage any more");
    let reviewer_user = app
        .user(app.create_user("reviewer-b", Role::Reviewer, None).await)
        .await;
    let v = app.proposal_version(full).await;
    xiaozhen::services::reviews::decide(
        &app.db,
        &reviewer_user,
        full,
        &DecisionInput::new(Decision::Approve, "同意", v),
    )
    .await
    .expect("at the joint stage the reviewer decides");
}

/// The count the navigation shows.
async fn nav_count(client: &Client) -> String {
    client.get("/account/password").await.text("#todo-count")
}

#[tokio::test]
async fn every_role_has_a_to_do_list_with_its_count_in_the_navigation() {
    let app = TestApp::spawn().await;
    let w = weifang(&app, &["city", "formal"], "").await;
    app.create_user("reviewer-a", Role::Reviewer, None).await;
    let official = signed_in(&app, "official-a").await;
    let city_client = signed_in(&app, "city-a").await;
    let reviewer = signed_in(&app, "reviewer-a").await;
    let admin_client = signed_in(&app, "admin-a").await;
    // A county without a city: the admin's to-do.
    app.official_of("official-c", "无市县").await;
    assert_eq!(nav_count(&official).await, "0");
    assert_eq!(nav_count(&city_client).await, "0");
    assert_eq!(nav_count(&reviewer).await, "0");
    assert_eq!(nav_count(&admin_client).await, "1");
    assert!(admin_client.get("/todo").await.text("#todo-items").contains("无市县"));

    // Two at the city stage: the city's to-do.
    let a = app.submitted(&w.official, &sample_input("甲小镇")).await;
    let b = app.submitted(&w.official, &sample_input("乙小镇")).await;
    assert_eq!(nav_count(&city_client).await, "2");
    let todo = city_client.get("/todo").await;
    assert_eq!(todo.texts("#todo-items li.recommend").len(), 2);
    // One recommended: a formal check for the reviewers.
    rounds::recommend(
        &app.db,
        &w.city_user,
        a,
        rounds::Recommend {
            version: app.proposal_version(a).await,
            rank: "1",
            opinion: "推荐",
        },
    )
    .await
    .unwrap();
    assert_eq!(nav_count(&city_client).await, "1");
    assert_eq!(nav_count(&reviewer).await, "1");
    assert!(reviewer.get("/todo").await.text("#todo-items li.formal").contains('1'));
    // One returned: the county's to-do.
    rounds::city_return(&app.db, &w.city_user, b, app.proposal_version(b).await, "退回")
        .await
        .unwrap();
    assert_eq!(nav_count(&official).await, "1");
    assert!(
        official
            .get("/todo")
            .await
            .text("#todo-items li.returned")
            .contains("乙小镇")
    );
    // A round closing within 3 days while the county has drafts.
    app.draft(&w.official, &sample_input("草稿")).await;
    let mut soon = form("2027年补充批", &in_days(2), &[]);
    soon.city_quota = String::new();
    rounds::create(&app.db, &w.admin, &soon).await.unwrap();
    assert_eq!(nav_count(&official).await, "2");
    let todo = official.get("/todo").await;
    assert!(
        todo.text("#todo-items li.deadline").contains("2027年补充批"),
        "{}",
        todo.body
    );
}

#[tokio::test]
async fn a_re_evaluated_approval_goes_back_to_the_decision_of_its_round() {
    let app = TestApp::spawn().await;
    let w = weifang(&app, &["city"], "").await;
    let id = app.submitted(&w.official, &sample_input("复核小镇")).await;
    rounds::recommend(
        &app.db,
        &w.city_user,
        id,
        rounds::Recommend {
            version: app.proposal_version(id).await,
            rank: "1",
            opinion: "推荐",
        },
    )
    .await
    .unwrap();
    let reviewer = app
        .user(app.create_user("reviewer-a", Role::Reviewer, None).await)
        .await;
    let approve = |v: i32| DecisionInput::new(Decision::Approve, "同意", v);
    xiaozhen::services::reviews::decide(&app.db, &reviewer, id, &approve(app.proposal_version(id).await))
        .await
        .unwrap();
    xiaozhen::services::standards::reevaluate(&app.db, &w.admin, id)
        .await
        .unwrap();
    assert_eq!(
        stage_of(&app, id).await,
        (Some(w.round), Some("joint".into()), "submitted".into()),
        "back at the decision, not before the city"
    );
    xiaozhen::services::reviews::decide(&app.db, &reviewer, id, &approve(app.proposal_version(id).await))
        .await
        .expect("decided again on the new evaluation");
}

#[tokio::test]
async fn a_closed_rounds_city_stage_is_not_on_the_citys_to_do_list_nor_in_its_count() {
    let app = TestApp::spawn().await;
    let w = weifang(&app, &["city"], "").await;
    let id = app.submitted(&w.official, &sample_input("已截止的小镇")).await;
    assert_eq!(stage_of(&app, id).await.1.as_deref(), Some("city"));
    let client = signed_in(&app, "city-a").await;
    assert_eq!(nav_count(&client).await, "1");
    assert_eq!(
        client.get("/city").await.texts("#city-to-do td.name"),
        vec!["已截止的小镇"]
    );

    // Closed, the round takes no recommendation: the list, the to-do page
    // and the count in the navigation all leave the proposal out.
    rounds::close(&app.db, &w.admin, w.round).await.unwrap();
    assert_eq!(nav_count(&client).await, "0");
    let home = client.get("/city").await;
    assert!(home.texts("#city-to-do td.name").is_empty(), "{}", home.body);
    assert_eq!(home.texts("#city-others td.name"), vec!["已截止的小镇"]);
    assert!(client.get("/todo").await.texts("#todo-items li.recommend").is_empty());
}

#[tokio::test]
async fn a_closed_rounds_formal_checks_stay_on_the_reviewers_list_and_count() {
    let app = TestApp::spawn().await;
    let w = weifang(&app, &["formal"], "").await;
    let id = app.submitted(&w.official, &sample_input("待形式审查的小镇")).await;
    assert_eq!(stage_of(&app, id).await.1.as_deref(), Some("formal"));
    app.create_user("reviewer-a", Role::Reviewer, None).await;
    let reviewer = signed_in(&app, "reviewer-a").await;
    rounds::close(&app.db, &w.admin, w.round).await.unwrap();

    // Closing stops entry, not review: what the count counts is listed,
    // and can be checked from the list.
    assert_eq!(nav_count(&reviewer).await, "1");
    let list = reviewer.get("/review/formal").await;
    assert_eq!(
        list.texts("#formal-queue td.name"),
        vec!["待形式审查的小镇"],
        "{}",
        list.body
    );
    assert_eq!(
        reviewer.get(&format!("/review/formal/{id}")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_admins_round_pages_count_the_proposals_that_entered_each_round() {
    let app = TestApp::spawn().await;
    let w = weifang(&app, &["city"], "").await;
    app.submitted(&w.official, &sample_input("甲小镇")).await;
    app.submitted(&w.official, &sample_input("乙小镇")).await;
    let admin = signed_in(&app, "admin-a").await;
    let list = admin.get("/admin/rounds").await;
    assert_eq!(
        list.texts(&format!("tr[data-id=\"{}\"] td.proposals", w.round)),
        vec!["2"],
        "{}",
        list.body
    );
    let edit = admin.get(&format!("/admin/rounds/{}", w.round)).await;
    assert_eq!(edit.text("#round-proposals"), "2");
}

/// The city's list reads only candidates (every proposal at the city stage
/// and each county's newest) instead of sorting all its counties'
/// proposals. Cut to any length, it is still exactly the start of the full
/// order: waiting ones first, then the newest.
#[tokio::test]
async fn the_citys_list_cut_to_any_length_is_the_start_of_the_full_order() {
    let app = TestApp::spawn().await;
    let w = weifang(&app, &["city"], "").await;
    county_of(&app, "高密市", w.city).await;
    let other = app.official_of("official-b", "高密市").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            app.submitted(&w.official, &sample_input(&format!("诸城{i}号小镇")))
                .await,
        );
        ids.push(app.submitted(&other, &sample_input(&format!("高密{i}号小镇"))).await);
    }
    // Interleave the counties in time, and let only the oldest three wait
    // for the city: a page of any length must still put them first.
    for (n, id) in ids.iter().enumerate() {
        sqlx::query(
            "UPDATE proposals SET submitted_at = now() - make_interval(hours => $2),
                 stage = CASE WHEN $2 >= 8 THEN 'city' END WHERE id = $1",
        )
        .bind(id)
        .bind(i32::try_from(ids.len() - n).unwrap())
        .execute(&app.db)
        .await
        .unwrap();
    }
    let full: Vec<i64> = sqlx::query_scalar(
        "SELECT p.id FROM proposals p JOIN regions r ON r.id = p.region_id LEFT JOIN rounds ro ON ro.id = p.round_id
         WHERE r.parent_id = $1 AND p.status NOT IN ('draft', 'withdrawn')
         ORDER BY (p.stage = 'city' AND ro.closed_at IS NULL) IS TRUE DESC, p.submitted_at DESC NULLS LAST, p.id DESC",
    )
    .bind(w.city)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(full.len(), 10);
    assert_eq!(full[..3], [ids[2], ids[1], ids[0]], "the three waiting, newest first");
    let mut conn = app.db.acquire().await.unwrap();
    for limit in 1..=11 {
        let listed: Vec<i64> = xiaozhen::db::rounds::of_city(&mut conn, w.city, limit)
            .await
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        let expected = &full[..full.len().min(limit as usize)];
        assert_eq!(listed, expected, "a list of {limit}");
    }
}
