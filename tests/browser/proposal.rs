//! An official fills in a proposal for a high-end-equipment town field by
//! field, watches the live findings turn from 不合格 to 合格 as the eligible
//! investment crosses 50 亿元, saves the draft, submits it and opens the
//! report.

use xiaozhen::domain::Role;

use crate::harness::Browser;
use crate::helpers::{PASSWORD, TestApp};

/// The criteria of ZJ-2015 version 5 (STANDARDS.md §3, the materials and the
/// boundary), in the order of the standard.
const ZJ_2015_CRITERIA: [&str; 27] = [
    "industry.eligible",
    "operation.developer",
    "space.location",
    "space.planned_area",
    "space.built_area",
    "investment.eligible_total",
    "investment.characteristic_share",
    "investment.first_year",
    "function.integration",
    "function.public_service_app",
    "function.town_living_room",
    "function.scenic_level",
    "function.wifi",
    "function.digital_management",
    "benefit.annual_visitors",
    "benefit.new_tax",
    "benefit.jobs",
    "benefit.enterprises",
    "benefit.talents",
    "material.concept_plan",
    "material.investment_plan",
    "material.developer_profile",
    "material.support_policy",
    "material.basic_info",
    "boundary.area",
    "boundary.overlap",
    "boundary.control_lines",
];

const YEARS: &str = r#"input[name="investment.by_year_yi"]"#;
const ELIGIBLE_LIVE: &str = r#"#live-findings li[data-criterion="investment.eligible_total"]"#;

#[tokio::test]
async fn an_official_registers_a_proposal_and_watches_the_live_findings() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::launch(&app).await else {
        return;
    };
    app.create_user("zhucheng-planner", Role::Official, Some("诸城市"))
        .await;
    browser.open("/login").await;
    browser.login_through_form("zhucheng-planner", PASSWORD).await;
    browser.open("/proposals/new").await;
    assert_eq!(
        browser.text("#region").await,
        "诸城市",
        "the official's own region, read-only"
    );

    // 基本信息
    browser.fill("#name", "汽车动力小镇").await;
    browser.fill("#developer", "诸城市汽车动力小镇建设发展有限公司").await;
    browser.click("#industry option[value=high_end_equipment]").await;
    browser.click("#location option[value=urban_rural_fringe]").await;
    // Three years unless the county is an accelerated one.
    assert_eq!(
        browser.displayed(YEARS).await,
        vec![true, true, true, false, false],
        "the 4th and 5th year are hidden unless 属于26个加快发展县 is ticked (static/js/app.js sets \
         `hidden` on them; no CSS `display` rule may override that, e.g. `.field label {{ display: block }}`)"
    );
    browser.click_in_view("#accelerated_county").await;
    assert_eq!(
        browser.displayed(YEARS).await,
        vec![true; 5],
        "an accelerated county has five years"
    );
    browser.click_in_view("#accelerated_county").await;
    assert_eq!(browser.displayed(YEARS).await, vec![true, true, true, false, false]);

    // 建设空间
    browser.fill("#planned_area_km2", "3.2").await;
    browser.fill("#built_area_km2", "1.05").await;
    // 投资: 49 亿元, all of it eligible — below the 50 亿元 of a non-exempt industry.
    browser.fill("#investment-total_yi", "49").await;
    browser.fill("#investment-residential_yi", "0").await;
    browser.fill("#investment-commercial_complex_yi", "0").await;
    browser.fill("#investment-characteristic_yi", "40").await;
    browser.fill_each(YEARS, &["15", "16", "18"]).await;
    // 功能
    for f in [
        "industry",
        "culture",
        "tourism",
        "community",
        "public_service_app",
        "town_living_room",
    ] {
        browser.click_in_view(&format!("#functions-{f}")).await;
    }
    browser.fill("#functions-scenic_level", "3").await;
    browser.fill("#functions-wifi_coverage_pct", "100").await;
    browser.fill("#functions-digital_management_pct", "100").await;
    // 效益
    browser.fill("#benefits-new_tax_wan", "12000").await;
    browser.fill("#benefits-jobs", "4800").await;
    browser.fill("#benefits-annual_visitors", "400000").await;
    browser.fill("#benefits-enterprises", "90").await;
    browser.fill("#benefits-talents", "600").await;

    // The panel follows the typing (a debounced request to the server).
    browser.wait_for(&format!("{ELIGIBLE_LIVE}.fail")).await;
    assert_eq!(browser.text("#live-overall").await, "不合格");
    assert!(
        browser.text(ELIGIBLE_LIVE).await.contains("49"),
        "{}",
        browser.text(ELIGIBLE_LIVE).await
    );
    let fails: Vec<String> = browser
        .texts("#live-findings li.fail")
        .await
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(fails.len(), 1, "only the investment fails: {fails:?}");

    // 51 亿元, the years still summing to the total.
    browser.fill("#investment-total_yi", "51").await;
    browser.fill_each(YEARS, &["15", "16", "20"]).await;
    browser.wait_for(&format!("{ELIGIBLE_LIVE}.pass")).await;
    assert_eq!(browser.text("#live-overall").await, "合格");
    assert!(!browser.has("#live-findings li.fail").await);
    browser.screenshot_full_page("proposal-form").await;

    // Save the draft: every typed value kept.
    browser.submit("button[value=save]").await;
    let path = browser.current_path().await;
    let id: i64 = path
        .strip_prefix("/proposals/")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("saved to /proposals/{{id}}, not {path}"));
    assert_eq!(browser.text("main h1").await, "汽车动力小镇");
    assert_eq!(browser.text("#status").await, "草稿");

    // The five materials and a boundary, as the active version asks (their
    // uploads have journeys of their own: materials.rs, boundaries.rs).
    let planner = sqlx::query_scalar("SELECT id FROM users WHERE username = 'zhucheng-planner'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let planner = app.user(planner).await;
    xiaozhen::services::materials::store_samples(&app.db, &planner, id)
        .await
        .unwrap();
    xiaozhen::services::boundaries::store_sample(&app.db, &planner, id)
        .await
        .unwrap();
    browser.open(&format!("/proposals/{id}")).await;
    browser.submit("#submit-button").await;
    assert_eq!(browser.current_path().await, format!("/proposals/{id}"));
    assert_eq!(browser.text("#status").await, "已提交待评审");
    assert_eq!(browser.text("#latest-overall").await, "合格");

    browser.submit(&format!("a[href=\"/proposals/{id}/report\"]")).await;
    assert_eq!(browser.current_path().await, format!("/proposals/{id}/report"));
    assert_eq!(browser.text("#overall").await, "合格");
    assert!(
        browser.text("#standard").await.contains("ZJ-2015 v5"),
        "{}",
        browser.text("#standard").await
    );
    let listed: Vec<String> = {
        let rows = browser
            .client()
            .find_all(fantoccini::Locator::Css("#findings tbody tr[data-criterion]"))
            .await
            .expect("findings rows");
        let mut ids = Vec::new();
        for r in rows {
            ids.push(r.attr("data-criterion").await.unwrap().unwrap_or_default());
        }
        ids
    };
    assert_eq!(listed, ZJ_2015_CRITERIA, "the report lists every criterion");
    let eligible = r#"#findings tr[data-criterion="investment.eligible_total"]"#;
    assert_eq!(browser.text(&format!("{eligible} .verdict")).await, "符合");
    assert_eq!(browser.text(&format!("{eligible} .actual")).await, "51 亿元");
    assert_eq!(browser.text(&format!("{eligible} .required")).await, "≥ 50 亿元");
    browser.screenshot_full_page("proposal-report").await;
    browser.close().await;
}
