//! Public notice (公示): an anonymous citizen reads the notice and objects;
//! an admin upholds the objection (the town leaves the batch); the notice
//! ends (its stored dates moved into the past); the admin publishes, and
//! the published page says 公示期满 and lists the change.

use xiaozhen::domain::Role;

use crate::harness::Browser;
use crate::helpers::{PASSWORD, TestApp};

const TOWNS: [&str; 2] = ["公示甲小镇", "公示乙小镇"];

#[tokio::test]
async fn a_citizen_objects_an_admin_upholds_it_and_publishes_after_the_notice() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::launch(&app).await else {
        return;
    };
    let official = app.official_of("notice-planner", "诸城市").await;
    let reviewer = app.create_user("notice-reviewer", Role::Reviewer, None).await;
    let ids = app.approved(&official, &app.user(reviewer).await, &TOWNS).await;
    let admin_id = app.create_user("notice-admin", Role::Admin, None).await;
    let batch = xiaozhen::services::batches::create_list_batch(&app.db, admin_id, "第二批创建名单", "拟列入名单如下。")
        .await
        .unwrap();
    for id in &ids {
        xiaozhen::services::batches::add_entry(&app.db, admin_id, batch, *id, "")
            .await
            .unwrap();
    }

    // The admin starts the notice from the batch's page.
    browser.open("/login").await;
    browser.login_through_form("notice-admin", PASSWORD).await;
    browser.open(&format!("/admin/batches/{batch}")).await;
    browser.fill("#document_number", "浙特镇办〔2027〕3号").await;
    browser.submit("#notice-settings button[type=submit]").await;
    browser.submit("#notice-start button[type=submit]").await;
    assert_eq!(browser.text("p.kind .status").await, "公示中");
    browser.logout().await;

    // An anonymous citizen reads the notice and objects.
    browser.open("/").await;
    browser
        .click(&format!("a.notice-title[href=\"/notices/{batch}\"]"))
        .await;
    assert_eq!(browser.texts("table.towns td.name").await, TOWNS);
    // The countdown runs: the server's days and hours become a clock that ticks.
    browser
        .wait_until(
            "a live countdown",
            r#"/^\d\d:\d\d:\d\d$/.test((document.querySelector('.countdown[data-live="on"] .clock') || {}).textContent || '')"#,
        )
        .await;
    let first = browser.text(".countdown .clock").await;
    browser
        .wait_until(
            "the clock ticking",
            &format!("document.querySelector('.countdown .clock').textContent !== '{first}'"),
        )
        .await;
    assert!(
        !browser.has("table.towns td.name a").await,
        "towns on notice have no public page yet"
    );
    browser.click("#object-link").await;
    browser.fill("#name", "张公民").await;
    browser.fill("#phone", "13712345678").await;
    browser.click(&format!("#town option[value=\"{}\"]", ids[0])).await;
    browser.fill("#grounds", "该小镇特色产业投资中含已建成项目。").await;
    // A person takes more than the minimum time to fill the form.
    tokio::time::sleep(std::time::Duration::from_secs(
        xiaozhen::domain::notice::MIN_FILL_SECONDS as u64 + 1,
    ))
    .await;
    browser.submit("#objection-form button[type=submit]").await;
    let reference = browser.text(".reference").await;
    assert!(reference.starts_with("YY-"), "{reference}");

    // The admin upholds it: the town goes back to the reviewers.
    browser.open("/login").await;
    browser.login_through_form("notice-admin", PASSWORD).await;
    browser.open(&format!("/admin/batches/{batch}/objections")).await;
    assert_eq!(browser.text("td.phone").await, "137****5678");
    browser.click("table.objections a").await;
    assert_eq!(browser.text("dd.phone").await, "13712345678");
    browser.click("#decision-uphold").await;
    browser.fill("#reason", "经核查，投资数据不实。").await;
    browser.fill("#reply", "异议属实，该小镇已退出本批名单。").await;
    browser.submit("#resolve-form button[type=submit]").await;
    assert_eq!(browser.text("dd.status").await, "异议成立");

    // The notice ends: its days have gone by.
    sqlx::query(
        "UPDATE batches SET notice_starts_on = notice_starts_on - 8, notice_ends_on = notice_ends_on - 8 WHERE id = $1",
    )
    .bind(batch)
    .execute(&app.db)
    .await
    .unwrap();
    browser.open(&format!("/admin/batches/{batch}")).await;
    browser.submit("#publish-form button[type=submit]").await;
    assert_eq!(browser.current_path().await, format!("/batches/{batch}"));
    assert!(browser.text(".notice-expired").await.contains("公示期满"));
    assert_eq!(browser.texts("table.towns td.name").await, [TOWNS[1]]);
    assert!(browser.text(".notice-changes").await.contains(TOWNS[0]));
    browser.logout().await;

    // The citizen reads the reply.
    browser.open("/objections/status").await;
    browser.fill("#reference", &reference).await;
    browser.fill("#phone", "13712345678").await;
    browser.submit("#status-form button[type=submit]").await;
    assert_eq!(browser.text("dd.reply").await, "异议属实，该小镇已退出本批名单。");
    browser.close().await;
}
