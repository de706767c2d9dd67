//! A reviewer filters the queue to failing proposals, opens a report,
//! overrides a soft finding with a reason and returns the proposal with a
//! comment; the official then sees the comment.

use rust_decimal_macros::dec;
use xiaozhen::domain::Role;

use crate::harness::Browser;
use crate::helpers::{PASSWORD, TestApp, sample_input};

#[tokio::test]
async fn reviewer_overrides_a_soft_finding_and_returns_a_failing_proposal() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::launch(&app).await else {
        return;
    };
    let official = app.official_of("official-b", "诸城市").await;
    app.submitted(&official, &sample_input("健康美食小镇")).await;
    let mut failing = sample_input("无线覆盖不足小镇");
    failing.functions.wifi_coverage_pct = Some(dec!(80));
    failing.planned_area_km2 = Some(dec!(3.7));
    let id = app.submitted(&official, &failing).await;
    app.create_user("reviewer-b", Role::Reviewer, None).await;

    browser.open("/login").await;
    browser.login_through_form("reviewer-b", PASSWORD).await;
    assert_eq!(browser.current_path().await, "/review");
    assert_eq!(browser.texts("#queue tbody td.name").await.len(), 2);

    // Only the failing ones.
    browser.click("#verdict option[value=fail]").await;
    browser.submit("#apply-filters").await;
    assert!(browser.current_path_and_query().await.contains("verdict=fail"));
    assert_eq!(browser.texts("#queue tbody td.name").await, vec!["无线覆盖不足小镇"]);
    browser.follow_link("无线覆盖不足小镇").await;
    assert_eq!(browser.current_path().await, format!("/proposals/{id}/report"));
    assert_eq!(browser.text("#overall").await, "不合格");

    // The planned area (soft, 3.7 km² against "about 3") accepted, with a reason.
    browser
        .click("#override-criterion option[value=\"space.planned_area\"]")
        .await;
    browser.click("#override-verdict option[value=pass]").await;
    browser.fill("#override-reason", "3.7平方公里属于3平方公里左右").await;
    browser.submit("#override-submit").await;
    let row = "#findings tr[data-criterion=\"space.planned_area\"]";
    assert_eq!(browser.text(&format!("{row} .verdict")).await, "预警");
    assert_eq!(browser.text(&format!("{row} .final .badge")).await, "符合");
    assert_eq!(
        browser.text(&format!("{row} .override-reason")).await,
        "3.7平方公里属于3平方公里左右"
    );
    assert_eq!(browser.text("#final-overall").await, "不合格", "WiFi still fails");

    // Returned with a comment.
    browser.click("#decision-return").await;
    browser.fill("#decision-comment", "请落实WiFi全覆盖后重新提交").await;
    browser.submit("#decision-submit").await;
    assert_eq!(browser.current_path().await, format!("/proposals/{id}"));
    browser.logout().await;

    browser.open("/login").await;
    browser.login_through_form("official-b", PASSWORD).await;
    browser.open(&format!("/proposals/{id}")).await;
    assert!(
        browser.text("main").await.contains("请落实WiFi全覆盖后重新提交"),
        "the official sees the comment"
    );
    browser.close().await;
}
