//! An admin composes a creation list of two approved proposals, previews
//! and publishes it; then an anonymous visitor reads the list and a town's
//! page and downloads the XLSX.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use xiaozhen::domain::Role;

use crate::harness::Browser;
use crate::helpers::{PASSWORD, TestApp, sample_input};

const TITLE: &str = "第一批省级特色小镇创建名单";
const TOWNS: [&str; 2] = ["健康美食小镇", "智能体验小镇"];

#[tokio::test]
async fn an_admin_publishes_a_list_and_the_public_reads_it() {
    let app = TestApp::spawn().await;
    let Some(admin) = Browser::launch(&app).await else {
        return;
    };
    let official = app.official_of("zhucheng-planner", "诸城市").await;
    let reviewer = app.create_user("provincial-reviewer", Role::Reviewer, None).await;
    let ids = app.approved(&official, &app.user(reviewer).await, &TOWNS).await;
    // Submitted but not approved: never offered.
    app.submitted(&official, &sample_input("恐龙小镇")).await;
    app.create_user("province-admin", Role::Admin, None).await;

    admin.open("/login").await;
    admin.login_through_form("province-admin", PASSWORD).await;
    admin.open("/admin/batches").await;
    admin.fill("#list-title", TITLE).await;
    admin
        .fill("#list-introduction", "经审核，以下小镇列入第一批省级特色小镇创建名单。")
        .await;
    // Published straight away: the notice is switched off (it is on by default).
    admin.click("#list-notice-off").await;
    admin.submit("#new-list button[type=submit]").await;
    let path = admin.current_path().await;
    let batch: i64 = path
        .strip_prefix("/admin/batches/")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a new batch at /admin/batches/{{id}}, not {path}"));
    assert_eq!(admin.text("main h1").await, TITLE);
    assert_eq!(admin.text("p.kind .status").await, "草稿");

    // Only the approved proposals are offered; add both.
    let offered: Vec<String> = {
        let mut values = Vec::new();
        for option in admin
            .client()
            .find_all(fantoccini::Locator::Css("#proposal option"))
            .await
            .expect("options")
        {
            values.push(option.attr("value").await.unwrap().unwrap_or_default());
        }
        values
    };
    let mut expected: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    let mut sorted = offered.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected, "only the approved proposals are offered");
    for id in &ids {
        admin.click(&format!("#proposal option[value=\"{id}\"]")).await;
        admin.submit("#add-form button[type=submit]").await;
        assert_eq!(admin.current_path().await, format!("/admin/batches/{batch}"));
    }
    assert_eq!(admin.texts("table.entries tbody td.name").await, TOWNS);

    // The preview is the public page, not yet public.
    admin.submit("a.preview").await;
    assert_eq!(admin.current_path().await, format!("/admin/batches/{batch}/preview"));
    assert!(admin.has(".preview-banner").await);
    assert_eq!(admin.text("article.batch h1").await, TITLE);
    assert_eq!(admin.texts("table.towns tbody td.name").await, TOWNS);
    assert_eq!(
        app.client().get(&format!("/batches/{batch}")).await.status,
        reqwest::StatusCode::NOT_FOUND,
        "not public before publishing"
    );
    admin.screenshot_full_page("publish-preview").await;
    admin.submit(".preview-banner a").await;
    assert_eq!(admin.current_path().await, format!("/admin/batches/{batch}"));

    admin.submit("#publish-form button").await;
    assert_eq!(admin.current_path().await, format!("/batches/{batch}"));
    let hash = admin.text(".integrity .content-hash").await;
    assert_eq!(hash.len(), 64, "a SHA-256 in hex: {hash}");
    admin.open(&format!("/admin/batches/{batch}")).await;
    assert!(admin.has(".published-notice").await, "{}", admin.describe().await);
    assert!(
        !admin.has("#publish-form").await,
        "a published batch cannot be published again"
    );
    assert!(!admin.has("#add-form").await, "nor changed");
    admin.close().await;

    // An anonymous visitor, in a browser of their own.
    let Some(visitor) = Browser::launch(&app).await else {
        return;
    };
    visitor.open("/").await;
    assert!(!visitor.has(r#"header form[action="/logout"]"#).await, "not signed in");
    assert_eq!(visitor.texts(".batch-list .batch-title").await, vec![TITLE]);
    assert_eq!(visitor.text(".batch-list .count").await, "2");
    visitor.follow_link(TITLE).await;
    assert_eq!(visitor.current_path().await, format!("/batches/{batch}"));
    assert_eq!(visitor.texts("table.towns tbody td.name").await, TOWNS);
    assert_eq!(visitor.text(".integrity .content-hash").await, hash);
    assert_eq!(visitor.texts("table.towns tbody td.overall").await, vec!["合格"; 2]);
    visitor.screenshot_full_page("publish-public-batch").await;

    visitor.follow_link(TOWNS[0]).await;
    assert_eq!(visitor.current_path().await, format!("/towns/{}", ids[0]));
    assert_eq!(visitor.text("article.town h1").await, TOWNS[0]);
    assert_eq!(visitor.text("article.town .region").await, "诸城市");
    assert_eq!(visitor.text("article.town .listed-in a").await, TITLE);
    assert_eq!(visitor.text("article.town .badge.overall").await, "合格");
    assert!(
        visitor.text("article.town .standard").await.contains("ZJ-2015"),
        "{}",
        visitor.text("article.town .standard").await
    );
    let findings = visitor.texts("article.town table.findings tbody tr").await;
    assert_eq!(findings.len(), 27, "every criterion of ZJ-2015: {findings:?}");
    assert!(
        findings
            .iter()
            .any(|f| f.contains("计划投资额") && f.contains("52 亿元")),
        "{findings:?}"
    );
    let page = visitor.text("main").await;
    for private in ["同意", "provincial-reviewer", "zhucheng-planner", "display"] {
        assert!(!page.contains(private), "the town page shows {private}");
    }
    visitor.screenshot_full_page("publish-public-town").await;

    // The XLSX linked from the list.
    visitor.submit("article.town .listed-in a").await;
    let href = visitor.attr("a.download.xlsx", "href").await.expect("an XLSX link");
    assert_eq!(href, format!("/batches/{batch}.xlsx"));
    let response = reqwest::get(visitor.url(&href)).await.expect("GET the XLSX");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = response.bytes().await.expect("the file").to_vec();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("an XLSX file");
    let sheet = book.worksheet_range_at(0).expect("a sheet").expect("readable");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 3, "a header and two towns: {rows:?}");
    for (row, name) in rows[1..].iter().zip(TOWNS) {
        assert!(row.iter().any(|c| c == name), "{name} in {row:?}");
        assert!(row.iter().any(|c| c == "诸城市"), "{row:?}");
    }
    visitor.close().await;
}
