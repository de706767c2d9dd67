//! The dashboard: its charts' numbers equal the database's counts, officials
//! see only their region, and every chart has a text alternative.

use reqwest::StatusCode;
use xiaozhen::domain::Role;

use crate::helpers::{Page, TestApp, sample_input};

/// (key, value text) of a chart's table.
fn table(page: &Page, chart: &str) -> Vec<(String, String)> {
    let keys: Vec<String> = {
        let html = page.html();
        let sel = scraper::Selector::parse(&format!("#{chart} table.chart-data tbody tr")).unwrap();
        html.select(&sel)
            .map(|e| e.value().attr("data-key").unwrap_or("").to_owned())
            .collect()
    };
    let values = page.texts(&format!("#{chart} table.chart-data tbody td"));
    assert_eq!(keys.len(), values.len(), "{chart}: one value per row");
    keys.into_iter().zip(values).collect()
}

#[tokio::test]
async fn chart_numbers_equal_database_counts() {
    let app = TestApp::spawn().await;
    let zc = app.official_of("zc", "诸城市").await;
    let aq = app.official_of("aq", "安丘市").await;
    app.draft(&zc, &sample_input("草稿一")).await;
    app.draft(&zc, &sample_input("草稿二")).await;
    app.submitted(&zc, &sample_input("合格镇")).await;
    let mut failing = sample_input("不合格镇");
    failing.investment.total_yi = Some("40".parse().unwrap());
    failing.investment.by_year_yi = ["10", "15", "15"].iter().map(|v| Some(v.parse().unwrap())).collect();
    failing.investment.characteristic_yi = Some("20".parse().unwrap());
    app.submitted(&zc, &failing).await;
    app.submitted(&aq, &sample_input("安丘镇")).await;

    let admin = app.login_as(Role::Admin).await;
    let page = admin.get("/dashboard").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("main h1"), "统计概览");

    // 2 drafts and 3 submitted proposals, as made above.
    let mut shown = table(&page, "chart-status");
    shown.retain(|(_, n)| n != "0 项");
    shown.sort();
    assert_eq!(
        shown,
        vec![("draft".into(), "2 项".into()), ("submitted".into(), "3 项".into())]
    );

    let verdicts = table(&page, "chart-verdict");
    assert_eq!(
        verdicts,
        vec![
            ("pass".into(), "2 项".into()),
            ("pass_with_warnings".into(), "0 项".into()),
            ("fail".into(), "1 项".into())
        ]
    );

    // Pass rate of the eligible-investment criterion: 2 of 3 latest evaluations.
    let criteria = table(&page, "chart-criteria");
    let eligible = criteria
        .iter()
        .find(|(k, _)| k == "investment.eligible_total")
        .expect("criterion row");
    assert_eq!(eligible.1, "66.67%（2/3）");
    // All three keep the sample's 100% WiFi coverage.
    let wifi = criteria.iter().find(|(k, _)| k == "function.wifi").unwrap();
    assert_eq!(wifi.1, "100%（3/3）");

    // Eligible investment (submitted only): 52 + 30 in 诸城市, 52 in 安丘市.
    let regions = table(&page, "chart-region");
    assert_eq!(
        regions,
        vec![("诸城市".into(), "82 亿元".into()), ("安丘市".into(), "52 亿元".into())]
    );
    assert_eq!(
        table(&page, "chart-industry"),
        vec![("health".into(), "134 亿元".into())]
    );
    // The three submissions, all this month (the last row).
    let months = table(&page, "chart-months");
    assert_eq!(months.last().map(|(_, v)| v.as_str()), Some("3"), "{months:?}");
    assert_eq!(months.iter().map(|(_, v)| v.parse::<i64>().unwrap()).sum::<i64>(), 3);

    // Text alternatives.
    assert!(page.has("#chart-status svg[role=img] title"));
    let desc = page.text("#chart-region svg desc");
    assert!(desc.contains("诸城市 82 亿元"), "{desc}");

    // An official sees their region only.
    let official = app.client();
    official.login("zc", crate::helpers::PASSWORD).await;
    let mine = official.get("/dashboard").await;
    assert_eq!(mine.text("#scope"), "统计范围：诸城市");
    assert_eq!(table(&mine, "chart-region"), vec![("诸城市".into(), "82 亿元".into())]);
    let mut statuses = table(&mine, "chart-status");
    statuses.retain(|(_, n)| n != "0 项");
    statuses.sort();
    assert_eq!(
        statuses,
        vec![("draft".into(), "2 项".into()), ("submitted".into(), "2 项".into())]
    );
    assert!(
        mine.has("nav.main a[href=\"/dashboard\"]"),
        "the navigation links the dashboard"
    );

    // Anonymous visitors are sent to log in.
    assert_eq!(app.client().get("/dashboard").await.status, StatusCode::SEE_OTHER);
}

#[test]
fn the_report_chart_draws_quantity_findings_against_thresholds() {
    let proposal = xiaozhen::domain::proposal::sample_proposal();
    let standard = xiaozhen::standards::builtin_standard("ZJ-2015", 1).unwrap();
    let evaluation = xiaozhen::standards::evaluate(&proposal, standard);
    let page = xiaozhen::handlers::Page {
        lang: xiaozhen::domain::Lang::Zh,
        user: None,
        csrf: String::new(),
        path: "/".into(),
    };
    let chart = xiaozhen::handlers::dashboard::report_chart(&evaluation.findings, &page);
    let eligible = chart
        .bars
        .iter()
        .find(|b| b.key == "investment.eligible_total")
        .expect("a bar");
    assert_eq!(eligible.markers.len(), 1);
    assert!(
        eligible.w > eligible.markers[0] - eligible.x,
        "52 亿元 passes 50: the bar crosses the line"
    );
    assert!(
        eligible.value_text.contains("52 亿元") && eligible.value_text.contains("≥ 50 亿元"),
        "{}",
        eligible.value_text
    );
    let area = chart.bars.iter().find(|b| b.key == "space.planned_area").unwrap();
    assert_eq!(area.markers.len(), 2, "a band has two lines");
}
