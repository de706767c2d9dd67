//! Boundaries (四至范围, issue 24): stored as GeoJSON, versioned, frozen at
//! submission with what was found; control-line layers versioned and
//! hashed; spatial results kept by boundary hash and layer version.

use sha2::{Digest, Sha256};
use xiaozhen::domain::Role;
use xiaozhen::services::boundaries as service;
use xiaozhen::services::reviews::{Decision, DecisionInput};
use xiaozhen::spatial::{Boundary, Limits, sample_boundary};
use xiaozhen::standards::{BoundaryFacts, LayerKind};

use crate::helpers::{TestApp, sample_input};

/// A layer file: a FeatureCollection of the given polygons.
pub fn layer_file(polygons: &[String]) -> Vec<u8> {
    xiaozhen::spatial::feature_collection(polygons).into_bytes()
}

/// Stores a control-line layer as `admin`; (id, version).
pub async fn upload_layer(app: &TestApp, admin: i64, kind: LayerKind, name: &str, polygons: &[String]) -> (i64, i32) {
    let user = app.user(admin).await;
    let layer = service::read_layer(layer_file(polygons)).await.expect("a valid layer");
    service::store_layer(&app.db, &user, kind, name, "layer.geojson", layer)
        .await
        .expect("stored")
}

/// Submits draft `id` with `boundary` and the five materials.
async fn submit_with(app: &TestApp, official: &xiaozhen::auth::User, id: i64, boundary: &[u8]) {
    service::store_bytes(&app.db, official, id, "town.geojson", boundary)
        .await
        .unwrap();
    xiaozhen::services::materials::store_samples(&app.db, official, id)
        .await
        .unwrap();
    let version = app.proposal_version(id).await;
    xiaozhen::services::proposals::submit(&app.db, official, id, version)
        .await
        .unwrap();
}

async fn frozen_facts(app: &TestApp, proposal: i64) -> (i64, BoundaryFacts) {
    let (boundary, facts): (i64, serde_json::Value) = sqlx::query_as(
        "SELECT s.boundary_id, s.facts FROM submitted_boundaries s JOIN evaluations e ON e.id = s.evaluation_id
         WHERE e.proposal_id = $1 ORDER BY e.id DESC LIMIT 1",
    )
    .bind(proposal)
    .fetch_one(&app.db)
    .await
    .expect("a frozen boundary");
    (boundary, serde_json::from_value(facts).unwrap())
}

#[tokio::test]
async fn a_boundary_is_versioned_frozen_at_submission_and_its_records_refuse_change() {
    let app = TestApp::spawn().await;
    let official = app.official_of("official-b", "诸城市").await;
    let id = app.draft(&official, &sample_input("四至小镇")).await;
    let first = sample_boundary(120.10, 30.20, 2.0, 8);
    let second = sample_boundary(120.10, 30.20, 3.2, 8);
    let (b1, v1) = service::store_bytes(&app.db, &official, id, "first.geojson", first.as_bytes())
        .await
        .unwrap();
    let (b2, v2) = service::store_bytes(&app.db, &official, id, "second.geojson", second.as_bytes())
        .await
        .unwrap();
    assert_eq!((v1, v2), (1, 2));
    let (current, text) = service::current(&app.db, &official, id)
        .await
        .unwrap()
        .expect("current");
    assert_eq!(
        (current.id, current.version, current.file_name.as_str()),
        (b2, 2, "second.geojson")
    );
    // Stored as canonical GeoJSON in longitude/latitude, with its hash.
    assert_eq!(text, second);
    assert_eq!(current.sha256, hex::encode(Sha256::digest(second.as_bytes())));
    assert!((current.area_m2 / 1e6 - 3.2).abs() < 0.02, "{}", current.area_m2);
    let retired: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT retired_at FROM boundaries WHERE id = $1")
            .bind(b1)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(retired.is_some(), "the first version is retired, not deleted");

    xiaozhen::services::materials::store_samples(&app.db, &official, id)
        .await
        .unwrap();
    xiaozhen::services::proposals::submit(&app.db, &official, id, 1)
        .await
        .unwrap();
    let (frozen, facts) = frozen_facts(&app, id).await;
    assert_eq!(frozen, b2);
    assert_eq!(
        facts.area_m2,
        rust_decimal::Decimal::from(current.area_m2.round() as i64)
    );
    // Submitted: the boundary cannot change.
    let refused = service::store_bytes(&app.db, &official, id, "third.geojson", first.as_bytes()).await;
    assert!(matches!(
        refused,
        Err(service::Refused::Service(xiaozhen::services::ServiceError::WrongState))
    ));

    // Returned, replaced and submitted again: each evaluation keeps its own.
    let reviewer = app.create_user("reviewer-b", Role::Reviewer, None).await;
    let reviewer = app.user(reviewer).await;
    let version = app.proposal_version(id).await;
    xiaozhen::services::reviews::decide(
        &app.db,
        &reviewer,
        id,
        &DecisionInput::new(Decision::Return, "请补充四至范围", version),
    )
    .await
    .unwrap();
    let (b3, v3) = service::store_bytes(&app.db, &official, id, "third.geojson", first.as_bytes())
        .await
        .unwrap();
    assert_eq!(v3, 3);
    let version = app.proposal_version(id).await;
    xiaozhen::services::proposals::submit(&app.db, &official, id, version)
        .await
        .unwrap();
    let mut conn = app.db.acquire().await.unwrap();
    let cache = xiaozhen::db::evaluations::EvaluationCache::new(1 << 20);
    let all = xiaozhen::db::evaluations::list_in(&mut conn, &cache, id, xiaozhen::domain::Lang::Zh)
        .await
        .unwrap();
    drop(conn);
    let frozen: Vec<i64> = all
        .iter()
        .map(|e| e.boundary.as_ref().expect("frozen").0.upload.id)
        .collect();
    assert_eq!(
        frozen,
        [b3, b2],
        "newest first, each with the boundary it was submitted with"
    );
    assert_eq!(all[1].boundary.as_ref().unwrap().0.geojson, second);

    // Records, also in SQL.
    for (sql, table) in [
        (
            "UPDATE boundaries SET geojson = geojson || ' ' WHERE id = $1",
            "boundaries",
        ),
        ("DELETE FROM boundaries WHERE id = $1", "boundaries"),
        (
            "UPDATE submitted_boundaries SET facts = '{}' WHERE boundary_id = $1",
            "submitted_boundaries",
        ),
    ] {
        let (code, message) = crate::helpers::refusal(&app.db, sql, b2).await;
        assert_eq!(code, "23001", "{sql}");
        assert!(message.contains(table), "{message}");
    }
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity = 'proposal' AND entity_id = $1 AND action LIKE 'boundary.%' ORDER BY id",
    )
    .bind(id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(actions, ["boundary.uploaded", "boundary.replaced", "boundary.replaced"]);
}

#[tokio::test]
async fn layers_are_versioned_and_hashed_and_a_submission_measures_overlaps_and_control_lines() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin-b", Role::Admin, None).await;
    let official = app.official_of("official-b", "诸城市").await;
    // A red-line parcel across the town's eastern side, and one far away.
    let town = sample_boundary(120.10, 30.20, 3.2, 8);
    let parcel = sample_boundary(120.108, 30.20, 0.5, 6);
    let far = sample_boundary(121.5, 29.0, 0.5, 6);
    let (old, v1) = upload_layer(
        &app,
        admin,
        LayerKind::EcologicalRedLine,
        "示例红线（旧）",
        std::slice::from_ref(&far),
    )
    .await;
    let polygons = [parcel.clone(), far.clone()];
    let (layer, v2) = upload_layer(&app, admin, LayerKind::EcologicalRedLine, "示例生态保护红线", &polygons).await;
    assert_eq!((v1, v2), (1, 2));
    let rows: Vec<(i64, i32, String, i32, bool)> =
        sqlx::query_as("SELECT id, version, sha256, parcels, retired_at IS NULL FROM control_layers ORDER BY id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].0, rows[0].4), (old, false), "version 1 retired");
    assert_eq!((rows[1].0, rows[1].3, rows[1].4), (layer, 2, true));
    // The hash is over the parcels' canonical coordinates, one per line.
    let mut hasher = Sha256::new();
    for p in &polygons {
        let coordinates = p
            .trim_start_matches(r#"{"type":"MultiPolygon","coordinates":["#)
            .trim_end_matches("]}");
        hasher.update(coordinates.as_bytes());
        hasher.update(b"\n");
    }
    assert_eq!(rows[1].2, hex::encode(hasher.finalize()));
    let (code, _) = crate::helpers::refusal(&app.db, "DELETE FROM control_parcels WHERE layer_id = $1", layer).await;
    assert_eq!(code, "23001");
    let (code, _) = crate::helpers::refusal(&app.db, "UPDATE control_layers SET name = 'x' WHERE id = $1", layer).await;
    assert_eq!(code, "23001");

    // A first town, submitted; a second overlapping it.
    let first = app.draft(&official, &sample_input("甲小镇")).await;
    submit_with(&app, &official, first, town.as_bytes()).await;
    let (_, facts) = frozen_facts(&app, first).await;
    let b = Boundary::read(town.as_bytes(), &Limits::BOUNDARY).unwrap();
    let p = Boundary::read(parcel.as_bytes(), &Limits::BOUNDARY).unwrap();
    let inside = xiaozhen::spatial::overlap_m2(&b.shape, &p.shape);
    assert!(inside > 100_000.0, "the parcel takes a good part: {inside}");
    assert_eq!(facts.layers.len(), 1);
    let red = &facts.layers[0];
    assert_eq!(
        (red.kind, red.name.as_str(), red.version),
        (LayerKind::EcologicalRedLine, "示例生态保护红线", 2)
    );
    assert_eq!(red.inside_m2, rust_decimal::Decimal::from(inside.round() as i64));
    assert!(facts.overlaps.is_empty());
    // Kept by boundary hash and layer version.
    let kept: i64 =
        sqlx::query_scalar("SELECT count(*) FROM boundary_layer_results WHERE boundary_sha256 = $1 AND layer_id = $2")
            .bind(b.hash())
            .bind(layer)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(kept, 1);

    let second = app.draft(&official, &sample_input("乙小镇")).await;
    let shifted = sample_boundary(120.112, 30.20, 3.2, 8);
    submit_with(&app, &official, second, shifted.as_bytes()).await;
    let (_, facts) = frozen_facts(&app, second).await;
    let s = Boundary::read(shifted.as_bytes(), &Limits::BOUNDARY).unwrap();
    let shared = xiaozhen::spatial::overlap_m2(&s.shape, &b.shape);
    assert_eq!(facts.overlaps.len(), 1);
    // Not on the list: not named in the findings.
    assert_eq!(facts.overlaps[0].name, None);
    assert_eq!(
        facts.overlaps[0].area_m2,
        rust_decimal::Decimal::from(shared.round() as i64)
    );
    // The map's context names it (for those who may see names).
    let context: serde_json::Value = sqlx::query_scalar(
        "SELECT s.context FROM submitted_boundaries s JOIN evaluations e ON e.id = s.evaluation_id
         WHERE e.proposal_id = $1",
    )
    .bind(second)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(context["neighbours"][0]["name"], "甲小镇");
    assert_eq!(context["neighbours"][0]["proposal_id"], first);
    assert_eq!(context["layers"][0]["kind"], "ecological_red_line");
}

/// A zipped Shapefile of one polygon in longitude/latitude (with a .prj).
fn zipped_shapefile(ring: &[[f64; 2]]) -> Vec<u8> {
    use std::io::{Cursor, Write};
    let mut shp = Cursor::new(Vec::new());
    {
        let mut w = shapefile::ShapeWriter::new(&mut shp);
        // Shapefile outer rings run clockwise.
        let mut points: Vec<shapefile::Point> = ring.iter().map(|[x, y]| shapefile::Point::new(*x, *y)).collect();
        points.reverse();
        w.write_shape(&shapefile::Polygon::new(shapefile::PolygonRing::Outer(points)))
            .unwrap();
        w.finalize().unwrap();
    }
    let prj = br#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
    let mut out = Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        for (name, data) in [("town.shp", shp.get_ref().as_slice()), ("town.prj", &prj[..])] {
            z.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap();
    }
    out.into_inner()
}

/// The outer ring of a sample boundary.
fn ring_of(geojson: &str) -> Vec<[f64; 2]> {
    let v: serde_json::Value = serde_json::from_str(geojson).unwrap();
    serde_json::from_value(v["coordinates"][0][0].clone()).unwrap()
}

fn kml_of(ring: &[[f64; 2]]) -> Vec<u8> {
    let coordinates: Vec<String> = ring.iter().map(|[x, y]| format!("{x},{y},0")).collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>小镇</name><Polygon><outerBoundaryIs><LinearRing><coordinates>{}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>"#,
        coordinates.join(" ")
    )
    .into_bytes()
}

async fn boundary_rows(app: &TestApp, proposal: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM boundaries WHERE proposal_id = $1")
        .bind(proposal)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_official_uploads_each_format_and_sees_the_map_the_area_and_its_finding() {
    let app = TestApp::spawn().await;
    let official = app.official_of("official-b", "诸城市").await;
    let id = app.draft(&official, &sample_input("四至小镇")).await;
    let client = app.client();
    client.login("official-b", crate::helpers::PASSWORD).await;
    let page = client.get(&format!("/proposals/{id}/boundary")).await;
    assert_eq!(page.status, reqwest::StatusCode::OK);
    assert!(page.has("#no-boundary") && page.has("#boundary-form"));
    let token = page.csrf();
    let text = sample_boundary(120.10, 30.20, 3.2, 8);
    let ring = ring_of(&text);
    for (name, bytes, format) in [
        ("town.geojson", text.clone().into_bytes(), "GeoJSON"),
        ("town.kml", kml_of(&ring), "KML"),
        ("town.zip", zipped_shapefile(&ring), "Shapefile（ZIP）"),
    ] {
        let posted = client
            .upload_file(&format!("/proposals/{id}/boundary"), &token, name, bytes)
            .await;
        assert_eq!(posted.status, reqwest::StatusCode::SEE_OTHER, "{name}: {}", posted.body);
        let page = client.get(&format!("/proposals/{id}/boundary")).await;
        assert!(page.has("#boundary-map svg.boundary-map"), "{name}: the map");
        assert!(page.has("svg .scale-bar") && page.has("svg .north-arrow"));
        assert!(
            page.text("#boundary-area").contains("3.2"),
            "{}",
            page.text("#boundary-area")
        );
        assert!(
            page.text("#boundary-file").contains(format),
            "{}",
            page.text("#boundary-file")
        );
        let area = page.text("#boundary-findings li[data-criterion='boundary.area']");
        assert!(area.contains("符合"), "{area}");
        assert!(area.contains("申报规划面积 3.2 平方公里，相差"), "{area}");
    }
    assert_eq!(boundary_rows(&app, id).await, 3, "three versions");
    // The same polygon whatever the format: one stored text.
    let hashes: Vec<String> = sqlx::query_scalar("SELECT DISTINCT sha256 FROM boundaries WHERE proposal_id = $1")
        .bind(id)
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(hashes.len(), 1);
    // The proposal page draws it too, and the coordinates download.
    let show = client.get(&format!("/proposals/{id}")).await;
    assert!(show.has("#boundary-panel svg.boundary-map"));
    let form = client.get(&format!("/proposals/{id}/edit")).await;
    assert!(
        form.has("#form-boundary svg.boundary-map"),
        "the official's form draws it"
    );
    let download = client.get(&format!("/proposals/{id}/boundary.geojson")).await;
    assert_eq!(download.status, reqwest::StatusCode::OK);
    assert_eq!(download.headers["content-type"], "application/geo+json");
    assert!(
        download.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let json: serde_json::Value = serde_json::from_str(&download.body).unwrap();
    assert_eq!(json["features"][0]["properties"]["version"], 3);
    assert_eq!(json["features"][0]["geometry"]["type"], "MultiPolygon");
    // Downloaded, it uploads again unchanged.
    let again = Boundary::read(download.body.as_bytes(), &Limits::BOUNDARY).unwrap();
    assert_eq!(again.to_geojson(), text);
    // A planned area far from the drawn one warns, with both figures.
    let mut input = sample_input("四至小镇");
    input.planned_area_km2 = Some(rust_decimal::Decimal::new(45, 1));
    xiaozhen::services::proposals::save(&app.db, &official, id, 1, &input, Vec::new())
        .await
        .unwrap();
    let page = client.get(&format!("/proposals/{id}/boundary")).await;
    let area = page.text("#boundary-findings li[data-criterion='boundary.area']");
    assert!(
        area.contains("预警") && area.contains("申报规划面积 4.5 平方公里") && area.contains("超出 ±10%"),
        "{area}"
    );
    // Removed: nothing current, the versions kept.
    let removed = client.post(&format!("/proposals/{id}/boundary/remove"), &[]).await;
    assert_eq!(removed.status, reqwest::StatusCode::SEE_OTHER);
    assert!(
        client
            .get(&format!("/proposals/{id}/boundary"))
            .await
            .has("#no-boundary")
    );
    assert_eq!(
        client.get(&format!("/proposals/{id}/boundary.geojson")).await.status,
        reqwest::StatusCode::NOT_FOUND
    );
    assert_eq!(boundary_rows(&app, id).await, 3);
}

#[tokio::test]
async fn refused_files_are_named_beside_the_field_in_chinese_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let official = app.official_of("official-b", "诸城市").await;
    let id = app.draft(&official, &sample_input("四至小镇")).await;
    let client = app.client();
    client.login("official-b", crate::helpers::PASSWORD).await;
    let token = client.get(&format!("/proposals/{id}/boundary")).await.csrf();
    let bowtie =
        r#"{"type":"Polygon","coordinates":[[[120.0,30.0],[120.01,30.01],[120.01,30.0],[120.0,30.01],[120.0,30.0]]]}"#;
    let swapped =
        r#"{"type":"Polygon","coordinates":[[[30.0,120.0],[30.0,120.01],[30.01,120.01],[30.01,120.0],[30.0,120.0]]]}"#;
    let europe =
        r#"{"type":"Polygon","coordinates":[[[10.0,50.0],[10.01,50.0],[10.01,50.01],[10.0,50.01],[10.0,50.0]]]}"#;
    let line = r#"{"type":"LineString","coordinates":[[120.0,30.0],[120.01,30.01]]}"#;
    let mut too_big = sample_boundary(120.1, 30.2, 3.2, 8).into_bytes();
    too_big.extend(std::iter::repeat_n(b' ', 10 * 1024 * 1024));
    let nested = {
        use std::io::{Cursor, Write};
        let mut out = Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut out);
        z.start_file("inner.zip", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(b"PK\x03\x04").unwrap();
        z.finish().unwrap();
        out.into_inner()
    };
    for (name, bytes, says) in [
        ("bowtie.geojson", bowtie.as_bytes().to_vec(), "自相交"),
        ("swapped.geojson", swapped.as_bytes().to_vec(), "无法识别坐标"),
        ("europe.geojson", europe.as_bytes().to_vec(), "不在中国境内"),
        ("line.geojson", line.as_bytes().to_vec(), "LineString"),
        ("big.geojson", too_big, "文件过大"),
        ("nested.zip", nested, "压缩包"),
        ("notes.txt", b"just some text".to_vec(), "无法识别的文件格式"),
        ("empty.geojson", Vec::new(), "请选择要上传的边界文件"),
    ] {
        let page = client
            .upload_file(&format!("/proposals/{id}/boundary"), &token, name, bytes)
            .await;
        assert_eq!(page.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            page.text("#file-error").contains(says),
            "{name}: {}",
            page.text("#file-error")
        );
        assert_eq!(
            page.attr("#boundary-file-input", "aria-invalid").as_deref(),
            Some("true")
        );
        assert_eq!(boundary_rows(&app, id).await, 0, "{name}: nothing stored");
    }
    // In English for an English page.
    client.get("/lang/en").await;
    let page = client
        .upload_file(
            &format!("/proposals/{id}/boundary"),
            &token,
            "bowtie.geojson",
            bowtie.as_bytes().to_vec(),
        )
        .await;
    assert!(
        page.text("#file-error").contains("intersects itself"),
        "{}",
        page.text("#file-error")
    );
}

#[tokio::test]
async fn the_report_draws_the_frozen_boundary_and_names_neighbours_only_to_whom_design_allows() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin-b", Role::Admin, None).await;
    let reviewer_id = app.create_user("reviewer-b", Role::Reviewer, None).await;
    let here = app.official_of("official-b", "诸城市").await;
    let there = app.official_of("official-c", "青州市").await;
    // A red-line parcel inside the second town.
    let parcel = sample_boundary(120.116, 30.20, 0.3, 6);
    upload_layer(&app, admin, LayerKind::EcologicalRedLine, "示例生态保护红线", &[parcel]).await;
    // 甲 of 青州市, submitted (not listed); 乙 of 诸城市 overlapping it.
    let first = app.draft(&there, &sample_input("甲小镇")).await;
    let town = sample_boundary(120.10, 30.20, 3.2, 8);
    submit_with(&app, &there, first, town.as_bytes()).await;
    let second = app.draft(&here, &sample_input("乙小镇")).await;
    let shifted = sample_boundary(120.112, 30.20, 3.2, 8);
    submit_with(&app, &here, second, shifted.as_bytes()).await;

    let official = app.client();
    official.login("official-b", crate::helpers::PASSWORD).await;
    let report = official.get(&format!("/proposals/{second}/report")).await;
    assert_eq!(report.status, reqwest::StatusCode::OK);
    assert_eq!(report.text("#overall"), "不合格", "the red line fails it");
    let lines = "#findings tr[data-criterion='boundary.control_lines']";
    assert_eq!(report.text(&format!("{lines} .verdict")), "不符合");
    assert!(
        report
            .text(&format!("{lines} .msg"))
            .contains("占用生态保护红线“示例生态保护红线”（第1版）")
    );
    let overlap = report.text("#findings tr[data-criterion='boundary.overlap'] .msg");
    assert!(
        overlap.contains("另一申报项目（重叠") && !overlap.contains("甲小镇"),
        "{overlap}"
    );
    // The map of the submission, its text alternative, its coordinates.
    assert!(report.has("#submitted-boundary svg.boundary-map"));
    let alt = report.texts("#boundary-alt tr").join(" | ");
    assert!(alt.contains("另一申报项目") && !alt.contains("甲小镇"), "{alt}");
    assert!(alt.contains("生态保护红线“示例生态保护红线”（第1版）"), "{alt}");
    assert!(
        !report.body.contains("甲小镇"),
        "an unlisted town of another region is not named to an official"
    );
    let link = report.attr("#boundary-download", "href").expect("a GeoJSON link");
    assert_eq!(official.get(&link).await.status, reqwest::StatusCode::OK);

    // A reviewer reads the name.
    let reviewer = app.client();
    reviewer.login("reviewer-b", crate::helpers::PASSWORD).await;
    let report = reviewer.get(&format!("/proposals/{second}/report")).await;
    let alt = report.texts("#boundary-alt tr").join(" | ");
    assert!(alt.contains("甲小镇"), "{alt}");
    // The other region's official cannot open it, nor its coordinates.
    let other = app.client();
    other.login("official-c", crate::helpers::PASSWORD).await;
    assert_eq!(other.get(&link).await.status, reqwest::StatusCode::NOT_FOUND);
    assert_eq!(
        other.get(&format!("/proposals/{second}/boundary")).await.status,
        reqwest::StatusCode::NOT_FOUND
    );

    // Listed, 甲 is named; the public see its outline and nothing more.
    let reviewer_user = app.user(reviewer_id).await;
    xiaozhen::services::reviews::decide(
        &app.db,
        &reviewer_user,
        first,
        &DecisionInput::new(Decision::Approve, "同意", 2),
    )
    .await
    .unwrap();
    let batch = xiaozhen::services::batches::create_list_batch_without_notice(&app.db, admin, "第一批", "")
        .await
        .unwrap();
    xiaozhen::services::batches::add_entry(&app.db, admin, batch, first, "")
        .await
        .unwrap();
    xiaozhen::services::batches::publish(&app.db, admin, batch)
        .await
        .unwrap();
    // The report shows what was found at submission; a re-evaluation
    // measures again, and a listed town is named, in the finding too.
    let report = official.get(&format!("/proposals/{second}/report")).await;
    assert!(!report.body.contains("甲小镇"));
    xiaozhen::services::standards::reevaluate(&app.db, &reviewer_user, second)
        .await
        .unwrap();
    let report = official.get(&format!("/proposals/{second}/report")).await;
    let alt = report.texts("#boundary-alt tr").join(" | ");
    assert!(alt.contains("甲小镇"), "a listed town is named: {alt}");
    let overlap = report.text("#findings tr[data-criterion='boundary.overlap'] .msg");
    assert!(overlap.starts_with("四至范围与甲小镇（重叠"), "{overlap}");
    let public = app.client();
    let page = public.get(&format!("/towns/{first}")).await;
    assert_eq!(page.status, reqwest::StatusCode::OK);
    assert!(page.has("#town-boundary svg.boundary-map"));
    assert!(!page.has("#boundary-download"), "no coordinates on public pages");
    assert!(!page.body.contains("示例生态保护红线"), "layers are never public");
    let vertices = |body: &str| body.matches('L').count();
    assert!(vertices(&page.body) > 0);
    let anonymous = public.get(&format!("/proposals/{first}/boundary.geojson")).await;
    assert_eq!(anonymous.status, reqwest::StatusCode::SEE_OTHER, "signed-in roles only");
}

#[tokio::test]
async fn admins_upload_layers_refused_ones_named_beside_their_fields() {
    let app = TestApp::spawn().await;
    app.create_user("admin-b", Role::Admin, None).await;
    let admin = app.client();
    admin.login("admin-b", crate::helpers::PASSWORD).await;
    let page = admin.get("/admin/layers").await;
    assert_eq!(page.status, reqwest::StatusCode::OK);
    assert!(page.has("#no-layers"));
    let token = page.csrf();
    let post = |fields: Vec<(&'static str, String)>, file: Option<(&'static str, Vec<u8>)>| {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k, v);
        }
        if let Some((name, bytes)) = file {
            form = form.part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
        }
        let request = admin
            .http
            .post(format!("{}/admin/layers?csrf_token={token}", admin.base))
            .multipart(form);
        async move { crate::helpers::Client::page(request.send().await.unwrap()).await }
    };
    let polygons: Vec<String> = (0..50)
        .map(|i| sample_boundary(119.0 + (i % 10) as f64 * 0.05, 29.0 + (i / 10) as f64 * 0.05, 0.2, 6))
        .collect();
    let refused = post(
        vec![("kind", "nonsense".into()), ("name", "".into())],
        Some(("bad.geojson", b"{\"type\":\"Point\",\"coordinates\":[120,30]}".to_vec())),
    )
    .await;
    assert_eq!(refused.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text("#kind-error").contains("请选择图层类别"));
    assert!(refused.text("#name-error").contains("请填写图层名称"));
    assert!(!refused.text("#file-error").is_empty());
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM control_layers")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    let ok = post(
        vec![
            ("kind", "permanent_basic_farmland".into()),
            ("name", "示例永久基本农田".into()),
        ],
        Some(("farmland.geojson", layer_file(&polygons))),
    )
    .await;
    assert_eq!(ok.status, reqwest::StatusCode::SEE_OTHER, "{}", ok.body);
    let page = admin.get("/admin/layers").await;
    assert_eq!(page.text("#layers tr.layer.in-force .parcels"), "50");
    assert_eq!(page.text("#layers tr.layer.in-force .name"), "示例永久基本农田");
    // Never public, and not for officials.
    let official = app.login_as(Role::Official).await;
    assert_eq!(
        official.get("/admin/layers").await.status,
        reqwest::StatusCode::FORBIDDEN
    );
}

/// 100,000 parcels of 80 m × 80 m on a 200 m grid around 30°N 120°E (a
/// 63 km square), as the benchmark draws them.
fn grid_layer(n: usize) -> Vec<geo::Polygon<f64>> {
    const M_LAT: f64 = 1.0 / 110_852.46;
    const M_LON: f64 = 1.0 / 96_486.2;
    let side = (n as f64).sqrt().ceil() as usize;
    (0..n)
        .map(|i| {
            let (x, y) = ((i % side) as f64 * 200.0, (i / side) as f64 * 200.0);
            let ring: Vec<(f64, f64)> = [(0., 0.), (80., 0.), (80., 80.), (0., 80.), (0., 0.)]
                .iter()
                .map(|(dx, dy)| {
                    let round = |v: f64| (v * 1e7).round() / 1e7;
                    (round(120.0 + (x + dx) * M_LON), round(30.0 + (y + dy) * M_LAT))
                })
                .collect();
            geo::Polygon::new(geo::LineString::from(ring), vec![])
        })
        .collect()
}

#[tokio::test]
async fn a_submission_is_checked_in_well_under_a_second_against_a_100000_parcel_layer() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin-b", Role::Admin, None).await;
    let admin = app.user(admin).await;
    let official = app.official_of("official-b", "诸城市").await;
    let started = std::time::Instant::now();
    let layer = service::ReadLayer {
        polygons: grid_layer(100_000),
        format: xiaozhen::spatial::Format::GeoJson,
    };
    let (layer_id, _) = service::store_layer(
        &app.db,
        &admin,
        LayerKind::PermanentBasicFarmland,
        "网格农田",
        "grid.geojson",
        layer,
    )
    .await
    .unwrap();
    println!("100,000 parcels stored in {:.1?}", started.elapsed());
    let parcels: i64 = sqlx::query_scalar("SELECT count(*) FROM control_parcels WHERE layer_id = $1")
        .bind(layer_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(parcels, 100_000);
    // A town of 3.2 km² in the middle of the grid.
    let id = app.draft(&official, &sample_input("网格小镇")).await;
    let town = sample_boundary(120.33, 30.28, 3.2, 16);
    service::store_bytes(&app.db, &official, id, "town.geojson", town.as_bytes())
        .await
        .unwrap();
    let b = Boundary::read(town.as_bytes(), &Limits::BOUNDARY).unwrap();
    // The first check after a start reads the layer from PostgreSQL and
    // indexes it (once per layer version); the next ones use the index.
    service::forget_indexes();
    let started = std::time::Instant::now();
    service::warm(&app.db).await.unwrap();
    println!("100,000 parcels read and indexed in {:.1?}", started.elapsed());
    let mut conn = app.db.acquire().await.unwrap();
    let started = std::time::Instant::now();
    let measured = service::measure(&mut conn, id, &b).await.unwrap();
    let took = started.elapsed();
    drop(conn);
    println!("a 3.2 km² boundary checked against 100,000 parcels in {took:.1?} (debug build)");
    assert!(took < std::time::Duration::from_secs(1), "{took:?}");
    let farmland = &measured.facts.layers[0];
    // Parcels cover 16% of the grid (80² of 200²): about that of the town.
    let share = farmland.inside_m2 / measured.facts.area_m2;
    assert!(
        share > rust_decimal::Decimal::new(13, 2) && share < rust_decimal::Decimal::new(19, 2),
        "{share}"
    );
    assert!(measured.context.layers[0].parcels > 50);
}

#[tokio::test]
async fn the_api_measures_a_boundary_sent_with_the_proposal() {
    let app = TestApp::spawn().await;
    let official = app.official_of("official-b", "诸城市").await;
    // A submitted town the request's boundary overlaps.
    let first = app.draft(&official, &sample_input("甲小镇")).await;
    submit_with(
        &app,
        &official,
        first,
        sample_boundary(120.10, 30.20, 3.2, 8).as_bytes(),
    )
    .await;
    let client = app.client();
    let post = |body: serde_json::Value| {
        let request = client.http.post(format!("{}/api/v1/evaluate", client.base)).json(&body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            (status, response.json::<serde_json::Value>().await.unwrap())
        }
    };
    let finding = |answer: &serde_json::Value, id: &str| {
        answer["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["criterion"] == id)
            .cloned()
            .unwrap()
    };
    let mut body = xiaozhen::domain::proposal::sample_proposal().to_json();
    let geometry: serde_json::Value = serde_json::from_str(&sample_boundary(120.112, 30.20, 3.2, 8)).unwrap();
    body["boundary"] = geometry;
    let (status, answer) = post(body.clone()).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{answer:#}");
    assert_eq!(finding(&answer, "boundary.area")["verdict"], "pass");
    assert!(
        finding(&answer, "boundary.area")["message_zh"]
            .as_str()
            .unwrap()
            .contains("申报规划面积 3.2 平方公里")
    );
    let overlap = finding(&answer, "boundary.overlap");
    assert_eq!(overlap["verdict"], "warn");
    assert!(
        overlap["message_zh"]
            .as_str()
            .unwrap()
            .starts_with("四至范围与另一申报项目（重叠"),
        "{overlap}"
    );
    assert_eq!(answer["overall"], "pass_with_warnings");
    // Nothing stored for it.
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM boundaries")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 1);
    // A boundary that cannot be one: 422 naming the field, in Chinese.
    body["boundary"] = serde_json::json!({"type": "Point", "coordinates": [120.0, 30.0]});
    let (status, answer) = post(body).await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["errors"][0]["field"], "boundary");
    assert!(
        answer["errors"][0]["message"].as_str().unwrap().contains("Point"),
        "{answer}"
    );
}

/// One text part sent 100,000 times to the boundary upload: refused at the
/// first part past the limit (413, the error page), quickly, nothing stored.
#[tokio::test]
async fn a_boundary_upload_with_a_field_repeated_100000_times_is_refused_quickly() {
    let app = TestApp::spawn().await;
    let official = app.official_of("official-r", "诸城市").await;
    let id = app.draft(&official, &sample_input("四至小镇")).await;
    let client = app.client();
    client.login("official-r", crate::helpers::PASSWORD).await;
    let token = client.get(&format!("/proposals/{id}/boundary")).await.csrf();
    let boundary = "xz-boundary-7f3a";
    let part = "Content-Disposition: form-data; name=\"note\"\r\n\r\nx";
    let mut body = Vec::new();
    for _ in 0..100_000 {
        body.extend_from_slice(format!("--{boundary}\r\n{part}\r\n").as_bytes());
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let started = std::time::Instant::now();
    let response = client
        .http
        .post(format!("{}/proposals/{id}/boundary?csrf_token={token}", client.base))
        .header(
            reqwest::header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("answered");
    let page = crate::helpers::Client::page(response).await;
    assert_eq!(
        page.status,
        reqwest::StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        page.text("main")
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM boundaries WHERE proposal_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing stored");
    assert_eq!(client.get("/healthz").await.status, reqwest::StatusCode::OK);
}
