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
        todo: None,
    };
    let chart = xiaozhen::handlers::display::report_chart(&evaluation.findings, &page);
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

/// Per criterion of the latest evaluations under `code`: "passed/judged",
/// unpacked from the findings JSON (the truth the counters must equal).
async fn criterion_truth(app: &TestApp, code: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT f->>'criterion',
                (count(*) FILTER (WHERE f->>'verdict' = 'pass'))::text || '/' ||
                (count(*) FILTER (WHERE f->>'verdict' IN ('pass', 'warn', 'fail')))::text
         FROM proposals p JOIN evaluations e ON e.id = p.latest_evaluation_id
         CROSS JOIN LATERAL jsonb_array_elements(e.findings) f
         WHERE e.standard_code = $1 GROUP BY 1
         HAVING count(*) FILTER (WHERE f->>'verdict' IN ('pass', 'warn', 'fail')) > 0 ORDER BY 1",
    )
    .bind(code)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

/// The criteria chart as (criterion, "passed/judged"), sorted.
fn criterion_shown(page: &Page) -> Vec<(String, String)> {
    let mut shown: Vec<(String, String)> = table(page, "chart-criteria")
        .into_iter()
        .map(|(k, v)| {
            let counts = v.split('（').nth(1).unwrap_or("").trim_end_matches('）').to_owned();
            (k, counts)
        })
        .collect();
    shown.sort();
    shown
}

/// The counters behind the charts follow every change: figures worked out by
/// hand for a small dataset, then again after a decision, a withdrawal and a
/// re-evaluation under another standard.
#[tokio::test]
async fn counters_follow_decisions_withdrawals_and_re_evaluations() {
    use xiaozhen::services::reviews::{Decision, DecisionInput};
    let app = TestApp::spawn().await;
    let zc = app.official_of("zc", "诸城市").await;
    let aq = app.official_of("aq", "安丘市").await;
    // 诸城市: a draft, a passing town (52 亿元 eligible), a failing one
    // (40 − 10 residential = 30 亿元 eligible, characteristic share 20/40 < 70 %).
    app.draft(&zc, &sample_input("草稿")).await;
    let good = app.submitted(&zc, &sample_input("合格镇")).await;
    let mut failing = sample_input("不合格镇");
    failing.investment.total_yi = Some("40".parse().unwrap());
    failing.investment.by_year_yi = ["10", "15", "15"].iter().map(|v| Some(v.parse().unwrap())).collect();
    failing.investment.characteristic_yi = Some("20".parse().unwrap());
    let bad = app.submitted(&zc, &failing).await;
    // 安丘市: one passing town, 52 亿元.
    let other = app.submitted(&aq, &sample_input("安丘镇")).await;

    let admin = app.login_as(Role::Admin).await;
    let page = admin.get("/dashboard").await;
    let mut status = table(&page, "chart-status");
    status.sort();
    assert_eq!(
        status,
        vec![("draft".into(), "1 项".into()), ("submitted".into(), "3 项".into())]
    );
    assert_eq!(
        table(&page, "chart-verdict"),
        vec![
            ("pass".into(), "2 项".into()),
            ("pass_with_warnings".into(), "0 项".into()),
            ("fail".into(), "1 项".into())
        ]
    );
    let criteria = table(&page, "chart-criteria");
    let eligible = criteria.iter().find(|(k, _)| k == "investment.eligible_total").unwrap();
    assert_eq!(eligible.1, "66.67%（2/3）");
    let share = criteria
        .iter()
        .find(|(k, _)| k == "investment.characteristic_share")
        .unwrap();
    assert_eq!(share.1, "66.67%（2/3）");
    assert_eq!(criterion_shown(&page), criterion_truth(&app, "ZJ-2015").await);
    assert_eq!(
        table(&page, "chart-region"),
        vec![("诸城市".into(), "82 亿元".into()), ("安丘市".into(), "52 亿元".into())]
    );
    assert_eq!(
        table(&page, "chart-industry"),
        vec![("health".into(), "134 亿元".into())]
    );
    let months = table(&page, "chart-months");
    assert_eq!(months.len(), 1, "all submitted this month");
    assert_eq!(months[0].1, "3");

    // A reviewer rejects the failing town: it leaves `submitted` for
    // `rejected`; its investment still counts (submitted once, not withdrawn).
    let reviewer = app.login_as(Role::Reviewer).await;
    let reviewer_user = app.user(app.create_user("r2", Role::Reviewer, None).await).await;
    let version = app.proposal_version(bad).await;
    xiaozhen::services::reviews::decide(
        &app.db,
        &reviewer_user,
        bad,
        &DecisionInput::new(Decision::Reject, "不符合", version),
    )
    .await
    .unwrap();
    // The official withdraws the passing 诸城市 town: out of the investment.
    let version = app.proposal_version(good).await;
    xiaozhen::services::proposals::withdraw(&app.db, &zc, good, version)
        .await
        .unwrap();

    let page = admin.get("/dashboard").await;
    let mut status = table(&page, "chart-status");
    status.sort();
    assert_eq!(
        status,
        vec![
            ("draft".into(), "1 项".into()),
            ("rejected".into(), "1 项".into()),
            ("submitted".into(), "1 项".into()),
            ("withdrawn".into(), "1 项".into())
        ]
    );
    assert_eq!(
        table(&page, "chart-region"),
        vec![("安丘市".into(), "52 亿元".into()), ("诸城市".into(), "30 亿元".into())]
    );
    assert_eq!(
        table(&page, "chart-industry"),
        vec![("health".into(), "82 亿元".into())]
    );
    // The verdicts are the latest evaluations', whatever the status.
    assert_eq!(
        table(&page, "chart-verdict"),
        vec![
            ("pass".into(), "2 项".into()),
            ("pass_with_warnings".into(), "0 项".into()),
            ("fail".into(), "1 项".into())
        ]
    );

    // Another standard becomes active and 安丘镇 is re-evaluated under it:
    // the criteria chart shows that one evaluation, and ZJ-2015's counts lose it.
    let cn: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE code = 'CN-2021' AND version = 1")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let today = chrono::Utc::now().date_naive().to_string();
    let activated = admin
        .post(
            &format!("/admin/standards/{cn}/activate"),
            &[("effective_from", &today)],
        )
        .await;
    assert_eq!(activated.status, StatusCode::SEE_OTHER, "{}", activated.body);
    let done = reviewer.post(&format!("/proposals/{other}/reevaluate"), &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    let page = admin.get("/dashboard").await;
    let shown = criterion_shown(&page);
    assert!(!shown.is_empty());
    assert!(shown.iter().all(|(_, counts)| counts.ends_with("/1")), "{shown:?}");
    assert_eq!(shown, criterion_truth(&app, "CN-2021").await);
    let zj: Vec<(String, String)> = criterion_truth(&app, "ZJ-2015").await;
    let zj_eligible = zj.iter().find(|(k, _)| k == "investment.eligible_total").unwrap();
    assert_eq!(
        zj_eligible.1, "1/2",
        "合格镇 passes, 不合格镇 fails; 安丘镇 moved to CN-2021"
    );
    let verdict_total: usize = table(&page, "chart-verdict")
        .iter()
        .map(|(_, v)| v.trim_end_matches(" 项").parse::<usize>().unwrap())
        .sum();
    assert_eq!(verdict_total, 3, "one latest evaluation per evaluated proposal");

    // The counters summed equal a recount from scratch.
    let drift: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (
             SELECT region_id, kind, key, sum(n) AS n, sum(amount) AS amount FROM dashboard_counters
             GROUP BY 1, 2, 3 HAVING sum(n) <> 0
         ) c FULL JOIN (
             SELECT p.region_id, t.kind, t.key, count(*) AS n, sum(t.amount) AS amount
             FROM proposals p, dashboard_counter_terms(p) t GROUP BY 1, 2, 3
         ) t USING (region_id, kind, key)
         WHERE c.n IS DISTINCT FROM t.n OR c.amount IS DISTINCT FROM t.amount",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(drift, 0);
}
