//! An admin copies ZJ-2015 into a draft, raises the visitors threshold to
//! 500,000, reads the what-if, finds that activating is refused because an
//! example case now fails, fixes that case and activates the new version.

use xiaozhen::domain::Role;

use crate::harness::Browser;
use crate::helpers::{PASSWORD, TestApp, sample_input};

const VISITORS_EDIT: &str = r#"fieldset[data-criterion="benefit.annual_visitors"] input[name$=".value"]"#;
const VISITORS_RULE: &str = r#"tr[id="criterion-benefit.annual_visitors"]"#;
/// The built-in case exactly on the old threshold.
const ON_THE_OLD_THRESHOLD: &str = "年接待游客恰好30万人次：达标";

#[tokio::test]
async fn an_admin_raises_the_visitors_threshold_and_activates_the_new_version() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::launch(&app).await else {
        return;
    };
    // Submitted towns between the old and the new threshold, and one above both.
    let official = app.official_of("zhucheng-planner", "诸城市").await;
    let mut between = Vec::new();
    for (name, visitors) in [("茶叶小镇", 300_000), ("恐龙小镇", 380_000), ("智能体验小镇", 450_000)] {
        let mut input = sample_input(name);
        input.benefits.annual_visitors = Some(visitors);
        between.push((name, app.submitted(&official, &input).await));
    }
    app.submitted(&official, &sample_input("健康美食小镇")).await; // 650,000
    app.create_user("province-admin", Role::Admin, None).await;

    browser.open("/login").await;
    browser.login_through_form("province-admin", PASSWORD).await;
    browser.open("/admin/standards").await;
    // The row of ZJ-2015 v5, active (a new installation's).
    let rows = browser.texts("table.standards tbody tr.version").await;
    let zj = rows
        .iter()
        .position(|r| r.starts_with("ZJ-2015 5 "))
        .unwrap_or_else(|| panic!("ZJ-2015 v5 listed: {rows:?}"));
    assert!(rows[zj].contains("启用中"), "{}", rows[zj]);
    browser
        .submit(&format!(
            "table.standards tbody tr.version:nth-child({}) td.code a",
            zj + 1
        ))
        .await;
    assert_eq!(browser.text("main h1 .std-code").await, "ZJ-2015 v5");

    // Copy into a draft: same code, next version.
    browser.submit("form.copy button[type=submit]").await;
    let path = browser.current_path().await;
    let draft: i64 = path
        .strip_prefix("/admin/standards/")
        .and_then(|s| s.strip_suffix("/edit"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("the copy's edit form at /admin/standards/{{id}}/edit, not {path}"));
    assert_eq!(browser.text("main h1 .std-code").await, "ZJ-2015 v6");
    assert_eq!(browser.attr(VISITORS_EDIT, "value").await.as_deref(), Some("300000"));
    browser.fill(VISITORS_EDIT, "500000").await;
    browser.submit("form.std-edit button[type=submit]").await;
    assert_eq!(browser.current_path().await, format!("/admin/standards/{draft}"));
    assert_eq!(browser.text("dl.std-meta .badge.status").await, "草稿");
    let rule = browser.text(&format!("{VISITORS_RULE} .rules")).await;
    assert!(rule.contains("500,000") || rule.contains("500000"), "{rule}");

    // What-if: the three towns between the thresholds would fail.
    browser
        .submit(&format!("a[href=\"/admin/standards/{draft}/what-if\"]"))
        .await;
    assert_eq!(
        browser.current_path().await,
        format!("/admin/standards/{draft}/what-if")
    );
    let count = |class: &str, column: &str| format!("table.whatif-counts tr.count.{class} td.{column}");
    assert_eq!(browser.text(&count("pass", "active")).await, "4");
    assert_eq!(browser.text(&count("pass", "candidate")).await, "1");
    assert_eq!(browser.text(&count("fail", "active")).await, "0");
    assert_eq!(browser.text(&count("fail", "candidate")).await, "3");
    assert_eq!(browser.text(&count("total", "active")).await, "4");
    assert_eq!(browser.text(".changed-count").await, "3");
    let mut changed = browser.texts("table.whatif-changed tr.changed td.name").await;
    changed.sort();
    let mut expected: Vec<&str> = between.iter().map(|(n, _)| *n).collect();
    expected.sort();
    assert_eq!(changed, expected);
    for (name, id) in &between {
        let row = format!("table.whatif-changed tr.changed[data-proposal=\"{id}\"]");
        assert_eq!(browser.text(&format!("{row} .before")).await, "合格", "{name}");
        assert_eq!(browser.text(&format!("{row} .after")).await, "不合格", "{name}");
        assert_eq!(
            browser.text(&format!("{row} .causes")).await,
            "年接待游客：符合 → 不符合",
            "{name}"
        );
    }
    browser.screenshot_full_page("standards-what-if").await;

    // The case on the old threshold now fails: activating is refused.
    browser.open(&format!("/admin/standards/{draft}")).await;
    assert!(browser.has(".examples-failing").await, "{}", browser.describe().await);
    assert_eq!(
        browser.texts("table.examples tr.example.failed td:first-child").await,
        vec![ON_THE_OLD_THRESHOLD]
    );
    browser.submit("form.activate button[type=submit]").await;
    assert_eq!(browser.text("main .notice.error .code").await, "409");
    assert!(
        browser
            .text("main")
            .await
            .contains("有示例案例未得到预期结果，不能发布或启用"),
        "{}",
        browser.describe().await
    );
    browser.open("/admin/standards").await;
    let rows = browser.texts("table.standards tbody tr.version").await;
    assert!(
        rows.iter().any(|r| r.starts_with("ZJ-2015 6 ") && r.contains("草稿")),
        "still a draft: {rows:?}"
    );

    // Fix the case: on the draft, 300,000 visitors fail.
    browser.open(&format!("/admin/standards/{draft}")).await;
    browser.follow_link(ON_THE_OLD_THRESHOLD).await;
    assert!(
        browser
            .current_path()
            .await
            .starts_with(&format!("/admin/standards/{draft}/examples/")),
        "{}",
        browser.describe().await
    );
    assert_eq!(browser.text(".actual-overall").await, "不合格");
    let expect = r#"tr.expect[data-criterion="benefit.annual_visitors"]"#;
    assert_eq!(browser.attr(expect, "class").await.as_deref(), Some("expect failed"));
    browser.fill("#name", "年接待游客30万人次：未达50万人次").await;
    browser.click("#expected_overall option[value=fail]").await;
    browser.click(&format!("{expect} select option[value=fail]")).await;
    browser.submit("form.example-edit button[type=submit]").await;
    assert_eq!(browser.attr(expect, "class").await.as_deref(), Some("expect passed"));
    assert!(!browser.has("tr.expect.failed").await, "every expectation met");
    browser.screenshot_full_page("standards-example").await;

    browser.open(&format!("/admin/standards/{draft}")).await;
    assert!(!browser.has(".examples-failing").await);
    assert!(!browser.has("table.examples tr.example.failed").await);
    browser.submit("form.activate button[type=submit]").await;
    assert_eq!(browser.current_path().await, format!("/admin/standards/{draft}"));
    assert_eq!(browser.text("dl.std-meta .badge.status").await, "启用中");

    browser.open("/admin/standards").await;
    let rows = browser.texts("table.standards tbody tr.version").await;
    let active: Vec<&String> = rows.iter().filter(|r| r.contains("启用中")).collect();
    assert_eq!(active.len(), 1, "exactly one active version: {rows:?}");
    assert!(active[0].starts_with("ZJ-2015 6 "), "{rows:?}");
    browser.screenshot_full_page("standards-list").await;
    browser.close().await;
}
