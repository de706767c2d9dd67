//! An official drops the five materials on their rows, watches the upload's
//! progress bar, and submits; a reviewer opens the plan PDF in the page
//! (the vendored pdf.js draws it) and downloads the investment table.

use serde_json::json;
use xiaozhen::domain::Role;
use xiaozhen::domain::material::MaterialType;
use xiaozhen::services::materials::sample_pdf;

use crate::harness::Browser;
use crate::helpers::{PASSWORD, TestApp, sample_input};

#[tokio::test]
async fn an_official_drops_the_materials_and_a_reviewer_reads_them() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::launch(&app).await else {
        return;
    };
    let official = app.official_of("official-m", "诸城市").await;
    let id = app.draft(&official, &sample_input("材料小镇")).await;
    app.create_user("reviewer-m", Role::Reviewer, None).await;

    browser.open("/login").await;
    browser.login_through_form("official-m", PASSWORD).await;
    browser.open(&format!("/proposals/{id}")).await;
    browser.click("#materials-link").await;
    browser.wait_for("#materials-form").await;

    // Drop one PDF on each type's row, as a file dragged from the desktop.
    for t in MaterialType::ALL {
        let name = format!("{}.pdf", t.code());
        browser
            .client()
            .execute(
                "const [code, name, text] = arguments;
                 const zone = document.querySelector(`[data-drop=\"${code}\"]`);
                 const dt = new DataTransfer();
                 dt.items.add(new File([text], name, { type: 'application/pdf' }));
                 for (const type of ['dragenter', 'dragover', 'drop']) {
                   zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
                 }",
                vec![
                    json!(t.code()),
                    json!(name),
                    json!(String::from_utf8(sample_pdf(t.code())).unwrap()),
                ],
            )
            .await
            .unwrap();
    }
    let chosen = browser
        .client()
        .execute(
            "return [...document.querySelectorAll('#materials-form input[type=file]')].map(i => i.files.length)",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(chosen, json!([1, 1, 1, 1, 1]), "each drop filled its row's input");
    // Record what the progress bar shows while the upload runs (the page is
    // replaced when it ends).
    browser
        .client()
        .execute(
            "const bar = document.getElementById('upload-progress');
             const send = XMLHttpRequest.prototype.send;
             XMLHttpRequest.prototype.send = function (body) {
               this.upload.addEventListener('progress', () => {
                 sessionStorage.setItem('progress', JSON.stringify({ hidden: bar.hidden, value: bar.value }));
               });
               return send.call(this, body);
             };",
            vec![],
        )
        .await
        .unwrap();
    browser.click("#upload-button").await;
    browser
        .wait_until(
            "the list shows every file",
            "document.querySelectorAll('.material-download').length === 5",
        )
        .await;
    let progress = browser
        .client()
        .execute("return JSON.parse(sessionStorage.getItem('progress'))", vec![])
        .await
        .unwrap();
    assert_eq!(
        progress["hidden"],
        json!(false),
        "the progress bar was shown: {progress}"
    );
    assert!(progress["value"].as_f64().unwrap() > 0.0, "{progress}");
    assert!(
        browser
            .text("#type-investment_plan")
            .await
            .contains("investment_plan.pdf")
    );

    browser.open(&format!("/proposals/{id}")).await;
    browser.submit("#submit-button").await;
    browser.logout().await;

    browser.open("/login").await;
    browser.login_through_form("reviewer-m", PASSWORD).await;
    browser.open(&format!("/proposals/{id}/report")).await;
    assert!(browser.text("#submitted-materials").await.contains("concept_plan.pdf"));
    browser
        .click("#submitted-materials tr[data-type=\"concept_plan\"] a[href$=\"/preview\"]")
        .await;
    browser
        .wait_until(
            "pdf.js drew the plan",
            "document.querySelector('#pdf-viewer')?.getAttribute('data-pages') === '1'
                && document.querySelectorAll('#pdf-viewer canvas').length === 1",
        )
        .await;
    // The investment table comes as a download, not as a page.
    browser.open(&format!("/proposals/{id}/report")).await;
    let href = browser
        .attr("#submitted-materials tr[data-type=\"investment_plan\"] a", "href")
        .await
        .unwrap();
    let answer = browser
        .client()
        .execute_async(
            "const [href, done] = arguments;
             fetch(href).then(async r => done({
               status: r.status,
               disposition: r.headers.get('content-disposition'),
               size: (await r.arrayBuffer()).byteLength,
             }));",
            vec![json!(href)],
        )
        .await
        .unwrap();
    assert_eq!(answer["status"], json!(200));
    assert!(
        answer["disposition"].as_str().unwrap().starts_with("attachment;"),
        "{answer}"
    );
    assert_eq!(
        answer["size"].as_u64().unwrap() as usize,
        sample_pdf("investment_plan").len()
    );
    browser.close().await;
}
