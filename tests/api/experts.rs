//! The expert pool (`/admin/experts`) and the fixtures the expert-review
//! tests share: a round with only the expert stage on, proposals submitted
//! into it (they wait at the expert stage), experts with a known password.

use reqwest::StatusCode;
use xiaozhen::auth::User;
use xiaozhen::domain::Role;
use xiaozhen::domain::panel::Field;
use xiaozhen::services::experts::ExpertInput;
use xiaozhen::services::panels::DrawInput;

use crate::helpers::{Client, PASSWORD, TestApp, sample_input};

/// An admin and a round with the expert stage on (no city or formal stage).
pub(crate) async fn expert_round(app: &TestApp, name: &str) -> (User, i64) {
    let admin = match sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE username = 'panel-admin'")
        .fetch_optional(&app.db)
        .await
        .unwrap()
    {
        Some(id) => id,
        None => app.create_user("panel-admin", Role::Admin, None).await,
    };
    let admin = app.user(admin).await;
    let mut conn = app.db.acquire().await.unwrap();
    let round = xiaozhen::db::rounds::insert(
        &mut conn,
        &xiaozhen::db::rounds::RoundData {
            name,
            deadline: None,
            standard_id: None,
            scoring_table: None,
            stages: xiaozhen::domain::round::Stages {
                expert: true,
                ..Default::default()
            },
            city_quota: None,
        },
        admin.id,
    )
    .await
    .unwrap();
    (admin, round)
}

/// A proposal of `official` submitted into `round`, where it waits at
/// the expert stage.
pub(crate) async fn in_round(app: &TestApp, official: &User, admin: &User, name: &str, round: i64) -> i64 {
    in_round_with(app, official, admin, &sample_input(name), round).await
}

/// [`in_round`] with the proposal's data given.
pub(crate) async fn in_round_with(
    app: &TestApp,
    official: &User,
    admin: &User,
    input: &xiaozhen::domain::proposal::ProposalInput,
    round: i64,
) -> i64 {
    // The round has only the expert stage on: the submission enters it there.
    let id = app.submitted_into(official, input, Some(round)).await;
    let stage: Option<String> = sqlx::query_scalar("SELECT stage FROM proposals WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stage.as_deref(), Some("expert"), "submitted by {}", admin.username);
    id
}

/// An expert of the pool, made through the admin's use case, whose account
/// then gets the tests' password (no change owed). Returns (expert id, user).
pub(crate) async fn expert(
    app: &TestApp,
    admin: &User,
    username: &str,
    field: Field,
    employer: &str,
    home_region: Option<i64>,
) -> (i64, User) {
    let input = ExpertInput {
        field: field.code().into(),
        employer: employer.into(),
        home_region: home_region.map(|r| r.to_string()).unwrap_or_default(),
    };
    let (id, user_id, _) =
        xiaozhen::services::experts::create(&app.db, admin.id, username, &format!("{username}专家"), &input)
            .await
            .unwrap();
    let hash = xiaozhen::auth::password::hash(PASSWORD.to_owned()).await.unwrap();
    let mut conn = app.db.acquire().await.unwrap();
    xiaozhen::db::users::set_password(&mut conn, user_id, &hash, false)
        .await
        .unwrap();
    (id, app.user(user_id).await)
}

/// A draw of `size` seats with the given mix (every other field 0–0) and
/// minimum of scorers.
pub(crate) fn draw_input(name: &str, size: usize, mix: &[(Field, usize, usize)], min_scorers: usize) -> DrawInput {
    DrawInput {
        name: name.into(),
        size: size.to_string(),
        mix: Field::ALL
            .iter()
            .map(|f| {
                let (min, max) = mix.iter().find(|(x, _, _)| x == f).map_or((0, 0), |(_, a, b)| (*a, *b));
                (*f, min.to_string(), max.to_string())
            })
            .collect(),
        min_scorers: min_scorers.to_string(),
        due: String::new(),
        proposals: Vec::new(),
    }
}

pub(crate) async fn signed_in(app: &TestApp, username: &str) -> Client {
    let client = app.client();
    let page = client.login(username, PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{username} logs in: {}", page.body);
    client
}

/// The region id of a region name.
pub(crate) async fn region_id(app: &TestApp, name: &str) -> i64 {
    let mut conn = app.db.acquire().await.unwrap();
    xiaozhen::db::regions::ensure(&mut conn, name).await.unwrap().id
}

#[tokio::test]
async fn an_admin_creates_an_expert_whose_first_password_is_shown_once_edits_and_takes_it_out_of_the_draws() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let region = region_id(&app, "杭州市").await;

    // Every field's problem at once, the typed values kept.
    let page = admin
        .post(
            "/admin/experts",
            &[
                ("username", "x"),
                ("display_name", "张三"),
                ("field", "chemistry"),
                ("employer", " "),
                ("home_region", "999999"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = page.texts(".field-error");
    assert!(errors.contains(&"请选择专家领域".to_string()), "{errors:?}");
    assert!(
        errors.contains(&"请填写工作单位（不超过 200 字）".to_string()),
        "{errors:?}"
    );
    assert!(errors.contains(&"所在地区不存在".to_string()), "{errors:?}");
    assert_eq!(errors.len(), 4, "the user name too: {errors:?}");
    assert_eq!(page.attr("#display_name", "value").as_deref(), Some("张三"));

    let page = admin
        .post(
            "/admin/experts",
            &[
                ("username", "zhang-san"),
                ("display_name", "张三"),
                ("field", "planning"),
                ("employer", "浙江大学"),
                ("home_region", &region.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location().unwrap();
    let shown = admin.get(&location).await;
    let password = shown.text("#first-password code.password");
    assert!(password.len() >= 16, "{password}");
    assert_eq!(shown.text("dd.employer"), "浙江大学");
    assert_eq!(shown.text("dd.home-region"), "杭州市");
    // Shown once.
    assert!(!admin.get(&location).await.has("#first-password"));

    // The account is an expert's, and its first password must be changed.
    let expert = app.client();
    let login = expert.login("zhang-san", &password).await;
    assert_eq!(login.location().as_deref(), Some("/account/password"));
    let role: String = sqlx::query_scalar("SELECT role FROM users WHERE username = 'zhang-san'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(role, "expert");

    // Edited; a wrong field is refused beside itself.
    let page = admin
        .post(
            &location,
            &[
                ("display_name", "张三"),
                ("field", ""),
                ("employer", "同济大学"),
                ("home_region", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.texts(".field-error"), ["请选择专家领域"]);
    assert_eq!(page.attr("#employer", "value").as_deref(), Some("同济大学"));
    let page = admin
        .post(
            &location,
            &[
                ("display_name", "张三教授"),
                ("field", "tourism"),
                ("employer", "同济大学"),
                ("home_region", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let list = admin.get("/admin/experts").await;
    assert_eq!(list.texts("#experts td.name"), ["张三教授"]);
    assert_eq!(list.texts("#experts td.field"), ["旅游"]);
    assert_eq!(list.texts("#experts td.employer"), ["同济大学"]);
    assert_eq!(list.texts("#experts td.home-region"), [""]);

    // Out of the draws, and back.
    let page = admin.post(&format!("{location}/active"), &[("active", "false")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(admin.get("/admin/experts").await.texts("#experts td.state"), ["已移出"]);
    let mut conn = app.db.acquire().await.unwrap();
    assert!(xiaozhen::db::experts::drawable(&mut conn).await.unwrap().is_empty());
    admin.post(&format!("{location}/active"), &[("active", "true")]).await;
    assert_eq!(xiaozhen::db::experts::drawable(&mut conn).await.unwrap().len(), 1);
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE entity IN ('expert', 'user') ORDER BY id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        actions,
        [
            "user.created",
            "expert.created",
            "expert.updated",
            "expert.deactivated",
            "expert.activated"
        ]
    );
}
