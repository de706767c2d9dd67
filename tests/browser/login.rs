//! Logging in and out through the pages, per role; being sent to the login
//! page and back; switching the language.

use xiaozhen::domain::Role;

use crate::harness::Browser;
use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn each_role_logs_in_sees_its_home_is_refused_elsewhere_and_logs_out() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::launch(&app).await else {
        return;
    };
    // (role, region, home, another role's page)
    let journeys = [
        (Role::Official, Some("诸城市"), "/proposals", "/admin"),
        (Role::Reviewer, None, "/review", "/proposals"),
        (Role::Admin, None, "/admin", "/review"),
    ];
    for (role, region, home, forbidden) in journeys {
        let username = format!("{}-browser", role.as_str());
        app.create_user(&username, role, region).await;

        browser.open("/login").await;
        browser.login_through_form(&username, PASSWORD).await;
        assert_eq!(
            browser.current_path().await,
            home,
            "{username} lands on the role's home"
        );
        let who = browser.text(".who .user").await;
        assert!(
            who.starts_with(&format!("{username} display")),
            "the header names {username}: {who:?}"
        );
        if let Some(region) = region {
            assert!(who.contains(region), "the header shows the region: {who:?}");
        }
        if role == Role::Official {
            let shot = browser.screenshot("official-home").await;
            assert!(shot.is_file());
        }

        browser.open(forbidden).await;
        assert_eq!(browser.current_path().await, forbidden, "no redirect for a 403");
        assert_eq!(browser.text("main h1").await, "无权访问", "{username} on {forbidden}");

        browser.logout().await;
        assert_eq!(browser.current_path().await, "/", "{username} logged out");
        assert!(!browser.has(".who .user").await, "nobody is named after logout");

        browser.open("/").await;
        assert!(
            browser.has("a.login").await,
            "the home page offers the login link again"
        );
        browser.open(home).await;
        assert_eq!(
            browser.current_path().await,
            "/login",
            "{home} needs a login again after logout"
        );
    }
    browser.close().await;
}

#[tokio::test]
async fn an_anonymous_visit_goes_through_the_login_page_and_comes_back() {
    let app = TestApp::spawn().await;
    app.create_user("rev", Role::Reviewer, None).await;
    let Some(browser) = Browser::launch(&app).await else {
        return;
    };
    browser.open("/review").await;
    assert_eq!(browser.current_path_and_query().await, "/login?next=%2Freview");
    assert_eq!(
        browser.attr("input[name=next]", "value").await.as_deref(),
        Some("/review")
    );

    browser.login_through_form("rev", PASSWORD).await;
    assert_eq!(browser.current_path_and_query().await, "/review");
    assert!(browser.text(".who .user").await.starts_with("rev display"));
    browser.close().await;
}

#[tokio::test]
async fn the_english_interface_is_chosen_in_the_header_and_remembered() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::launch(&app).await else {
        return;
    };
    browser.open("/").await;
    assert_eq!(browser.text("main h1").await, "特色小镇创建名单", "Chinese by default");

    browser.follow_link("English").await;
    assert_eq!(
        browser.current_path().await,
        "/",
        "the switch comes back to the same page"
    );
    assert_eq!(browser.text("main h1").await, "Creation list of characteristic towns");
    assert_eq!(browser.attr("html", "lang").await.as_deref(), Some("en"));

    // The next page is in English too, without choosing again.
    browser.follow_link("Log in").await;
    assert_eq!(browser.current_path().await, "/login");
    assert_eq!(browser.text("main h1").await, "Log in");
    assert_eq!(browser.text("label[for=username]").await, "User name");
    assert_eq!(browser.text("nav.lang strong").await, "English");
    browser.close().await;
}
