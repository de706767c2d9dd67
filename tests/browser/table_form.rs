//! An admin adds a line to a draft's annual-assessment table through the
//! form: the line shows the parameters of its kind only, switching the kind
//! shows the other's, and the saved line is on the version's page.

use xiaozhen::domain::Role;

use crate::harness::Browser;
use crate::helpers::{PASSWORD, TestApp};

const NEW_LINE: &str = "fieldset[data-row='s1.l3']";

#[tokio::test]
async fn an_admin_adds_a_target_line_to_a_drafts_table_with_the_form() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::launch(&app).await else {
        return;
    };
    let admin = app.create_user("table-admin", Role::Admin, None).await;
    let admin = app.user(admin).await;
    let zj: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE code = 'ZJ-2015' AND version = 4")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let draft = xiaozhen::services::standards::copy(&app.db, &admin, zj, None)
        .await
        .unwrap();

    browser.open("/login").await;
    browser.login_through_form("table-admin", PASSWORD).await;
    browser.open(&format!("/admin/standards/{draft}")).await;
    browser.submit("#table-zj\\.annual_assessment a.edit-table").await;
    assert_eq!(
        browser.current_path().await,
        format!("/admin/standards/{draft}/tables/zj.annual_assessment")
    );
    // The blank line of the bonus section: a judged line until told otherwise.
    let params = format!("{NEW_LINE} .kind-params");
    assert_eq!(browser.displayed(&params).await, [false, false, false, true, false]);
    browser
        .click(&format!("{NEW_LINE} select.line-kind option[value=target]"))
        .await;
    assert_eq!(browser.displayed(&params).await, [false, true, false, false, false]);
    for (field, value) in [
        ("code", "a.overrun"),
        ("name_zh", "超额投资"),
        ("name_en", "Investment beyond the plan"),
        ("max", "4"),
        ("t.target", "100"),
        ("t.base", "0"),
        ("t.step", "10"),
        ("t.above", "2"),
        ("t.above_cap", "4"),
    ] {
        browser.fill(&format!("{NEW_LINE} [name='s1.l3.{field}']"), value).await;
    }
    browser
        .click(&format!(
            "{NEW_LINE} select[name='s1.l3.t.figure'] option[value=completion_pct]"
        ))
        .await;
    browser.submit("#save-table").await;
    assert_eq!(browser.current_path().await, format!("/admin/standards/{draft}"));
    let rule = browser
        .text("#table-zj\\.annual_assessment tr.table-line[data-line='a.overrun']")
        .await;
    assert!(rule.contains("超额投资"), "{rule}");
    browser.close().await;
}
