//! One town's life in the creation system: listed → the three annual
//! reports of its period typed by its official → each year scored on the
//! version's annual table and graded by a reviewer, published by an admin →
//! accepted and named (only now: the period is complete) → published, with
//! its reward on the public page.

use xiaozhen::domain::Role;

use crate::harness::Browser;
use crate::helpers::{PASSWORD, TestApp, sample_input};

async fn type_report(browser: &Browser, year: &str, total: &str) {
    browser.fill("#year", year).await;
    for (name, value) in [
        ("investment.total_yi", total),
        ("investment.residential_yi", "0"),
        ("investment.commercial_complex_yi", "0"),
        ("investment.characteristic_yi", "10"),
        ("land_used_mu", "120"),
        ("benefits.new_tax_wan", "800"),
        ("province_tax_wan", "300"),
        ("benefits.jobs", "600"),
        ("benefits.annual_visitors", "300000"),
        ("benefits.enterprises", "25"),
        ("functions.scenic_level", "3"),
        ("functions.wifi_coverage_pct", "95"),
        ("functions.digital_management_pct", "90"),
    ] {
        browser.fill(&format!("input[name='{name}']"), value).await;
    }
    browser.submit("#report-form button[type=submit]").await;
}

/// The reviewer scores the judged lines of `year` on the annual table
/// (basic 60 of 60, bonus 10 of 20), computes, and confirms the suggestion.
async fn score_and_confirm(browser: &Browser, year: &str) {
    let at = |css: &str| format!("[data-year='{year}'] {css}");
    for (line, points) in [
        ("a.progress", "20"),
        ("a.industry", "15"),
        ("a.functions", "15"),
        ("a.management", "10"),
        ("a.honours", "5"),
        ("a.innovation", "5"),
    ] {
        browser.fill(&at(&format!("input[name='points.{line}']")), points).await;
    }
    for veto in ["a.veto.safety", "a.veto.debt"] {
        browser
            .click(&at(&format!("select[name='veto.{veto}'] option[value=no]")))
            .await;
    }
    browser
        .fill(&at("textarea[name='comment.a.progress']"), "按计划推进")
        .await;
    browser.submit(&at("#sheet-preview")).await;
    // Basic 40 computed + 60, bonus 6 beyond the plan + 10: 116, and 优秀
    // (basic ≥ 85 and bonus ≥ 8).
    assert_eq!(browser.text(&at(".sheet-total")).await, "116");
    assert_eq!(browser.text(&at(".badge.suggested")).await, "优秀");
    browser.submit(&at(".grade-form button[value=confirm]")).await;
    assert_eq!(browser.text(&at(".badge.final")).await, "优秀");
}

/// The admin publishes a list of `kind` for `year` through the form.
async fn publish(browser: &Browser, kind: &str, year: &str) {
    browser.open("/admin/creation").await;
    browser.click(&format!("#kind option[value={kind}]")).await;
    browser.fill("#publish-year", year).await;
    browser.submit("#publish-form button[type=submit]").await;
    assert_eq!(browser.current_path().await, format!("/creation/{year}"));
}

#[tokio::test]
async fn a_listed_town_reports_its_period_is_graded_named_and_shows_its_reward() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::launch(&app).await else {
        return;
    };
    let official = app.official_of("official-t", "诸城市").await;
    let reviewer = app.create_user("reviewer-t", Role::Reviewer, None).await;
    let admin = app.create_user("admin-t", Role::Admin, None).await;
    // The version with the example annual table (after Putian).
    app.activate("ZJ-2015", 4).await;
    let id = app
        .listed(&official, reviewer, admin, &sample_input("健康美食小镇"))
        .await;

    // The official reports the three years of the period (plan: 14, 22, 26
    // of 62 亿元, of which 52 eligible).
    browser.open("/login").await;
    browser.login_through_form("official-t", PASSWORD).await;
    browser.open(&format!("/proposals/{id}/reports")).await;
    type_report(&browser, "2022", "14").await;
    type_report(&browser, "2023", "21").await;
    type_report(&browser, "2024", "26").await;
    assert_eq!(browser.texts("#reports tr.report").await.len(), 3);
    browser.logout().await;

    // The reviewer scores each year on the table and confirms its grade;
    // acceptance waits for the period's results to be published.
    browser.open("/login").await;
    browser.login_through_form("reviewer-t", PASSWORD).await;
    browser.open("/review/creation").await;
    browser.follow_link("健康美食小镇").await;
    // 14 of the year's eligible plan of 11.74 (119.2%): the completion line
    // its base 40, 3 whole steps of 5% beyond the plan 6 points; nothing
    // judged yet, a provisional 警告.
    assert_eq!(browser.text("[data-year='2022'] .badge.suggested").await, "警告");
    assert_eq!(
        browser.text("[data-year='2022'] [data-line='a.excess'] .given").await,
        "6"
    );
    score_and_confirm(&browser, "2022").await;
    // 35 of the eligible 30.19 planned by 2023 (115.9%), 61 of 52 by 2024
    // (117.3%): the same points.
    score_and_confirm(&browser, "2023").await;
    score_and_confirm(&browser, "2024").await;
    assert!(!browser.has("#acceptance-form").await);
    assert_eq!(browser.text("#acceptance-notice .period-progress").await, "0 / 3");
    browser.logout().await;

    // The admin publishes the three years' grades.
    browser.open("/login").await;
    browser.login_through_form("admin-t", PASSWORD).await;
    for year in ["2022", "2023", "2024"] {
        publish(&browser, "grades", year).await;
    }
    browser.logout().await;

    // The period complete, the reviewer names the town.
    browser.open("/login").await;
    browser.login_through_form("reviewer-t", PASSWORD).await;
    browser.open(&format!("/review/creation/{id}")).await;
    // 360 亩 used × 0.5 (health) = 180 亩.
    assert_eq!(browser.text("#settlement .reward").await, "180");
    browser.click("#acceptance-form input[value=true]").await;
    browser.fill("#accept-reason", "完成规划投资，验收合格").await;
    browser.submit("#acceptance-form button[type=submit]").await;
    assert!(browser.text(".decision").await.starts_with("验收命名"));
    browser.logout().await;

    // The admin publishes the named list.
    browser.open("/login").await;
    browser.login_through_form("admin-t", PASSWORD).await;
    publish(&browser, "named", "2024").await;
    assert_eq!(browser.text("#named .land").await, "180");
    browser.logout().await;

    // The public sees the whole history on the town's page.
    browser.open(&format!("/towns/{id}")).await;
    assert_eq!(browser.texts("#creation-history .history-grade").await.len(), 3);
    assert_eq!(browser.text("#creation-history .history-acceptance .land").await, "180");
    // The province returns its share of the new tax, 300 of 800 a year,
    // in full for years 1–3: 900 (not the whole 2400).
    assert_eq!(
        browser.text("#creation-history .history-acceptance .rebate").await,
        "900"
    );
    browser.close().await;
}
