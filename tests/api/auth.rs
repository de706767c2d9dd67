//! Login, logout, passwords, sessions, CSRF and who may open what.

use reqwest::StatusCode;
use xiaozhen::domain::Role;

use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn each_role_lands_on_its_home_after_login() {
    let app = TestApp::spawn().await;
    for (role, home) in [
        (Role::Official, "/proposals"),
        (Role::Reviewer, "/review"),
        (Role::Admin, "/admin"),
    ] {
        let name = format!("{}-a", role.as_str());
        app.create_user(&name, role, (role == Role::Official).then_some("诸城市"))
            .await;
        let client = app.client();
        let page = client.login(&name, PASSWORD).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.location().as_deref(), Some(home));
        let home_page = client.get(home).await;
        assert_eq!(home_page.status, StatusCode::OK, "{home}");
        assert!(home_page.text(".who .user").starts_with(&format!("{name} display")));
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_401() {
    let app = TestApp::spawn().await;
    app.create_user("alice", Role::Reviewer, None).await;
    let client = app.client();
    let wrong = client.login("alice", "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.text(".form-error"), "用户名或密码错误。");
    assert_eq!(
        wrong.attr("#username", "value").as_deref(),
        Some("alice"),
        "the user name is kept"
    );
    let unknown = client.login("nobody", "not-the-password").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.text(".form-error"), wrong.text(".form-error"));
    // Still anonymous.
    assert_eq!(client.get("/review").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn inactive_users_cannot_log_in() {
    let app = TestApp::spawn().await;
    let id = app.create_user("gone", Role::Reviewer, None).await;
    sqlx::query("UPDATE users SET active = false WHERE id = $1")
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(
        app.client().login("gone", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn anonymous_users_are_sent_to_login_and_come_back() {
    let app = TestApp::spawn().await;
    app.create_user("rev", Role::Reviewer, None).await;
    let client = app.client();
    let page = client.get("/review?tab=decided").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.location().as_deref(),
        Some("/login?next=%2Freview%3Ftab%3Ddecided")
    );
    let form = client.get("/login?next=%2Freview%3Ftab%3Ddecided").await;
    assert_eq!(
        form.attr("input[name=next]", "value").as_deref(),
        Some("/review?tab=decided")
    );
    let login = client.login_next("rev", PASSWORD, "/review?tab=decided").await;
    assert_eq!(login.location().as_deref(), Some("/review?tab=decided"));
}

#[tokio::test]
async fn next_never_leaves_the_site() {
    let app = TestApp::spawn().await;
    app.create_user("rev", Role::Reviewer, None).await;
    for evil in ["https://evil.example/", "//evil.example/x", "/\\evil.example"] {
        let client = app.client();
        let login = client.login_next("rev", PASSWORD, evil).await;
        assert_eq!(login.location().as_deref(), Some("/review"), "{evil}");
    }
}

#[tokio::test]
async fn roles_are_refused_other_roles_pages() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let admin = app.login_as(Role::Admin).await;
    let expect = [
        (&official, "/proposals", StatusCode::OK),
        (&official, "/review", StatusCode::FORBIDDEN),
        (&official, "/admin", StatusCode::FORBIDDEN),
        (&reviewer, "/proposals", StatusCode::FORBIDDEN),
        (&reviewer, "/review", StatusCode::OK),
        (&reviewer, "/admin", StatusCode::FORBIDDEN),
        (&admin, "/proposals", StatusCode::OK),
        (&admin, "/review", StatusCode::FORBIDDEN),
        (&admin, "/admin", StatusCode::OK),
    ];
    for (client, path, status) in expect {
        let page = client.get(path).await;
        assert_eq!(page.status, status, "{path}");
        if status == StatusCode::FORBIDDEN {
            assert_eq!(page.text("main h1"), "无权访问");
        }
    }
}

#[tokio::test]
async fn navigation_shows_each_role_only_its_pages() {
    let app = TestApp::spawn().await;
    let nav = |page: &crate::helpers::Page| page.texts("nav.main ul a");
    let official = app.login_as(Role::Official).await;
    // Every signed-in role has its to-do list (待办) with its count.
    assert_eq!(
        nav(&official.get("/proposals").await),
        ["创建名单", "我的申报", "待办 0", "统计"]
    );
    let reviewer = app.login_as(Role::Reviewer).await;
    assert_eq!(
        nav(&reviewer.get("/review").await),
        ["创建名单", "评审", "形式审查", "创建考核", "专家评审", "待办 0", "统计"]
    );
    let expert = app.login_as(Role::Expert).await;
    let home = expert.get("/expert").await;
    // An expert account the pool does not hold yet: nothing to do.
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.has("#nothing-assigned"));
    assert_eq!(nav(&home), ["创建名单", "评审任务", "待办 0"]);
    let admin = app.login_as(Role::Admin).await;
    assert_eq!(
        nav(&admin.get("/admin").await),
        // 诸城市 (the official's county) has no city yet.
        ["创建名单", "管理", "全部申报", "创建考核", "待办 1", "统计"]
    );
    assert_eq!(nav(&app.client().get("/").await), ["创建名单"]);
}

#[tokio::test]
async fn the_session_id_changes_at_login_and_logout_ends_it_on_the_server() {
    let app = TestApp::spawn().await;
    app.create_user("rev", Role::Reviewer, None).await;
    let client = app.client();
    client.get("/login").await;
    let before = client
        .session_cookie()
        .expect("the login form starts a session for its CSRF token");
    client.login("rev", PASSWORD).await;
    let after = client.session_cookie().expect("signed-in session");
    assert_ne!(before, after, "login must rotate the session id");
    // The pre-login id is worthless now.
    let planted = app.client_with_session(Some(&before));
    assert_eq!(planted.get("/review").await.status, StatusCode::SEE_OTHER);

    let logout = client.logout().await;
    assert_eq!(logout.status, StatusCode::SEE_OTHER);
    assert_eq!(client.get("/review").await.status, StatusCode::SEE_OTHER);
    // Someone who kept the old cookie gets nothing either.
    let replay = app.client_with_session(Some(&after));
    assert_eq!(replay.get("/review").await.status, StatusCode::SEE_OTHER);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE id = $1")
        .bind(&after)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(rows, 0, "the session row is deleted at logout");
}

#[tokio::test]
async fn session_cookie_is_http_only_and_same_site_lax() {
    let app = TestApp::spawn().await;
    let page = app.client().get("/login").await;
    let cookie = page.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("xiaozhen_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "not Secure unless XIAOZHEN_SECURE_COOKIES=1"
    );
}

#[tokio::test]
async fn posts_without_the_right_csrf_token_are_refused() {
    let app = TestApp::spawn().await;
    app.create_user("rev", Role::Reviewer, None).await;
    let client = app.client();
    client.get("/login").await;
    let missing = client
        .post_raw("/login", &[("username", "rev"), ("password", PASSWORD)])
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert_eq!(missing.text("main h1"), "请求已失效");
    let wrong = client
        .post_raw(
            "/login",
            &[("csrf_token", "0000"), ("username", "rev"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    // A correct token from a foreign origin is refused too.
    let token = client.csrf().await;
    let body = serde_urlencoded::to_string([
        ("csrf_token", token.as_str()),
        ("username", "rev"),
        ("password", PASSWORD),
    ])
    .unwrap();
    let foreign = client
        .http
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "http://evil.example")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    // Logout is a POST too.
    let signed_in = app.login_as(Role::Reviewer).await;
    assert_eq!(signed_in.post_raw("/logout", &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(signed_in.get("/review").await.status, StatusCode::OK, "still signed in");
}

#[tokio::test]
async fn forced_password_change_comes_first() {
    let app = TestApp::spawn().await;
    app.create_user_with("boss", Role::Admin, None, PASSWORD, true).await;
    let client = app.client();
    let login = client.login("boss", PASSWORD).await;
    assert_eq!(login.location().as_deref(), Some("/account/password"));
    let admin = client.get("/admin").await;
    assert_eq!(
        admin.location().as_deref(),
        Some("/account/password"),
        "no other page before the change"
    );
    let form = client.get("/account/password").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.has(".notice.warn"));

    let short = client
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(short.text(".field-error"), "密码至少需要 10 个字符。");
    let same = client
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "BOSS"),
                ("confirm_password", "BOSS"),
            ],
        )
        .await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    let name = client
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "boss"),
                ("confirm_password", "boss"),
            ],
        )
        .await;
    assert_eq!(name.status, StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = client
        .post(
            "/account/password",
            &[
                ("current_password", "nope"),
                ("new_password", "a-new-password"),
                ("confirm_password", "a-new-password"),
            ],
        )
        .await;
    assert_eq!(wrong.text(".field-error"), "当前密码不正确。");
    let mismatch = client
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a-new-password"),
                ("confirm_password", "other-password"),
            ],
        )
        .await;
    assert_eq!(mismatch.text(".field-error"), "两次输入的新密码不一致。");

    let done = client
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a-new-password"),
                ("confirm_password", "a-new-password"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location().as_deref(), Some("/admin"));
    assert_eq!(client.get("/admin").await.status, StatusCode::OK);
    // The new password works, the old one does not.
    assert_eq!(
        app.client().login("boss", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.client().login("boss", "a-new-password").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_password_change_ends_the_users_other_sessions() {
    let app = TestApp::spawn().await;
    app.create_user("rev", Role::Reviewer, None).await;
    let laptop = app.client();
    laptop.login("rev", PASSWORD).await;
    let tablet = app.client();
    tablet.login("rev", PASSWORD).await;
    assert_eq!(tablet.get("/review").await.status, StatusCode::OK);
    let done = laptop
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "brand-new-secret"),
                ("confirm_password", "brand-new-secret"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        laptop.get("/review").await.status,
        StatusCode::OK,
        "the changing session stays"
    );
    assert_eq!(
        tablet.get("/review").await.status,
        StatusCode::SEE_OTHER,
        "the other session ends"
    );
}

#[tokio::test]
async fn repeated_failures_are_throttled() {
    let app = TestApp::spawn().await;
    app.create_user("rev", Role::Reviewer, None).await;
    let client = app.client();
    for _ in 0..5 {
        assert_eq!(
            client.login("rev", "wrong-password").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let throttled = client.login("rev", PASSWORD).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.text(".form-error"), "登录失败次数过多，请 15 分钟后再试。");
    // Another account from the same address is not yet blocked.
    app.create_user("rev2", Role::Reviewer, None).await;
    assert_eq!(app.client().login("rev2", PASSWORD).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_logged_in_user_visiting_login_goes_home() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    assert_eq!(admin.get("/login").await.location().as_deref(), Some("/admin"));
}

#[tokio::test]
async fn a_session_ends_twelve_hours_after_login_however_active() {
    let app = TestApp::spawn().await;
    let reviewer = app.login_as(Role::Reviewer).await;
    assert_eq!(reviewer.get("/review").await.status, StatusCode::OK);
    let id = reviewer.session_cookie().unwrap();
    let thirteen_hours_ago = chrono::Utc::now().timestamp() - 13 * 3600;
    sqlx::query("UPDATE sessions SET data = jsonb_set(data, '{data,login_at}', to_jsonb($2::bigint)) WHERE id = $1")
        .bind(&id)
        .bind(thirteen_hours_ago)
        .execute(&app.db)
        .await
        .unwrap();
    let page = reviewer.get("/review").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().unwrap().starts_with("/login"));
}

/// The session's user is read from a column generated from its data
/// (`sessions.user_id`): a page signs in the user the data names or no
/// one, and a change to the data moves the column with it.
#[tokio::test]
async fn a_session_naming_no_plain_user_id_signs_no_one_in() {
    let app = TestApp::spawn().await;
    let reviewer = app.login_as(Role::Reviewer).await;
    assert_eq!(reviewer.get("/review").await.status, StatusCode::OK);
    let id = reviewer.session_cookie().unwrap();
    let original: serde_json::Value = sqlx::query_scalar("SELECT data FROM sessions WHERE id = $1")
        .bind(&id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let set = |value: serde_json::Value| {
        sqlx::query("UPDATE sessions SET data = jsonb_set(data, '{data,axum-login.data,user_id}', $2) WHERE id = $1")
            .bind(id.clone())
            .bind(value)
            .execute(&app.db)
    };
    // Integers all (axum-login reads the id as one): negative, no such
    // user, and 19 digits, more than the column takes.
    for other in [-1_i64, 0, 999_999, 1_000_000_000_000_000_000] {
        set(serde_json::json!(other)).await.unwrap();
        let page = reviewer.get("/review").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "user id {other}");
        assert!(page.location().unwrap().starts_with("/login"), "user id {other}");
    }
    sqlx::query("UPDATE sessions SET data = $2 WHERE id = $1")
        .bind(&id)
        .bind(&original)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(reviewer.get("/review").await.status, StatusCode::OK);
}

#[tokio::test]
async fn sessions_expire_after_thirty_idle_minutes() {
    let app = TestApp::spawn().await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let id = reviewer.session_cookie().unwrap();
    let expiry: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("SELECT expiry_date FROM sessions WHERE id = $1")
        .bind(&id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let minutes = (expiry - chrono::Utc::now()).num_minutes();
    assert!((28..=30).contains(&minutes), "idle expiry in {minutes} minutes");
    sqlx::query("UPDATE sessions SET expiry_date = now() - interval '1 second' WHERE id = $1")
        .bind(&id)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(reviewer.get("/review").await.status, StatusCode::SEE_OTHER);
}

/// The idle timeout counts from the last request, not from the login: a
/// session close to expiring is extended by using it.
#[tokio::test]
async fn using_a_session_extends_its_idle_timeout() {
    let app = TestApp::spawn().await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let id = reviewer.session_cookie().unwrap();
    let expiry_in_minutes = || async {
        let at: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("SELECT expiry_date FROM sessions WHERE id = $1")
            .bind(&id)
            .fetch_one(&app.db)
            .await
            .unwrap();
        (at - chrono::Utc::now()).num_minutes()
    };
    sqlx::query("UPDATE sessions SET expiry_date = now() + interval '2 minutes' WHERE id = $1")
        .bind(&id)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(reviewer.get("/review").await.status, StatusCode::OK);
    let minutes = expiry_in_minutes().await;
    assert!(
        (28..=30).contains(&minutes),
        "idle expiry in {minutes} minutes after a request"
    );
    // Within the minute that follows, requests do not write the session
    // again (the expiry would move by seconds only).
    let stored_expiry = || async {
        sqlx::query_scalar::<_, chrono::DateTime<chrono::Utc>>("SELECT expiry_date FROM sessions WHERE id = $1")
            .bind(&id)
            .fetch_one(&app.db)
            .await
            .unwrap()
    };
    let before = stored_expiry().await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(reviewer.get("/review").await.status, StatusCode::OK);
    assert_eq!(
        stored_expiry().await,
        before,
        "a request a second later wrote the session"
    );
}

/// A server behind a reverse proxy at 127.0.0.1 (the tests' own address):
/// `X-Forwarded-For` says who the client is.
async fn behind_a_proxy() -> TestApp {
    TestApp::spawn_with(xiaozhen::config::Config {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Default::default()
    })
    .await
}

fn retry_after(page: &crate::helpers::Page) -> i64 {
    page.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds")
}

async fn attempts_from(app: &TestApp, address: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM login_attempts WHERE address = $1")
        .bind(address)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_pair_limit_says_when_to_try_again() {
    let app = TestApp::spawn().await;
    app.create_user("rev", Role::Reviewer, None).await;
    let client = app.client();
    for _ in 0..5 {
        assert_eq!(
            client.login("rev", "wrong-password").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let throttled = client.login("rev", PASSWORD).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    let seconds = retry_after(&throttled);
    assert!((840..=900).contains(&seconds), "Retry-After: {seconds}");
    assert_eq!(
        throttled.attr("#username", "value").as_deref(),
        Some("rev"),
        "the user name is kept"
    );
    // Refused attempts are not counted: they do not push the end further.
    assert_eq!(attempts_from(&app, "127.0.0.1").await, 5);
}

#[tokio::test]
async fn twenty_failures_from_one_address_stop_every_account_there_but_not_elsewhere() {
    let app = behind_a_proxy().await;
    app.create_user("rev", Role::Reviewer, None).await;
    let attacker = app.client_forwarded_for("203.0.113.7");
    // Four guesses at each of five names: no (account, address) pair reaches
    // its limit of five, the address reaches its limit of twenty.
    for n in 0..20 {
        let name = format!("guess{}", n % 5);
        let page = attacker.login(&name, "wrong-password").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "failure {}", n + 1);
    }
    let refused = attacker.login("rev", PASSWORD).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!((840..=900).contains(&retry_after(&refused)));
    assert_eq!(
        refused.text(".form-error"),
        "从您所在网络地址登录失败的次数过多，暂停登录，请 15 分钟后再试。"
    );
    let elsewhere = app.client_forwarded_for("203.0.113.8");
    assert_eq!(elsewhere.login("rev", PASSWORD).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_account_attacked_from_another_address_still_logs_in_from_a_clean_one() {
    let app = behind_a_proxy().await;
    app.create_user("admin", Role::Admin, None).await;
    let attacker = app.client_forwarded_for("203.0.113.66");
    let mut answers = Vec::new();
    for _ in 0..8 {
        answers.push(attacker.login("admin", "guess").await.status);
    }
    assert_eq!(answers[..5], [StatusCode::UNAUTHORIZED; 5]);
    assert_eq!(answers[5..], [StatusCode::TOO_MANY_REQUESTS; 3]);
    let owner = app.client_forwarded_for("198.51.100.20");
    let login = owner.login("admin", PASSWORD).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
    assert_eq!(owner.get("/admin").await.status, StatusCode::OK);
    // The attacker's address stays refused, even with the right password.
    assert_eq!(
        attacker.login("admin", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn forwarded_for_is_ignored_from_an_untrusted_peer() {
    let app = TestApp::spawn().await;
    app.create_user("rev", Role::Reviewer, None).await;
    for n in 0..5 {
        let forged = app.client_forwarded_for(&format!("203.0.113.{n}"));
        assert_eq!(
            forged.login("rev", "wrong-password").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Each claimed to come from elsewhere; all came from 127.0.0.1.
    assert_eq!(attempts_from(&app, "127.0.0.1").await, 5);
    let forged = app.client_forwarded_for("198.51.100.20");
    assert_eq!(
        forged.login("rev", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn forwarded_for_is_honoured_from_a_configured_proxy() {
    let app = behind_a_proxy().await;
    app.create_user("rev", Role::Reviewer, None).await;
    let client = app.client_forwarded_for("1.2.3.4, 203.0.113.9");
    assert_eq!(
        client.login("rev", "wrong-password").await.status,
        StatusCode::UNAUTHORIZED
    );
    // The proxy appended the address it saw; what lies left of it is the
    // client's own claim and is not believed.
    assert_eq!(attempts_from(&app, "203.0.113.9").await, 1);
    assert_eq!(attempts_from(&app, "127.0.0.1").await, 0);
}

/// Twelve wrong passwords sent at once: the check and the count of each are
/// one step under a lock, so exactly five reach the password check.
#[tokio::test]
async fn simultaneous_failures_cannot_race_past_the_limit() {
    let app = TestApp::spawn().await;
    app.create_user("rev", Role::Reviewer, None).await;
    let client = app.client();
    let token = client.csrf().await;
    let body = serde_urlencoded::to_string([
        ("csrf_token", token.as_str()),
        ("username", "rev"),
        ("password", "wrong-password"),
    ])
    .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let request = client
            .http
            .post(app.url("/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone());
        tasks.spawn(async move { request.send().await.unwrap().status() });
    }
    let statuses = tasks.join_all().await;
    let count = |s: StatusCode| statuses.iter().filter(|x| **x == s).count();
    assert_eq!(count(StatusCode::UNAUTHORIZED), 5, "{statuses:?}");
    assert_eq!(count(StatusCode::TOO_MANY_REQUESTS), 7, "{statuses:?}");
    let checked: i64 = sqlx::query_scalar("SELECT count(*) FROM login_attempts WHERE succeeded = false")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(checked, 5);
}

#[tokio::test]
async fn a_password_change_gives_the_session_a_new_id() {
    let app = TestApp::spawn().await;
    app.create_user("rev", Role::Reviewer, None).await;
    let client = app.client();
    client.login("rev", PASSWORD).await;
    let before = client.session_cookie().unwrap();
    let done = client
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "brand-new-secret"),
                ("confirm_password", "brand-new-secret"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let after = client.session_cookie().unwrap();
    assert_ne!(before, after, "a password change must rotate the session id");
    assert_eq!(client.get("/review").await.status, StatusCode::OK);
    let kept = app.client_with_session(Some(&before));
    assert_eq!(kept.get("/review").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_admin_changing_their_own_role_gets_a_new_session_id() {
    let app = TestApp::spawn().await;
    app.create_user("admin2", Role::Admin, None).await;
    let admin = app.login_as(Role::Admin).await;
    let own: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'admin1'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let before = admin.session_cookie().unwrap();
    let done = admin
        .post(
            &format!("/admin/users/{own}/role"),
            &[("role", "reviewer"), ("region", "")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let after = admin.session_cookie().unwrap();
    assert_ne!(before, after, "a change of one's own role must rotate the session id");
    assert_eq!(admin.get("/review").await.status, StatusCode::OK, "now a reviewer");
    let kept = app.client_with_session(Some(&before));
    assert_eq!(kept.get("/review").await.status, StatusCode::SEE_OTHER);
}

/// A request that loaded the session before the user logged out saves it
/// when it ends: the store must not bring the deleted row back. The
/// interleaving is played on the store itself, step by step.
#[tokio::test]
async fn a_request_in_flight_at_logout_cannot_bring_the_session_back() {
    use tower_sessions::SessionStore;
    use tower_sessions::session::Id;

    let app = TestApp::spawn().await;
    let client = app.login_as(Role::Reviewer).await;
    let cookie = client.session_cookie().unwrap();
    let id: Id = cookie.parse().expect("a session id");
    let store = xiaozhen::db::sessions::PgSessionStore::new(app.db.clone());
    let mut in_flight = store.load(&id).await.unwrap().expect("the signed-in session");

    assert_eq!(client.logout().await.status, StatusCode::SEE_OTHER);
    in_flight.expiry_date += time::Duration::minutes(5);
    store.save(&in_flight).await.unwrap();

    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE id = $1")
        .bind(&cookie)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(rows, 0, "the ended session was written back");
    let replay = app.client_with_session(Some(&cookie));
    assert_eq!(replay.get("/review").await.status, StatusCode::SEE_OTHER);
}

/// The forms' Origin check behind a reverse proxy that rewrites `Host`:
/// the configured public origin passes, any other is refused.
#[tokio::test]
async fn the_public_origin_passes_the_csrf_check_behind_a_proxy() {
    let app = TestApp::spawn_with(xiaozhen::config::Config {
        public_origin: Some(xiaozhen::config::parse_origin("https://xz.example.gov.cn").unwrap()),
        ..Default::default()
    })
    .await;
    app.create_user("rev", Role::Reviewer, None).await;
    let client = app.client();
    let token = client.csrf().await;
    let body = serde_urlencoded::to_string([
        ("csrf_token", token.as_str()),
        ("username", "rev"),
        ("password", PASSWORD),
    ])
    .unwrap();
    let post_from = |origin: &'static str| {
        client
            .http
            .post(app.url("/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", origin)
            .body(body.clone())
            .send()
    };
    assert_eq!(
        post_from("https://evil.example").await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post_from("http://xz.example.gov.cn").await.unwrap().status(),
        StatusCode::FORBIDDEN,
        "another scheme is another origin"
    );
    assert_eq!(
        post_from("https://xz.example.gov.cn").await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
}

fn query_value(target: &str) -> String {
    url::form_urlencoded::byte_serialize(target.as_bytes()).collect()
}

/// Every hostile target of the one deciding function, through each route
/// that takes one: the login form, the login itself, the language switch.
#[tokio::test]
async fn hostile_next_targets_fall_back_to_a_safe_page_on_every_route() {
    use xiaozhen::handlers::redirect::HOSTILE_EXAMPLES;

    let app = TestApp::spawn().await;
    app.create_user("rev", Role::Reviewer, None).await;
    // The report's example, exactly as a link would carry it.
    let lang = app.client().get("/lang/zh-CN?next=/%09/evil.example").await;
    assert_eq!(lang.location().as_deref(), Some("/"));
    let lang = app.client().get("/lang/en?next=/%5Cevil.example").await;
    assert_eq!(lang.location().as_deref(), Some("/"));
    for evil in HOSTILE_EXAMPLES {
        let encoded = query_value(evil);
        let client = app.client();
        let lang = client.get(&format!("/lang/en?next={encoded}")).await;
        assert_eq!(lang.status, StatusCode::SEE_OTHER, "{evil:?}");
        assert_eq!(lang.location().as_deref(), Some("/"), "{evil:?}");
        let form = client.get(&format!("/login?next={encoded}")).await;
        assert_eq!(form.attr("input[name=next]", "value").as_deref(), Some(""), "{evil:?}");
    }
    // A login spends a password hash: a few shapes of each kind suffice.
    for evil in [
        "/\t/evil.example",
        "/%2F/evil.example",
        "/\\evil.example",
        "//evil.example",
    ] {
        let login = app.client().login_next("rev", PASSWORD, evil).await;
        assert_eq!(login.location().as_deref(), Some("/review"), "{evil:?}");
    }
    // A path of the site survives all three.
    let client = app.client();
    let back = client.get("/lang/en?next=%2Freview%3Fpage%3D2").await;
    assert_eq!(back.location().as_deref(), Some("/review?page=2"));
}

#[tokio::test]
async fn logging_in_while_signed_in_as_someone_else_changes_the_session_id() {
    let app = TestApp::spawn().await;
    app.create_user("rev2", Role::Reviewer, None).await;
    let client = app.login_as(Role::Admin).await;
    let before = client.session_cookie().unwrap();
    let login = client.login("rev2", PASSWORD).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    let after = client.session_cookie().unwrap();
    assert_ne!(before, after);
    assert_eq!(client.get("/review").await.status, StatusCode::OK, "now rev2");
    let kept = app.client_with_session(Some(&before));
    assert_eq!(kept.get("/admin").await.status, StatusCode::SEE_OTHER);
}

/// Each server keeps the sessions it has read, with their users, and reads
/// one again only when the data version or the session version has moved
/// (issue 19). A change made elsewhere — by another instance, or straight
/// in the database — still takes effect on the very next request.
#[tokio::test]
async fn a_kept_session_follows_every_change_made_elsewhere() {
    let app = TestApp::spawn().await;
    let signed_in = |name: &'static str| {
        let app = &app;
        async move {
            let id = app.create_user(name, Role::Reviewer, None).await;
            let client = app.client();
            client.login(name, PASSWORD).await;
            // Twice: the second request is served from the kept session.
            for _ in 0..2 {
                assert_eq!(client.get("/review").await.status, StatusCode::OK, "{name}");
            }
            (id, client)
        }
    };
    let run = |sql: &'static str, bind: String| {
        let db = app.db.clone();
        async move { sqlx::query(sql).bind(bind).execute(&db).await.unwrap() }
    };
    let to_login = |page: crate::helpers::Page, what: &str| {
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{what}");
        assert!(page.location().unwrap().starts_with("/login"), "{what}");
    };

    let (id, deactivated) = signed_in("kept-deactivated").await;
    run("UPDATE users SET active = false WHERE id = $1::bigint", id.to_string()).await;
    to_login(deactivated.get("/review").await, "a deactivated user");

    let (_, ended) = signed_in("kept-ended").await;
    run("DELETE FROM sessions WHERE id = $1", ended.session_cookie().unwrap()).await;
    to_login(ended.get("/review").await, "a session ended elsewhere");

    let (_, expired) = signed_in("kept-expired").await;
    run(
        "UPDATE sessions SET expiry_date = now() - interval '1 second' WHERE id = $1",
        expired.session_cookie().unwrap(),
    )
    .await;
    to_login(expired.get("/review").await, "a session expired elsewhere");

    let (id, renamed) = signed_in("kept-renamed").await;
    run(
        "UPDATE users SET display_name = '改名后的审核员' WHERE id = $1::bigint",
        id.to_string(),
    )
    .await;
    let page = renamed.get("/review").await;
    assert!(
        page.text(".who .user").contains("改名后的审核员"),
        "{}",
        page.text(".who .user")
    );

    // The to-do count and the queue's counters, kept with the data version,
    // follow a proposal submitted in the meantime.
    let (_, counting) = signed_in("kept-counting").await;
    let before = counting.get("/review").await;
    let todo: i64 = before.text("#todo-count").trim().parse().unwrap();
    let waiting: i64 = before.text("[data-count=submitted]").trim().parse().unwrap();
    let official = app.official_of("kept-official", "诸城市").await;
    app.submitted(&official, &crate::helpers::sample_input("刚提交的小镇"))
        .await;
    let after = counting.get("/review").await;
    assert_eq!(after.text("#todo-count").trim(), (todo + 1).to_string());
    assert_eq!(after.text("[data-count=submitted]").trim(), (waiting + 1).to_string());
    assert!(after.body.contains("刚提交的小镇"));
}

/// A touch (the sliding expiry written later, with the record's own copy
/// of it) leaves the session version alone, so that servers keep their
/// sessions while users work; an earlier expiry, changed data or an ended
/// session moves it.
#[tokio::test]
async fn only_a_real_change_of_a_session_moves_the_session_version() {
    let app = TestApp::spawn().await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let id = reviewer.session_cookie().unwrap();
    let version = || async {
        sqlx::query_scalar::<_, i64>("SELECT version FROM session_version")
            .fetch_one(&app.db)
            .await
            .unwrap()
    };
    let change = |sql: &'static str| {
        let (db, id) = (app.db.clone(), id.clone());
        async move { sqlx::query(sql).bind(id).execute(&db).await.unwrap() }
    };
    let stored = || async {
        sqlx::query_as::<_, (serde_json::Value, chrono::DateTime<chrono::Utc>)>(
            "SELECT data, expiry_date FROM sessions WHERE id = $1",
        )
        .bind(&id)
        .fetch_one(&app.db)
        .await
        .unwrap()
    };

    let start = version().await;
    change("UPDATE sessions SET expiry_date = now() + interval '20 minutes' WHERE id = $1").await;
    let earlier = version().await;
    assert_eq!(earlier, start + 1, "an expiry moved earlier");

    // The server's own touch: the stored expiry lags by ten minutes, so the
    // next request writes the record and the expiry again.
    let before = stored().await;
    assert_eq!(reviewer.get("/review").await.status, StatusCode::OK);
    let after = stored().await;
    assert!(after.1 > before.1, "the request touched the session");
    assert_ne!(after.0, before.0, "the record's own expiry was written too");
    assert_eq!(version().await, earlier, "a touch");

    change("UPDATE sessions SET data = jsonb_set(data, '{data,probe}', '1') WHERE id = $1").await;
    assert_eq!(version().await, earlier + 1, "changed data");
    change("DELETE FROM sessions WHERE id = $1").await;
    assert_eq!(version().await, earlier + 2, "an ended session");
}

/// A session cookie the server never issued — unknown, malformed, 6,000
/// bytes long, a real id with a byte added, or repeated 2,000 times — signs
/// no one in, in bounded time, and makes no session; the real session still
/// works.
#[tokio::test]
async fn forged_session_cookies_sign_no_one_in() {
    let app = TestApp::spawn().await;
    let reviewer = app.login_as(Role::Reviewer).await;
    let real = reviewer.session_cookie().unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let well_formed_unknown = "AAAAAAAAAAAAAAAAAAAAAA".to_owned();
    let repeated = vec![format!("xiaozhen_session={well_formed_unknown}"); 2_000].join("; ");
    for cookie in [
        format!("xiaozhen_session={well_formed_unknown}"),
        "xiaozhen_session=not-base64-%%%".to_owned(),
        format!("xiaozhen_session={}", "A".repeat(6_000)),
        format!("xiaozhen_session={real}x"),
        repeated,
    ] {
        let started = std::time::Instant::now();
        let response = http
            .get(format!("{}/review", reviewer.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert!(
            status == StatusCode::SEE_OTHER || status.is_client_error(),
            "{status} for a cookie of {} bytes",
            cookie.len()
        );
        if status == StatusCode::SEE_OTHER {
            let to = response.headers()["location"].to_str().unwrap();
            assert!(to.starts_with("/login"), "{to}");
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE id <> $1")
        .bind(&real)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(kept, 0, "no session row was made for a forged cookie");
    assert_eq!(reviewer.get("/review").await.status, StatusCode::OK);
}
