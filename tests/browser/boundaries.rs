//! An official uploads the town's boundary (a KML file), sees the map drawn
//! on the page with its scale bar and north arrow, the measured area and the
//! area finding; then a file that crosses itself, refused beside the field;
//! the form draws the map too.

use xiaozhen::spatial::sample_boundary;

use crate::harness::Browser;
use crate::helpers::{PASSWORD, TestApp, sample_input};

#[tokio::test]
async fn an_official_uploads_a_boundary_and_sees_the_map_and_the_area_finding() {
    let app = TestApp::spawn().await;
    let Some(browser) = Browser::launch(&app).await else {
        return;
    };
    let official = app.official_of("official-g", "诸城市").await;
    let id = app.draft(&official, &sample_input("四至小镇")).await;
    let dir = std::env::temp_dir().join(format!("xz-boundary-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    // The sample's planned area is 3.2 km²; the file draws about that.
    let text = sample_boundary(119.41, 35.99, 3.2, 10);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let ring: Vec<[f64; 2]> = serde_json::from_value(v["coordinates"][0][0].clone()).unwrap();
    let coordinates: Vec<String> = ring.iter().map(|[x, y]| format!("{x},{y},0")).collect();
    let kml = dir.join("四至范围.kml");
    std::fs::write(
        &kml,
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>{}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>"#,
            coordinates.join(" ")
        ),
    )
    .unwrap();
    let bowtie = dir.join("bowtie.geojson");
    std::fs::write(
        &bowtie,
        r#"{"type":"Polygon","coordinates":[[[119.4,35.9],[119.41,35.91],[119.41,35.9],[119.4,35.91],[119.4,35.9]]]}"#,
    )
    .unwrap();

    browser.open("/login").await;
    browser.login_through_form("official-g", PASSWORD).await;
    browser.open(&format!("/proposals/{id}")).await;
    browser.click("#boundary-link").await;
    browser
        .wait_for("#boundary-file-input")
        .await
        .send_keys(kml.to_str().unwrap())
        .await
        .expect("choose the file");
    browser.submit("#boundary-submit").await;
    assert_eq!(browser.current_path().await, format!("/proposals/{id}/boundary"));
    browser.wait_for("#boundary-map svg.boundary-map").await;
    assert!(browser.has("svg.boundary-map .scale-bar").await);
    assert!(browser.has("svg.boundary-map .north-arrow").await);
    let area = browser.text("#boundary-area").await;
    assert!(area.contains("3.2") && area.contains("平方公里"), "{area}");
    let finding = browser
        .text("#boundary-findings li[data-criterion='boundary.area']")
        .await;
    assert!(finding.contains("符合"), "{finding}");
    assert!(finding.contains("申报规划面积 3.2 平方公里"), "{finding}");
    assert!(browser.text("#boundary-file").await.contains("KML"));
    browser.screenshot_full_page("boundary-page").await;

    // A polygon that crosses itself: refused beside the field, the map kept.
    browser
        .wait_for("#boundary-file-input")
        .await
        .send_keys(bowtie.to_str().unwrap())
        .await
        .expect("choose the file");
    browser.submit("#boundary-submit").await;
    let error = browser.text("#file-error").await;
    assert!(error.contains("自相交"), "{error}");
    assert!(
        browser.has("#boundary-map svg.boundary-map").await,
        "the stored boundary still drawn"
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM boundaries WHERE proposal_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 1, "nothing stored from the refused file");

    // The official's form draws the same map, with its text alternative.
    browser.open(&format!("/proposals/{id}/edit")).await;
    browser.wait_for("#form-boundary svg.boundary-map").await;
    assert!(browser.has("#form-boundary #boundary-alt tr.boundary").await);
    let alt = browser.text("#form-boundary #boundary-alt").await;
    assert!(alt.contains("3.2") && alt.contains("平方公里"), "{alt}");
    std::fs::remove_dir_all(&dir).ok();
}
