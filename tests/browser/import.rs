//! An official imports proposals from a spreadsheet: uploads a file with two
//! bad rows, reads the errors, fixes them, uploads again and imports.

use xiaozhen::domain::proposal::ProposalInput;
use xiaozhen::domain::{Lang, Role};
use xiaozhen::xlsx;

use crate::harness::Browser;
use crate::helpers::{PASSWORD, TestApp, sample_input};

fn typed_cells(input: &ProposalInput) -> Vec<String> {
    xlsx::columns()
        .iter()
        .map(|c| {
            let values = input.form_values(c.spec.name);
            let v = match c.year {
                Some(y) => values.get(y - 1).cloned().unwrap_or_default(),
                None => values.into_iter().next().unwrap_or_default(),
            };
            xlsx::display_cell(c.spec, &v, Lang::Zh)
        })
        .collect()
}

/// A CSV file as an official saves it, with the visible Chinese headers.
fn write_csv(path: &std::path::Path, rows: &[Vec<String>]) {
    let mut w = csv::Writer::from_path(path).expect("create the file");
    w.write_record(xlsx::columns().iter().map(|c| c.header(Lang::Zh)))
        .unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
}

#[tokio::test]
async fn an_official_fixes_two_bad_rows_and_imports() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::launch(&app).await else {
        return;
    };
    app.create_user("importer", Role::Official, Some("诸城市")).await;
    browser.open("/login").await;
    browser.login_through_form("importer", PASSWORD).await;
    browser.follow_link("批量导入").await;
    assert_eq!(browser.current_path().await, "/proposals/import");

    let key = |k: &str| xlsx::columns().iter().position(|c| c.key() == k).unwrap();
    let mut rows: Vec<Vec<String>> = ["东湖小镇", "西山小镇", "南溪小镇", "北岭小镇", "中和小镇"]
        .iter()
        .map(|n| typed_cells(&sample_input(n)))
        .collect();
    rows[1][key("investment.total_yi")] = "62亿".into();
    rows[3][key("functions.wifi_coverage_pct")] = "100%".into();
    let dir = std::env::temp_dir().join(format!("xz-import-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("申报.csv");
    write_csv(&file, &rows);

    browser
        .wait_for("#file")
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .expect("choose the file");
    browser.submit("#import-form button[type=submit]").await;
    // The progress bar reloads the page once the rows are checked.
    let summary = browser.text("#summary").await;
    assert_eq!(summary, "共 5 行：有效 3 行，有误 2 行。确认前不会保存任何数据。");
    let errors = browser.texts("#import-rows tr.invalid .row-errors li").await;
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with("第3行 · 计划固定资产投资总额（亿元）："),
        "{errors:?}"
    );
    assert!(errors[1].starts_with("第5行 · WiFi覆盖率（%）："), "{errors:?}");
    assert!(browser.has("#error-file").await, "the bad rows can be downloaded");
    browser.screenshot("import-preview-errors").await;

    // Fix both cells and upload again.
    rows[1][key("investment.total_yi")] = "62".into();
    rows[3][key("functions.wifi_coverage_pct")] = "100".into();
    write_csv(&file, &rows);
    browser.submit("#upload-again").await;
    browser
        .wait_for("#file")
        .await
        .send_keys(file.to_str().unwrap())
        .await
        .expect("choose the file");
    browser.submit("#import-form button[type=submit]").await;
    assert_eq!(
        browser.text("#summary").await,
        "共 5 行：有效 5 行，有误 0 行。确认前不会保存任何数据。"
    );
    assert_eq!(browser.texts("#import-rows .badge").await, vec!["合格"; 5]);
    browser.submit("#confirm-form button").await;
    assert_eq!(browser.text("#import-done").await, "已导入 5 项申报，均保存为草稿。");
    browser.follow_link("查看申报项目").await;
    let mut names = browser.texts("#proposals tbody td:first-child").await;
    names.sort();
    assert_eq!(names, vec!["东湖小镇", "中和小镇", "北岭小镇", "南溪小镇", "西山小镇"]);
    let _ = std::fs::remove_dir_all(&dir);
}
