//! User administration: accounts with a password shown once, role and
//! region changes, deactivation, resets; the last active admin stays; regions.

use reqwest::StatusCode;
use xiaozhen::domain::Role;

use crate::helpers::{PASSWORD, TestApp};

fn id_from(location: &str) -> i64 {
    location
        .strip_prefix("/admin/users/")
        .expect("user page")
        .parse()
        .expect("id")
}

async fn region_id(app: &TestApp, name: &str) -> i64 {
    let mut conn = app.db.acquire().await.unwrap();
    xiaozhen::db::regions::ensure(&mut conn, name).await.unwrap().id
}

#[tokio::test]
async fn an_admin_creates_an_account_whose_password_is_shown_once() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let region = region_id(&app, "诸城市").await.to_string();
    let created = admin
        .post(
            "/admin/users",
            &[
                ("username", "zhang.san"),
                ("display_name", "Zhang San"),
                ("role", "official"),
                ("region", &region),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let path = created.location().unwrap();
    let id = id_from(&path);
    let page = admin.get(&path).await;
    let password = page.text("code.new-password");
    assert!(password.len() >= 16, "{password}");
    assert_eq!(page.text("dd.region"), "诸城市");
    // Shown once.
    assert!(!admin.get(&path).await.has("code.new-password"));
    // The list shows the account.
    let list = admin.get("/admin/users").await;
    assert!(list.texts("td.username").contains(&"zhang.san".to_owned()));
    // The new user logs in and must first choose a password.
    let user = app.client();
    assert_eq!(user.login("zhang.san", &password).await.status, StatusCode::SEE_OTHER);
    let home = user.get("/proposals").await;
    assert_eq!(home.location().as_deref(), Some("/account/password"));
    assert!(
        sqlx::query_scalar::<_, bool>("SELECT must_change_password FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn account_forms_refuse_bad_input_with_messages_and_keep_values() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let no_region = admin
        .post(
            "/admin/users",
            &[
                ("username", "li.si"),
                ("display_name", "Li Si"),
                ("role", "official"),
                ("region", ""),
            ],
        )
        .await;
    assert_eq!(no_region.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_region.text("#new-user .field-error"), "申报单位须选择所属县市区。");
    assert_eq!(no_region.attr("#username", "value").as_deref(), Some("li.si"));
    let taken = admin
        .post(
            "/admin/users",
            &[("username", "admin1"), ("display_name", "Again"), ("role", "reviewer")],
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(taken.text("#new-user .field-error"), "该用户名已被使用。");
    let bad = admin
        .post(
            "/admin/users",
            &[("username", "名字"), ("display_name", "X"), ("role", "reviewer")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A reviewer gets no region even if one is sent.
    let region = region_id(&app, "诸城市").await.to_string();
    let reviewer = admin
        .post(
            "/admin/users",
            &[
                ("username", "rev2"),
                ("display_name", "R"),
                ("role", "reviewer"),
                ("region", &region),
            ],
        )
        .await;
    assert_eq!(reviewer.status, StatusCode::SEE_OTHER);
    assert_eq!(admin.get(&reviewer.location().unwrap()).await.text("dd.region"), "");
}

#[tokio::test]
async fn the_last_active_admin_can_be_neither_deactivated_nor_demoted() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let me: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'admin1'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let off = admin
        .post(&format!("/admin/users/{me}/active"), &[("active", "false")])
        .await;
    assert_eq!(off.status, StatusCode::CONFLICT);
    assert!(off.text("main").contains("最后一个启用的管理员"));
    let demote = admin
        .post(
            &format!("/admin/users/{me}/role"),
            &[("role", "reviewer"), ("region", "")],
        )
        .await;
    assert_eq!(demote.status, StatusCode::CONFLICT);
    assert_eq!(admin.get("/admin").await.status, StatusCode::OK, "still an admin");

    // With a second admin, one of them may go.
    let other = app.create_user("admin2", Role::Admin, None).await;
    let off = admin
        .post(&format!("/admin/users/{other}/active"), &[("active", "false")])
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.client().login("admin2", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Now admin1 is the last again.
    assert_eq!(
        admin
            .post(&format!("/admin/users/{me}/active"), &[("active", "false")])
            .await
            .status,
        StatusCode::CONFLICT
    );
    // Reactivated, admin2 can log in again, and admin1 may be demoted.
    assert_eq!(
        admin
            .post(&format!("/admin/users/{other}/active"), &[("active", "true")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.client().login("admin2", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let region = region_id(&app, "诸城市").await.to_string();
    let demote = admin
        .post(
            &format!("/admin/users/{me}/role"),
            &[("role", "official"), ("region", &region)],
        )
        .await;
    assert_eq!(demote.status, StatusCode::SEE_OTHER);
    assert_eq!(
        admin.get("/admin").await.status,
        StatusCode::FORBIDDEN,
        "the change applies at once"
    );
}

#[tokio::test]
async fn a_password_reset_shows_the_new_password_once_and_forces_a_change() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = app.create_user("wang", Role::Reviewer, None).await;
    let reset = admin.post(&format!("/admin/users/{id}/password"), &[]).await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    let page = admin.get(&reset.location().unwrap()).await;
    let password = page.text("code.new-password");
    assert_eq!(
        app.client().login("wang", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    let client = app.client();
    assert_eq!(client.login("wang", &password).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        client.get("/review").await.location().as_deref(),
        Some("/account/password")
    );
    let audit: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'user.password_reset' AND entity_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(audit, 1);
    assert!(!page.body.contains("password_hash"));
}

#[tokio::test]
async fn regions_are_listed_added_and_renamed() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let added = admin.post("/admin/regions", &[("name", "安吉县")]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let page = admin.get("/admin/users").await;
    assert!(page.texts("tr.region td.name").contains(&"安吉县".to_owned()));
    let again = admin.post("/admin/regions", &[("name", "安吉县")]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.text("#regions .field-error"), "已有同名的县市区。");
    assert_eq!(again.attr("#region_name", "value").as_deref(), Some("安吉县"));
    let id = region_id(&app, "安吉县").await;
    let renamed = admin
        .post(&format!("/admin/regions/{id}"), &[("name", "安吉县（新）")])
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    let page = admin.get("/admin/users").await;
    assert!(page.texts("tr.region td.name").contains(&"安吉县（新）".to_owned()));
    let empty = admin.post(&format!("/admin/regions/{id}"), &[("name", " ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
}
