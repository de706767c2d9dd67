//! A town's life after listing (issue 11, STANDARDS.md §5): a published 降格
//! demotes it to a cultivation town, a cultivation town below 合格 is
//! 淘汰 (removed) — statuses changed with the publication, each with its
//! audit row, shown on the public pages; 淘汰 only for a cultivation town;
//! acceptance only once every year of the period is published, and a
//! cultivation town never named; named and demoted towns in the withdrawal
//! candidates and the what-if, and withdrawn end to end.

use reqwest::StatusCode;
use xiaozhen::auth::User;
use xiaozhen::domain::Role;
use xiaozhen::domain::creation::AnnualFigures;
use xiaozhen::services::creation::{self as service, ListKind};

use crate::batches::{admin_id, approved, status_of};
use crate::creation::{World, post, report, world};
use crate::helpers::{Client, PASSWORD, Page, TestApp};

async fn audit_of(app: &TestApp, action: &str, entity_id: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1 AND entity = 'proposal' AND entity_id = $2")
        .bind(action)
        .bind(entity_id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// A list batch of `ids` published in March 2022, so that the towns'
/// periods (2022–2024) are over and every deadline past.
async fn published_list(app: &TestApp, title: &str, ids: &[i64]) -> i64 {
    use xiaozhen::services::batches;
    let admin = admin_id(app).await;
    let batch = batches::create_list_batch_without_notice(&app.db, admin, title, "")
        .await
        .unwrap();
    for id in ids {
        batches::add_entry(&app.db, admin, batch, *id, "").await.unwrap();
    }
    let at = chrono::DateTime::parse_from_rfc3339("2022-03-01T10:00:00+08:00").unwrap();
    batches::publish_as_of(&app.db, admin, batch, at.to_utc())
        .await
        .unwrap();
    batch
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

fn grade(year: &str, code: &str, reason: &str) -> [(&'static str, String); 3] {
    [
        ("year", year.to_string()),
        ("final_grade", code.to_string()),
        ("reason", reason.to_string()),
    ]
}

/// The reviewer's grade form for `year` of the town, posted.
async fn post_grade(w: &World, year: &str, code: &str, reason: &str) -> Page {
    post(
        &w.reviewer,
        &format!("/review/creation/{}/grade", w.id),
        &grade(year, code, reason),
    )
    .await
}

async fn publish_grades(w: &World, year: &str) {
    let publish = [("kind", "grades".to_string()), ("year", year.to_string())];
    let page = post(&w.admin, "/admin/creation/publish", &publish).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

/// The official reports `total` for `year`, the reviewer confirms the
/// suggested grade (which must be `expected`).
async fn report_and_grade(w: &World, year: &str, total: &str, expected: &str) {
    let reports = format!("/proposals/{}/reports", w.id);
    let page = post(&w.official, &reports, &report(year, "", total)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let review = format!("/review/creation/{}", w.id);
    let page = w.reviewer.get(&review).await;
    assert_eq!(page.text(&format!("[data-year='{year}'] .badge.suggested")), expected);
    let code = page
        .attr(&format!("[data-year='{year}'] select option[selected]"), "value")
        .unwrap();
    let page = post_grade(w, year, &code, "").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

#[tokio::test]
async fn a_demoted_town_reports_on_and_is_removed_below_pass() {
    let w = world().await;
    let id = w.id;
    let public = w.app.client();
    // 2022: 5 of a planned 14 (36%) → 降格; confirmed, the town stays listed
    // until the admin publishes.
    report_and_grade(&w, "2022", "5", "降格").await;
    assert_eq!(status_of(&w.app, id).await, "listed");
    publish_grades(&w, "2022").await;
    assert_eq!(status_of(&w.app, id).await, "demoted");
    assert_eq!(audit_of(&w.app, "proposal.demoted", id).await, 1);
    let town = public.get(&format!("/towns/{id}")).await;
    assert_eq!(town.status, StatusCode::OK);
    assert_eq!(town.text("#creation-history .history-grade .badge"), "降格");
    assert_eq!(town.text("#creation-history .history-grade .outcome"), "降格为培育小镇");
    assert!(town.text("#creation-standing").contains("降格为培育小镇"));
    let year = public.get("/creation/2022").await;
    assert_eq!(year.text("#grades .outcome"), "降格为培育小镇");
    let show = w.official.get(&format!("/proposals/{id}")).await;
    assert_eq!(show.text("#status"), "已降格（培育小镇）");
    assert!(
        show.texts(".history li")
            .iter()
            .any(|h| h.contains("年度考核降格为培育小镇"))
    );
    // A cultivation town keeps reporting.
    let reports = w.official.get(&format!("/proposals/{id}/reports")).await;
    assert!(reports.text("#town-standing").contains("培育小镇"));
    assert!(reports.has("#report-form"));

    // 2023: 15 of 36 (42%): a cultivation town below 合格 is suggested 淘汰;
    // 警告 and 降格 are not offered, and refused when posted.
    post(
        &w.official,
        &format!("/proposals/{id}/reports"),
        &report("2023", "", "10"),
    )
    .await;
    let review = format!("/review/creation/{id}");
    let page = w.reviewer.get(&review).await;
    assert_eq!(page.text("[data-year='2023'] .badge.suggested"), "淘汰");
    assert_eq!(
        page.texts("[data-year='2023'] select option"),
        ["优秀", "良好", "合格", "淘汰"]
    );
    assert!(
        page.text("[data-year='2023'] .indicators")
            .contains("培育小镇（已降格）")
    );
    let page = post_grade(&w, "2023", "warning", "再给一次机会").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.text("[data-year='2023'] .field-error"),
        "培育小镇考核低于合格即淘汰：请选择优秀、良好、合格或淘汰"
    );
    assert_eq!(count(&w.app, "SELECT count(*) FROM assessments").await, 1);
    let page = post_grade(&w, "2023", "removed", "").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(&w.app, id).await, "demoted", "not before publication");
    // Still a cultivation town: it reports 2024 before 2023 is published.
    let page = post(
        &w.official,
        &format!("/proposals/{id}/reports"),
        &report("2024", "", "26"),
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        w.reviewer.get("/review/creation").await.texts("#pending td a"),
        ["健康美食小镇"]
    );
    publish_grades(&w, "2023").await;
    assert_eq!(status_of(&w.app, id).await, "removed");
    assert_eq!(audit_of(&w.app, "proposal.eliminated", id).await, 1);

    // Public: the grade, its outcome, the standing.
    let town = public.get(&format!("/towns/{id}")).await;
    assert_eq!(town.texts("#creation-history .history-grade .badge"), ["降格", "淘汰"]);
    assert_eq!(
        town.texts("#creation-history .history-grade .outcome"),
        ["降格为培育小镇", "淘汰，退出创建名单"]
    );
    assert!(town.text("#creation-standing").contains("淘汰，退出创建名单"));
    assert_eq!(
        public.get("/creation/2023").await.text("#grades .outcome"),
        "淘汰，退出创建名单"
    );
    let show = w.official.get(&format!("/proposals/{id}")).await;
    assert_eq!(show.text("#status"), "已淘汰（退出创建名单）");
    assert!(show.texts(".history li").iter().any(|h| h.contains("年度考核淘汰")));

    // No further report, grade or acceptance: a clear message, nothing stored.
    let reports = w.official.get(&format!("/proposals/{id}/reports")).await;
    assert_eq!(reports.status, StatusCode::OK);
    assert!(!reports.has("#report-form"));
    assert!(reports.text("#town-standing").contains("不再填报年度报告"));
    assert_eq!(
        reports.text("#reports tr.report[data-year='2024'] .status"),
        "未考核（已退出创建名单）"
    );
    assert!(!reports.has("#reports a[href$='year=2024']"), "not editable");
    let refused = post(
        &w.official,
        &format!("/proposals/{id}/reports"),
        &report("2024", "1", "30"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("已退出创建名单"), "{}", refused.body);
    // The pending 2024 report leaves the reviewers' list and is not graded.
    assert!(
        w.reviewer
            .get("/review/creation")
            .await
            .texts("#pending td a")
            .is_empty()
    );
    let refused = post_grade(&w, "2024", "pass", "").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let page = w.reviewer.get(&review).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.has(".grade-form"));
    assert!(!page.has("#acceptance-form"));
    assert_eq!(page.text("#acceptance-notice"), "本小镇已退出创建名单，不能验收命名。");
    let accept = [("named", "false".to_string()), ("reason", "".to_string())];
    let refused = post(&w.reviewer, &format!("{review}/acceptance"), &accept).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains("不再填报年度报告、考核或验收命名"),
        "{}",
        refused.body
    );
    assert_eq!(count(&w.app, "SELECT count(*) FROM annual_reports").await, 3);
    assert_eq!(count(&w.app, "SELECT count(*) FROM assessments").await, 2);
    assert_eq!(
        count(
            &w.app,
            "SELECT count(*) FROM annual_reports WHERE year = 2024 AND investment_total_yi = 26"
        )
        .await,
        1
    );
    // 追惩制: the removal costs the county 2 × the land used up to it (200
    // 亩 in 2022–2023; the 2024 report came after) × 0.5, recorded apart
    // from acceptance decisions.
    let (cause, named, land): (String, bool, rust_decimal::Decimal) =
        sqlx::query_as("SELECT cause, named, land_quota_mu FROM acceptances")
            .fetch_one(&w.app.db)
            .await
            .unwrap();
    assert_eq!(
        (cause.as_str(), named, land.normalize().to_string().as_str()),
        ("eliminated", false, "-200")
    );
    assert_eq!(page.text("#elimination-penalty .amount"), "-200");
    assert_eq!(status_of(&w.app, id).await, "removed");
    // The county's summary counts it among the removals it pays for.
    let summary = w.admin.get("/admin/creation").await;
    assert_eq!(summary.text("#counties .eliminated"), "1");
    assert_eq!(summary.text("#counties .land"), "-200");

    // In English too.
    w.official.get("/lang/en").await;
    let show = w.official.get(&format!("/proposals/{id}")).await;
    assert_eq!(show.text("#status"), "Removed by its annual grade");
    let refused = post(
        &w.official,
        &format!("/proposals/{id}/reports"),
        &report("2024", "1", "30"),
    )
    .await;
    assert!(refused.body.contains("no further annual reports"), "{}", refused.body);
}

#[tokio::test]
async fn removal_is_for_cultivation_towns_and_acceptance_waits_for_the_period() {
    let w = world().await;
    let id = w.id;
    let review = format!("/review/creation/{id}");
    post(
        &w.official,
        &format!("/proposals/{id}/reports"),
        &report("2022", "", "14"),
    )
    .await;
    // 淘汰 is not offered to a listed town, and refused when posted.
    let page = w.reviewer.get(&review).await;
    assert_eq!(
        page.texts("[data-year='2022'] select option"),
        ["优秀", "良好", "合格", "警告", "降格"]
    );
    let page = post_grade(&w, "2022", "removed", "投资不实").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.text("[data-year='2022'] .field-error"),
        "“淘汰”只适用于已降格的培育小镇；本小镇请选择优秀、良好、合格、警告或降格"
    );
    assert_eq!(count(&w.app, "SELECT count(*) FROM assessments").await, 0);
    w.reviewer.get("/lang/en").await;
    let page = post_grade(&w, "2022", "removed", "投资不实").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text("[data-year='2022'] .field-error")
            .starts_with("“Removed” applies only to a cultivation town")
    );
    w.reviewer.get("/lang/zh").await;
    assert_eq!(post_grade(&w, "2022", "good", "").await.status, StatusCode::SEE_OTHER);

    // Acceptance before the period is complete: no form, a refused POST.
    let accept = [("named", "true".to_string()), ("reason", "提前验收".to_string())];
    let page = w.reviewer.get(&review).await;
    assert!(!page.has("#acceptance-form"));
    assert_eq!(page.text("#acceptance-notice .period-progress"), "0 / 3");
    let refused = post(&w.reviewer, &format!("{review}/acceptance"), &accept).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("创建期尚未结束"), "{}", refused.body);
    assert_eq!(count(&w.app, "SELECT count(*) FROM acceptances").await, 0);
    assert_eq!(status_of(&w.app, id).await, "listed");
    publish_grades(&w, "2022").await;
    report_and_grade(&w, "2023", "22", "良好").await;
    report_and_grade(&w, "2024", "26", "良好").await;
    // Every year reported and graded, but only 2022 published: still early.
    let page = w.reviewer.get(&review).await;
    assert_eq!(page.text("#acceptance-notice .period-progress"), "1 / 3");
    assert_eq!(
        post(&w.reviewer, &format!("{review}/acceptance"), &accept).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(count(&w.app, "SELECT count(*) FROM acceptances").await, 0);
    publish_grades(&w, "2023").await;
    publish_grades(&w, "2024").await;
    let page = w.reviewer.get(&review).await;
    assert!(!page.has("#acceptance-notice"));
    assert_eq!(page.texts("#acceptance-form input[name=named]").len(), 2);
    assert_eq!(
        post(&w.reviewer, &format!("{review}/acceptance"), &accept).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(status_of(&w.app, id).await, "named");
}

#[tokio::test]
async fn a_cultivation_town_at_the_end_of_its_period_can_only_fail() {
    let w = world().await;
    let id = w.id;
    let review = format!("/review/creation/{id}");
    report_and_grade(&w, "2022", "5", "降格").await;
    publish_grades(&w, "2022").await;
    // Of the eligible plan (52 of 62 亿元): 30 of 30.19 (99.4%), then 50 of
    // 52 (96.2%): 合格, still a cultivation town.
    report_and_grade(&w, "2023", "25", "合格").await;
    report_and_grade(&w, "2024", "20", "合格").await;
    publish_grades(&w, "2023").await;
    publish_grades(&w, "2024").await;
    assert_eq!(status_of(&w.app, id).await, "demoted");
    let page = w.reviewer.get(&review).await;
    assert!(page.has("#acceptance-form input[name=named][value=false]"));
    assert!(!page.has("#acceptance-form input[name=named][value=true]"));
    assert!(page.text("#acceptance-notice").contains("不能验收命名"));
    let named = [("named", "true".to_string()), ("reason", "".to_string())];
    let page = post(&w.reviewer, &format!("{review}/acceptance"), &named).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.text("#acceptance-form .field-error"),
        "已降格的培育小镇不能验收命名（宽进严定），只能作出“未通过验收”的决定"
    );
    assert_eq!(count(&w.app, "SELECT count(*) FROM acceptances").await, 0);
    let failed = [("named", "false".to_string()), ("reason", "培育期满未达标".to_string())];
    assert_eq!(
        post(&w.reviewer, &format!("{review}/acceptance"), &failed).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(status_of(&w.app, id).await, "not_named");
    // The deduction: 300 亩 used × 0.5 × 2.
    let land: rust_decimal::Decimal = sqlx::query_scalar("SELECT land_quota_mu FROM acceptances")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(land.normalize().to_string(), "-300");
}

/// Figures of a report, through the form reader.
fn figures(total: &str) -> AnnualFigures {
    let pairs: Vec<(String, String)> = report("", "", total)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    AnnualFigures::from_form(&pairs).unwrap()
}

/// Reports `totals` from 2022 on and confirms each suggested grade.
async fn reported(app: &TestApp, official: &User, reviewer: &User, id: i64, totals: &[&str]) {
    let region = official.region_id.unwrap();
    for (i, total) in totals.iter().enumerate() {
        let year = 2022 + i as i32;
        service::save_report(&app.db, official, region, id, year, None, &figures(total))
            .await
            .unwrap();
        let (_, _, a) = service::suggestion(&app.db, id, year).await.unwrap();
        service::confirm_grade(&app.db, reviewer, id, year, Some(a.suggested), "")
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn named_and_demoted_towns_stay_on_the_list_until_withdrawn() {
    let app = TestApp::spawn().await;
    crate::creation::on_completion_bands(&app).await;
    let official = app.official_of("official-w", "诸城市").await;
    let reviewer = app
        .user(app.create_user("reviewer-w", Role::Reviewer, None).await)
        .await;
    let admin_user = app.user(app.create_user("admin-w", Role::Admin, None).await).await;
    let named = approved(&app, &official, "命名小镇").await;
    let demoted = approved(&app, &official, "降格小镇").await;
    let removed = approved(&app, &official, "淘汰小镇").await;
    let listed = approved(&app, &official, "在创小镇").await;
    let list = published_list(&app, "第一批", &[named, demoted, removed, listed]).await;
    // Every town in its period reports every year: a year without a report
    // would be graded 警告 when its grades are published.
    reported(&app, &official, &reviewer, named, &["14", "22", "26"]).await;
    reported(&app, &official, &reviewer, demoted, &["5", "25", "20"]).await;
    reported(&app, &official, &reviewer, removed, &["5", "10"]).await;
    reported(&app, &official, &reviewer, listed, &["14", "22", "26"]).await;
    for year in [2022, 2023, 2024] {
        service::publish(&app.db, &admin_user, ListKind::Grades, year)
            .await
            .unwrap();
    }
    service::decide_acceptance(&app.db, &reviewer, named, Some(true), "验收合格")
        .await
        .unwrap();
    for (id, status) in [
        (named, "named"),
        (demoted, "demoted"),
        (removed, "removed"),
        (listed, "listed"),
    ] {
        assert_eq!(status_of(&app, id).await, status);
    }

    // The what-if scores every town still on the list, not the removed one.
    let active: i64 = count(&app, "SELECT id FROM standards WHERE status = 'active'").await;
    let w = xiaozhen::services::standards::what_if(&app.db, active).await.unwrap();
    assert_eq!(w.under_active.total(), 3);

    // Demoted and removed towns break no page.
    let admin = app.client();
    admin.login("admin-w", PASSWORD).await;
    let o = app.client();
    o.login("official-w", PASSWORD).await;
    let r = app.client();
    r.login("reviewer-w", PASSWORD).await;
    let public = app.client();
    let pages: Vec<(&Client, String)> = vec![
        (&r, "/review".into()),
        (&r, "/review/creation".into()),
        (&r, format!("/review/creation/{demoted}")),
        (&r, format!("/review/creation/{removed}")),
        (&r, format!("/review/creation/{named}")),
        (&r, "/review/export.csv".into()),
        (&r, "/review/export.xlsx".into()),
        (&o, "/proposals".into()),
        (&o, "/proposals/export.csv".into()),
        (&o, "/proposals/export.xlsx".into()),
        (&o, format!("/proposals/{demoted}")),
        (&o, format!("/proposals/{removed}")),
        (&o, format!("/proposals/{removed}/report")),
        (&o, format!("/proposals/{demoted}/reports")),
        (&o, format!("/proposals/{removed}/reports")),
        (&o, "/dashboard".into()),
        (&admin, "/admin".into()),
        (&admin, "/admin/batches".into()),
        (&admin, format!("/admin/batches/{list}")),
        (&admin, "/admin/creation".into()),
        (&admin, "/admin/creation/summary.csv".into()),
        (&public, "/".into()),
        (&public, format!("/batches/{list}")),
        (&public, format!("/batches/{list}.csv")),
        (&public, format!("/batches/{list}.xlsx")),
        (&public, format!("/batches/{list}.json")),
        (&public, format!("/towns/{demoted}")),
        (&public, format!("/towns/{removed}")),
        (&public, "/creation/2022".into()),
        (&public, "/creation/2023".into()),
        (&public, "/creation/2024".into()),
        (&public, format!("/api/v1/batches/{list}")),
    ];
    for (client, path) in &pages {
        assert_eq!(client.get(path).await.status, StatusCode::OK, "{path}");
    }

    // The withdrawal candidates: every town still on the list.
    let created = admin
        .post(
            "/admin/batches",
            &[
                ("kind", "withdrawal"),
                ("withdraws", &list.to_string()),
                ("title", "退出名单"),
                ("introduction", ""),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let batch = created.location().unwrap();
    let page = admin.get(&batch).await;
    let candidates = page.texts("#proposal option");
    assert_eq!(candidates.len(), 3, "{candidates:?}");
    for name in ["命名小镇", "降格小镇", "在创小镇"] {
        assert!(
            candidates.iter().any(|c| c.starts_with(name)),
            "{name} in {candidates:?}"
        );
    }
    assert!(!candidates.iter().any(|c| c.starts_with("淘汰小镇")));
    // The removed town is refused if posted all the same.
    let refused = admin
        .post(
            &format!("{batch}/entries"),
            &[("proposal", &removed.to_string()), ("reason", "r")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    for id in [named, demoted] {
        let added = admin
            .post(
                &format!("{batch}/entries"),
                &[("proposal", &id.to_string()), ("reason", "违规用地")],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    }
    let preview = admin.get(&format!("{batch}/preview")).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert_eq!(preview.texts("table.towns td.name"), ["命名小镇", "降格小镇"]);
    let published = admin.post(&format!("{batch}/publish"), &[]).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.body);
    assert_eq!(status_of(&app, named).await, "removed");
    assert_eq!(status_of(&app, demoted).await, "removed");
    assert_eq!(audit_of(&app, "proposal.removed", named).await, 1);
    assert_eq!(audit_of(&app, "proposal.removed", demoted).await, 1);
    let town = public.get(&format!("/towns/{named}")).await;
    assert!(town.text(".withdrawal .reason").contains("违规用地"));
    // Withdrawn, not 淘汰: the status's own label.
    assert_eq!(
        o.get(&format!("/proposals/{named}")).await.text("#status"),
        "已退出名单"
    );
    let w = xiaozhen::services::standards::what_if(&app.db, active).await.unwrap();
    assert_eq!(w.under_active.total(), 1);
}

#[tokio::test]
async fn a_named_town_withdrawn_later_earns_its_county_no_reward() {
    let app = TestApp::spawn().await;
    crate::creation::on_completion_bands(&app).await;
    let official = app.official_of("official-s", "诸城市").await;
    let reviewer = app
        .user(app.create_user("reviewer-s", Role::Reviewer, None).await)
        .await;
    let admin_user = app.user(app.create_user("admin-s", Role::Admin, None).await).await;
    let kept = approved(&app, &official, "茶叶小镇").await;
    let withdrawn = approved(&app, &official, "恐龙小镇").await;
    let failed = approved(&app, &official, "汽车动力小镇").await;
    let list = published_list(&app, "第一批", &[kept, withdrawn, failed]).await;
    for id in [kept, withdrawn, failed] {
        reported(&app, &official, &reviewer, id, &["14", "22", "26"]).await;
    }
    for year in [2022, 2023, 2024] {
        service::publish(&app.db, &admin_user, ListKind::Grades, year)
            .await
            .unwrap();
    }
    // Each: 300 亩 used × 0.5 = 150 亩 if named (1200 of tax returned),
    // 2 × 150 = 300 deducted if not.
    for (id, named) in [(kept, true), (withdrawn, true), (failed, false)] {
        service::decide_acceptance(&app.db, &reviewer, id, Some(named), "验收")
            .await
            .unwrap();
    }
    service::publish(&app.db, &admin_user, ListKind::Named, 2024)
        .await
        .unwrap();
    let admin = app.client();
    admin.login("admin-s", PASSWORD).await;
    let summary = |page: &crate::helpers::Page| {
        [
            ".named",
            ".not-named",
            ".eliminated",
            ".withdrawn",
            ".land",
            ".province-tax",
            ".rebate",
        ]
        .map(|c| page.text(&format!("#counties tbody tr {c}")))
    };
    let page = admin.get("/admin/creation").await;
    assert_eq!(summary(&page), ["2", "1", "0", "0", "0", "2400", "2400"]);

    // A withdrawal batch takes the named 恐龙小镇 off the list.
    let admin_id = admin_user.id;
    let batch = xiaozhen::services::batches::create_withdrawal_batch(&app.db, admin_id, list, "退出名单", "")
        .await
        .unwrap();
    xiaozhen::services::batches::add_entry(&app.db, admin_id, batch, withdrawn, "违规用地")
        .await
        .unwrap();
    xiaozhen::services::batches::publish(&app.db, admin_id, batch)
        .await
        .unwrap();
    assert_eq!(status_of(&app, withdrawn).await, "removed");

    // Its reward no longer counts; it is shown apart. The deduction of the
    // town not named still counts.
    let page = admin.get("/admin/creation").await;
    assert_eq!(summary(&page), ["1", "1", "0", "1", "-150", "1200", "1200"]);
    assert!(page.text("#counties-note").contains("不计入本表"));
    let csv = admin.get("/admin/creation/summary.csv").await;
    let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "县（市、区）,命名数,未命名数,创建期内退出数（淘汰或未完成目标，照扣）,命名后退出名单数（不计奖励）,用地指标奖惩（亩）,命名小镇上交省财政的新增税收（万元）,税收返还（万元）"
    );
    assert_eq!(lines[1], "诸城市,1,1,0,1,-150,1200,1200");
    admin.get("/lang/en").await;
    let csv = admin.get("/admin/creation/summary.csv").await;
    assert!(
        csv.body.contains(",Withdrawn after naming (no reward),"),
        "{}",
        csv.body
    );
    // The decision itself stays on record.
    assert_eq!(count(&app, "SELECT count(*) FROM acceptances WHERE named").await, 2);
}

#[tokio::test]
async fn a_withdrawal_for_missed_targets_costs_the_county_the_penalty() {
    let w = world().await;
    let reviewer: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'reviewer-c'")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let admin = admin_id(&w.app).await;
    let other = crate::creation::listed(&w.app, &w.official_user, reviewer, admin, "恐龙小镇").await;
    // Each town uses 100 亩 in 2022.
    for id in [w.id, other] {
        let page = post(
            &w.official,
            &format!("/proposals/{id}/reports"),
            &report("2022", "", "14"),
        )
        .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
    }
    // Each is withdrawn by its own batch: the first for missing its
    // targets (ticked on the admin's page), the other for another reason.
    let mut batches = Vec::new();
    for (id, reason, missed) in [(w.id, "三年未达到规划目标", true), (other, "主体变更", false)] {
        let list: i64 = sqlx::query_scalar("SELECT batch_id FROM batch_entries WHERE proposal_id = $1")
            .bind(id)
            .fetch_one(&w.app.db)
            .await
            .unwrap();
        let batch = xiaozhen::services::batches::create_withdrawal_batch(&w.app.db, admin, list, "退出名单", "")
            .await
            .unwrap();
        xiaozhen::services::batches::add_entry(&w.app.db, admin, batch, id, "待定")
            .await
            .unwrap();
        let entry: i64 = sqlx::query_scalar("SELECT id FROM batch_entries WHERE batch_id = $1")
            .bind(batch)
            .fetch_one(&w.app.db)
            .await
            .unwrap();
        let mut form = vec![("reason", reason.to_string())];
        if missed {
            form.push(("missed_targets", "true".to_string()));
        }
        let page = post(
            &w.admin,
            &format!("/admin/batches/{batch}/entries/{entry}/reason"),
            &form,
        )
        .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        xiaozhen::services::batches::publish(&w.app.db, admin, batch)
            .await
            .unwrap();
        assert_eq!(status_of(&w.app, id).await, "removed");
        batches.push(batch);
    }
    // 追惩制 for the first only: 2 × 100 亩 × 0.5.
    let rows: Vec<(i64, String, bool, rust_decimal::Decimal)> =
        sqlx::query_as("SELECT proposal_id, cause, named, land_quota_mu FROM acceptances")
            .fetch_all(&w.app.db)
            .await
            .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0].0, rows[0].1.as_str(), rows[0].2), (w.id, "withdrawn", false));
    assert_eq!(rows[0].3.normalize().to_string(), "-100");
    let page = w.admin.get(&format!("/admin/batches/{}", batches[0])).await;
    assert_eq!(
        page.text(".entry .missed-targets"),
        "未达到规划目标（按追惩制倒扣用地指标）"
    );
    assert!(
        !w.admin
            .get(&format!("/admin/batches/{}", batches[1]))
            .await
            .has(".missed-targets")
    );
    let summary = w.admin.get("/admin/creation").await;
    assert_eq!(summary.text("#counties .land"), "-100");
    // Counted among the county's removals, apart from towns not named.
    assert_eq!(summary.text("#counties .eliminated"), "1");
    assert_eq!(summary.text("#counties .not-named"), "0");
}
