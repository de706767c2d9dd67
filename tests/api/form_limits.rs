//! Forms are small: a body past 1 MB or with more than 2,000 fields is
//! answered 413 with the error page before any handler walks it, and the
//! service keeps answering while such bodies arrive.

use reqwest::StatusCode;
use xiaozhen::auth::csrf::{MAX_FORM_BYTES, MAX_FORM_FIELDS};
use xiaozhen::domain::{Lang, Role};

use crate::helpers::{Client, Page, TestApp};

async fn post_body(client: &Client, path: &str, content_type: &str, body: Vec<u8>) -> Page {
    let response = client
        .http
        .post(format!("{}{path}", client.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("answer");
    Client::page(response).await
}

/// `n` in base 36: "0", "1", … "zz", "100", …
fn short_name(mut n: u32) -> String {
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(digits[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap()
}

/// The error page in the layout: its title and its explanation.
fn assert_error_page(page: &Page, body_key: &str) {
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", page.body);
    assert_eq!(
        page.text("#error-title"),
        xiaozhen::i18n::t(Lang::Zh, "error.too_large.title")
    );
    assert!(
        page.body.contains(&xiaozhen::i18n::t(Lang::Zh, body_key)),
        "the page explains {body_key}: {}",
        page.body
    );
}

#[tokio::test]
async fn a_form_of_150000_empty_fields_is_refused_and_the_service_answers() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let token = official.csrf().await;
    // 150,000 distinct names of up to four characters: about 1 MB.
    let mut body = format!("csrf_token={token}");
    for i in 0..150_000u32 {
        body.push('&');
        body.push_str(&short_name(i));
        body.push('=');
    }
    assert!(body.len() < MAX_FORM_BYTES, "the fields, not the size, are refused");
    for _ in 0..3 {
        let page = post_body(
            &official,
            "/proposals/live",
            "application/x-www-form-urlencoded",
            body.clone().into_bytes(),
        )
        .await;
        assert_error_page(&page, "error.too_large.fields");
        assert_eq!(app.client().get("/healthz").await.status, StatusCode::OK);
    }
    // Repeated keys too: the by-year list, blank, followed by other fields.
    let mut repeated = format!("csrf_token={token}");
    repeated.push_str(&"&investment.by_year_yi=".repeat(MAX_FORM_FIELDS));
    repeated.push_str(&"&name=".repeat(MAX_FORM_FIELDS));
    let page = post_body(
        &official,
        "/proposals/live",
        "application/x-www-form-urlencoded",
        repeated.into_bytes(),
    )
    .await;
    assert_error_page(&page, "error.too_large.fields");
}

#[tokio::test]
async fn a_form_within_the_field_limit_is_still_answered() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let token = official.csrf().await;
    let mut body = format!("csrf_token={token}&name=%E9%99%90%E9%A2%9D%E5%B0%8F%E9%95%87");
    body.push_str(&"&investment.by_year_yi=".repeat(MAX_FORM_FIELDS - 2));
    let page = post_body(
        &official,
        "/proposals/live",
        "application/x-www-form-urlencoded",
        body.into_bytes(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
}

#[tokio::test]
async fn a_form_body_over_one_megabyte_is_refused_with_a_page() {
    let app = TestApp::spawn().await;
    let official = app.login_as(Role::Official).await;
    let token = official.csrf().await;
    let big = "x".repeat(MAX_FORM_BYTES);
    let body = format!("csrf_token={token}&name={big}");
    for path in ["/proposals/live", "/proposals"] {
        let page = post_body(
            &official,
            path,
            "application/x-www-form-urlencoded",
            body.clone().into_bytes(),
        )
        .await;
        assert_error_page(&page, "error.too_large.body");
    }
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM proposals")
            .fetch_one(&app.db)
            .await
            .unwrap(),
        0
    );
    // A raw body under another type (the token in the query, as uploads
    // send it) meets the same limit where the handler reads it.
    let page = post_body(
        &official,
        &format!("/proposals/live?csrf_token={token}"),
        "multipart/form-data; boundary=XYZ",
        format!("name={big}x").into_bytes(),
    )
    .await;
    assert_error_page(&page, "error.too_large.body");
}

/// The forms of issue 22 sit under the same limits: an expert's score sheet
/// with one judged line sent 100,000 times (by its size) or 2,000 times (by
/// its count of fields) is refused at once, no sheet stored, and the service
/// still answers.
#[tokio::test]
async fn a_score_sheet_with_a_line_repeated_100000_times_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let s = crate::expert_sheets::panel_of(&app, 3, &["重复字段小镇"]).await;
    let (_, expert) = &s.experts[0];
    let token = expert.csrf().await;
    // `save` would store a draft of whatever it read: the refusal comes first.
    let mut body = format!("csrf_token={token}&version=1&action=save");
    body.push_str(&"&points.j.plan=7".repeat(100_000));
    let started = std::time::Instant::now();
    let page = post_body(
        expert,
        &format!("/expert/proposals/{}/sheet", s.proposals[0]),
        "application/x-www-form-urlencoded",
        body.into_bytes(),
    )
    .await;
    // 1.6 MB: refused by its size.
    assert_error_page(&page, "error.too_large.body");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // Under the size, one field more than any form has: refused by count.
    let mut body = format!("csrf_token={token}&version=1&action=save");
    body.push_str(&"&points.j.plan=7".repeat(MAX_FORM_FIELDS));
    assert!(body.len() < MAX_FORM_BYTES);
    let page = post_body(
        expert,
        &format!("/expert/proposals/{}/sheet", s.proposals[0]),
        "application/x-www-form-urlencoded",
        body.into_bytes(),
    )
    .await;
    assert_error_page(&page, "error.too_large.fields");
    let sheets: i64 = sqlx::query_scalar("SELECT count(*) FROM score_sheets")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(sheets, 0, "nothing stored");
    assert_eq!(app.client().get("/healthz").await.status, StatusCode::OK);
}
