//! A standard version's creation period (`period_years`,
//! `accelerated_period_years`) is what the pages read: the form shows that
//! many by-year inputs and an import reads its rows against it.

use reqwest::StatusCode;
use xiaozhen::domain::Role;

use crate::helpers::{TestApp, sample_input};
use crate::spreadsheets::{csv_bytes, keys, preview, typed_cells};

/// Activates a copy of the shipped active version whose periods are
/// `normal` and `accelerated` years. Its example cases are dropped: they
/// were written for three years and would not fit.
async fn activate_periods(app: &TestApp, normal: u32, accelerated: u32) {
    let admin_id = app.create_user("admin-p", Role::Admin, None).await;
    let admin = app.user(admin_id).await;
    let (code, version) = xiaozhen::standards::ACTIVE_BUILTIN;
    let mut s = xiaozhen::standards::builtin_standard(code, version).unwrap().clone();
    let mut conn = app.db.acquire().await.unwrap();
    s.version = xiaozhen::db::standards::next_version(&mut conn, code).await.unwrap();
    s.period_years = normal;
    s.accelerated_period_years = accelerated;
    s.examples.clear();
    for t in &mut s.tables {
        t.examples.clear();
    }
    let id = xiaozhen::db::standards::insert_draft(&mut conn, &s, admin_id)
        .await
        .unwrap();
    xiaozhen::db::standards::publish(&mut conn, id).await.unwrap();
    drop(conn);
    xiaozhen::services::standards::activate(&app.db, &admin, id, chrono::Utc::now().date_naive())
        .await
        .unwrap();
}

#[tokio::test]
async fn the_form_shows_as_many_years_as_the_active_versions_period() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    // The shipped version: 3 years, 5 for an accelerated county.
    let page = official.get("/proposals/new").await;
    assert_eq!(page.texts(".years label.year").len(), 5);
    assert_eq!(page.texts(".years label.extra-year").len(), 2);

    activate_periods(&app, 4, 4).await;
    let page = official.get("/proposals/new").await;
    assert_eq!(page.status, StatusCode::OK);
    let years = page.texts(".years label.year");
    assert_eq!(years.len(), 4, "{years:?}");
    assert!(years[3].starts_with("第4年"), "{years:?}");
    assert!(!page.has(".years label.extra-year"));
}

#[tokio::test]
async fn an_import_reads_its_rows_against_the_active_versions_period() {
    let app = TestApp::spawn().await;
    activate_periods(&app, 4, 5).await;
    let official = app.login_as(Role::Official).await;
    let mut four = sample_input("四年小镇");
    // The same 62 亿元 over four years.
    four.investment.by_year_yi = [14, 22, 20, 6].map(|y| Some(rust_decimal::Decimal::from(y))).to_vec();
    let three = sample_input("三年小镇");
    let bytes = csv_bytes(&[keys(), typed_cells(&four), typed_cells(&three)]);
    let (page, _) = preview(&official, "plans.csv", bytes).await;
    assert_eq!(page.status, StatusCode::OK);
    // Four years fit the active version; three do not, and the row says so.
    assert_eq!(
        page.text("#summary"),
        "共 2 行：有效 1 行，有误 1 行。确认前不会保存任何数据。"
    );
    assert!(page.has("tr[data-row=\"2\"] .badge"));
    let errors = page.texts("tr[data-row=\"3\"] .row-errors li").join(" | ");
    assert!(errors.contains("请逐年填写创建期 4 年的投资"), "{errors}");
}
