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
    approve_and_list(&app, &reviewer_user, admin, first, "第一批").await;
    // Names are display data: the report of 乙, evaluated before 甲 was
    // listed, names 甲 now — on the map and in the finding — without a
    // re-evaluation (the verdict and the areas are the submission's).
    let report = official.get(&format!("/proposals/{second}/report")).await;
    let alt = report.texts("#boundary-alt tr").join(" | ");
    assert!(alt.contains("甲小镇"), "a listed town is named: {alt}");
    let overlap = report.text("#findings tr[data-criterion='boundary.overlap'] .msg");
    assert!(overlap.starts_with("四至范围与甲小镇（重叠"), "{overlap}");
    assert!(!overlap.contains("另一申报项目"), "{overlap}");
    let stored: String = sqlx::query_scalar(
        "SELECT f ->> 'message' FROM evaluations e, jsonb_array_elements(e.rendered -> 'zh') f
         WHERE e.proposal_id = $1 AND f ->> 'criterion' = 'boundary.overlap'",
    )
    .bind(second)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(
        stored.contains("另一申报项目"),
        "the record keeps what was found: {stored}"
    );
    // A re-evaluation measures again and names it in its own record.
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
    // With its text alternative; 乙 (submitted, not listed) is not drawn.
    assert!(page.has("#town-boundary #boundary-alt tr.boundary"));
    assert!(!page.has("#town-boundary #boundary-alt tr.neighbour"));
    assert!(!page.body.contains("乙小镇"), "an unlisted town is not on public pages");
    assert!(!page.has("#boundary-download"), "no coordinates on public pages");
    assert!(!page.body.contains("示例生态保护红线"), "layers are never public");
    let vertices = |body: &str| body.matches('L').count();
    assert!(vertices(&page.body) > 0);
    let anonymous = public.get(&format!("/proposals/{first}/boundary.geojson")).await;
    assert_eq!(anonymous.status, reqwest::StatusCode::SEE_OTHER, "signed-in roles only");

    // 丁, west of 甲 and clear of the red line, listed too: each public
    // page draws the other's outline, named; 乙 (not listed) on neither.
    let fourth = app.draft(&here, &sample_input("丁小镇")).await;
    submit_with(&app, &here, fourth, sample_boundary(120.076, 30.20, 3.2, 8).as_bytes()).await;
    approve_and_list(&app, &reviewer_user, admin, fourth, "第二批").await;
    let page = public.get(&format!("/towns/{first}")).await;
    let alt = page.texts("#town-boundary #boundary-alt tr.neighbour").join(" | ");
    assert!(alt.contains("丁小镇") && alt.contains("邻近的已列入名单小镇"), "{alt}");
    assert_eq!(
        page.body.matches("stroke-dasharray=\"4 3\"").count(),
        1,
        "one neighbour outline, dashed"
    );
    assert!(!page.body.contains("乙小镇"));
    assert!(!page.has("#boundary-download") && !page.body.contains("示例生态保护红线"));
    let page = public.get(&format!("/towns/{fourth}")).await;
    let alt = page.texts("#town-boundary #boundary-alt tr.neighbour").join(" | ");
    assert!(alt.contains("甲小镇") && !alt.contains("乙小镇"), "{alt}");
}

#[tokio::test]
async fn the_officials_form_draws_the_towns_nearby_named_as_design_allows() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin-b", Role::Admin, None).await;
    let reviewer = app.create_user("reviewer-b", Role::Reviewer, None).await;
    let here = app.official_of("official-b", "诸城市").await;
    let there = app.official_of("official-c", "青州市").await;
    // 甲 of 青州市 submitted; 丙, a draft of 诸城市, beside it.
    let first = app.draft(&there, &sample_input("甲小镇")).await;
    submit_with(&app, &there, first, sample_boundary(120.10, 30.20, 3.2, 8).as_bytes()).await;
    let draft = draft_with_boundary(&app, &here, "丙小镇", (120.125, 30.20)).await;
    let official = app.client();
    official.login("official-b", crate::helpers::PASSWORD).await;
    let form = official.get(&format!("/proposals/{draft}/edit")).await;
    assert_eq!(form.status, reqwest::StatusCode::OK);
    assert!(form.has("#form-boundary svg.boundary-map"), "the map on the form");
    assert!(form.has("#form-boundary svg.boundary-map title"), "shapes carry titles");
    let alt = form.texts("#form-boundary #boundary-alt tr.neighbour").join(" | ");
    assert!(alt.contains("另一申报项目"), "the neighbour is drawn, unnamed: {alt}");
    assert!(
        !form.body.contains("甲小镇"),
        "an unlisted town of another region is not named to an official"
    );
    assert!(
        form.has("#form-boundary #boundary-alt tr.boundary"),
        "a text alternative"
    );
    // The draft's boundary page names the same way.
    let page = official.get(&format!("/proposals/{draft}/boundary")).await;
    assert!(!page.body.contains("甲小镇"));
    // Listed, 甲 is named on the form.
    let reviewer = app.user(reviewer).await;
    approve_and_list(&app, &reviewer, admin, first, "第一批").await;
    let form = official.get(&format!("/proposals/{draft}/edit")).await;
    let alt = form.texts("#form-boundary #boundary-alt tr.neighbour").join(" | ");
    assert!(alt.contains("甲小镇"), "{alt}");
}

/// A draft of `official` named `name` with a boundary of 3.2 km² (the
/// sample's planned area) around `at` (longitude, latitude).
async fn draft_with_boundary(app: &TestApp, official: &xiaozhen::auth::User, name: &str, at: (f64, f64)) -> i64 {
    let id = app.draft(official, &sample_input(name)).await;
    let text = sample_boundary(at.0, at.1, 3.2, 8);
    service::store_bytes(&app.db, official, id, "town.geojson", text.as_bytes())
        .await
        .unwrap();
    id
}

/// Approves submitted proposal `id` and publishes it in a list batch of
/// its own, `title`.
async fn approve_and_list(app: &TestApp, reviewer: &xiaozhen::auth::User, admin: i64, id: i64, title: &str) {
    let version = app.proposal_version(id).await;
    xiaozhen::services::reviews::decide(
        &app.db,
        reviewer,
        id,
        &DecisionInput::new(Decision::Approve, "同意", version),
    )
    .await
    .unwrap();
    let batch = xiaozhen::services::batches::create_list_batch_without_notice(&app.db, admin, title, "")
        .await
        .unwrap();
    xiaozhen::services::batches::add_entry(&app.db, admin, batch, id, "")
        .await
        .unwrap();
    xiaozhen::services::batches::publish(&app.db, admin, batch)
        .await
        .unwrap();
}

async fn data_version(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT version FROM data_version")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(&app.db).await.unwrap()
}

#[tokio::test]
async fn opening_a_boundary_page_writes_nothing_and_downloads_are_audited() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin-b", Role::Admin, None).await;
    let official = app.official_of("official-b", "诸城市").await;
    app.official_of("official-c", "青州市").await;
    let id = app.draft(&official, &sample_input("四至小镇")).await;
    let text = sample_boundary(120.10, 30.20, 3.2, 8);
    let (boundary, _) = service::store_bytes(&app.db, &official, id, "town.geojson", text.as_bytes())
        .await
        .unwrap();
    // A red line uploaded after the boundary: no result is kept for the pair.
    let parcel = sample_boundary(120.105, 30.20, 0.3, 6);
    let (layer, _) = upload_layer(&app, admin, LayerKind::EcologicalRedLine, "示例生态保护红线", &[parcel]).await;
    let results = "SELECT count(*) FROM boundary_layer_results WHERE layer_id = $1";
    assert_eq!(count(&app, results, layer).await, 0);
    let client = app.client();
    client.login("official-b", crate::helpers::PASSWORD).await;
    let version = data_version(&app).await;
    for path in [
        format!("/proposals/{id}/boundary"),
        format!("/proposals/{id}"),
        format!("/proposals/{id}/edit"),
    ] {
        let page = client.get(&path).await;
        assert_eq!(page.status, reqwest::StatusCode::OK, "{path}");
        assert!(page.has("svg.boundary-map"), "{path}");
    }
    // Measured on the fly: the page names the parcel met.
    let page = client.get(&format!("/proposals/{id}/boundary")).await;
    let lines = page.text("#boundary-findings li[data-criterion='boundary.control_lines']");
    assert!(lines.contains("占用生态保护红线“示例生态保护红线”（第1版）"), "{lines}");
    assert_eq!(data_version(&app).await, version, "a GET writes nothing");
    assert_eq!(count(&app, results, layer).await, 0, "no result kept by a page");

    // Each download of the coordinates is audited, by ids, and the page
    // cache is kept.
    let audited = "SELECT count(*) FROM audit_log WHERE action = 'boundary.downloaded' AND entity_id = $1";
    for path in [
        format!("/proposals/{id}/boundary.geojson"),
        format!("/proposals/{id}/boundaries/{boundary}"),
    ] {
        assert_eq!(client.get(&path).await.status, reqwest::StatusCode::OK, "{path}");
    }
    assert_eq!(count(&app, audited, boundary).await, 2);
    let (actor, after): (Option<i64>, serde_json::Value) = sqlx::query_as(
        "SELECT actor_id, after FROM audit_log WHERE action = 'boundary.downloaded' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(actor, Some(official.id));
    assert_eq!(after["proposal_id"], id);
    assert_eq!(
        data_version(&app).await,
        version,
        "download audit rows keep the page cache"
    );
    // A refused download records nothing.
    let other = app.client();
    other.login("official-c", crate::helpers::PASSWORD).await;
    assert_eq!(
        other.get(&format!("/proposals/{id}/boundary.geojson")).await.status,
        reqwest::StatusCode::NOT_FOUND
    );
    assert_eq!(count(&app, audited, boundary).await, 2);

    // Submitting keeps the result; a new upload keeps its own at once.
    xiaozhen::services::materials::store_samples(&app.db, &official, id)
        .await
        .unwrap();
    xiaozhen::services::proposals::submit(&app.db, &official, id, app.proposal_version(id).await)
        .await
        .unwrap();
    assert_eq!(count(&app, results, layer).await, 1);
    draft_with_boundary(&app, &official, "另一个小镇", (121.0, 31.0)).await;
    assert_eq!(count(&app, results, layer).await, 2, "kept at upload");
}

#[tokio::test]
async fn an_admin_uploads_a_zipped_shapefile_layer_downloads_each_version_and_withdraws_it() {
    let app = TestApp::spawn().await;
    app.create_user("admin-b", Role::Admin, None).await;
    let official = app.official_of("official-b", "诸城市").await;
    let admin = app.client();
    admin.login("admin-b", crate::helpers::PASSWORD).await;
    let token = admin.get("/admin/layers").await.csrf();
    let post = |file_name: &'static str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("kind", "ecological_red_line")
            .text("name", "示例生态保护红线（Shapefile）")
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(file_name));
        let request = admin
            .http
            .post(format!("{}/admin/layers?csrf_token={token}", admin.base))
            .multipart(form);
        async move { crate::helpers::Client::page(request.send().await.unwrap()).await }
    };
    let parcel = sample_boundary(120.105, 30.20, 0.3, 6);
    let posted = post("redline.zip", zipped_shapefile(&ring_of(&parcel))).await;
    assert_eq!(posted.status, reqwest::StatusCode::SEE_OTHER, "{}", posted.body);
    let (first, format, sha): (i64, String, String) =
        sqlx::query_as("SELECT id, source_format, sha256 FROM control_layers WHERE version = 1")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(format, "shapefile");
    let page = admin.get("/admin/layers").await;
    assert_eq!(page.text("#layers tr.layer.in-force .parcels"), "1");
    assert_eq!(
        page.text("#layers tr.layer.in-force .name"),
        "示例生态保护红线（Shapefile）"
    );

    // A town on the parcel meets it.
    let id = draft_with_boundary(&app, &official, "四至小镇", (120.10, 30.20)).await;
    let client = app.client();
    client.login("official-b", crate::helpers::PASSWORD).await;
    let finding = "#boundary-findings li[data-criterion='boundary.control_lines']";
    let lines = client.get(&format!("/proposals/{id}/boundary")).await.text(finding);
    assert!(
        lines.contains("占用生态保护红线“示例生态保护红线（Shapefile）”（第1版）"),
        "{lines}"
    );

    // The version downloads as GeoJSON for admins, audited; uploaded again
    // it is the same layer (the same hash).
    let path = format!("/admin/layers/{first}/download");
    let download = admin.get(&path).await;
    assert_eq!(download.status, reqwest::StatusCode::OK);
    assert_eq!(download.headers["content-type"], "application/geo+json");
    assert!(
        download.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let json: serde_json::Value = serde_json::from_str(&download.body).expect("GeoJSON");
    assert_eq!(json["type"], "FeatureCollection");
    assert_eq!(json["features"].as_array().map(Vec::len), Some(1));
    assert_eq!(json["features"][0]["geometry"]["type"], "Polygon");
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'layer.downloaded' AND entity_id = $1")
            .bind(first)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(audited, 1);
    let again = post("redline.geojson", download.body.clone().into_bytes()).await;
    assert_eq!(again.status, reqwest::StatusCode::SEE_OTHER, "{}", again.body);
    let (second, second_sha): (i64, String) = sqlx::query_as("SELECT id, sha256 FROM control_layers WHERE version = 2")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(second_sha, sha, "the download is the layer, parcel for parcel");
    // Never for anyone else.
    for who in [Role::Official, Role::Reviewer] {
        let c = app.login_as(who).await;
        assert_eq!(c.get(&path).await.status, reqwest::StatusCode::FORBIDDEN, "{who:?}");
    }
    assert_eq!(app.client().get(&path).await.status, reqwest::StatusCode::SEE_OTHER);

    // Withdrawn: no longer in force, no longer counted; its versions kept.
    let withdrawn = admin.post(&format!("/admin/layers/{second}/withdraw"), &[]).await;
    assert_eq!(withdrawn.status, reqwest::StatusCode::SEE_OTHER, "{}", withdrawn.body);
    let page = admin.get("/admin/layers").await;
    assert!(!page.has("#layers tr.layer.in-force"));
    assert_eq!(
        page.text(&format!("#layers tr.layer.withdrawn[data-id='{second}'] .status")),
        "已撤回"
    );
    assert_eq!(
        page.text(&format!("#layers tr.layer[data-id='{first}'] .status")),
        "已被新版本取代"
    );
    let lines = client.get(&format!("/proposals/{id}/boundary")).await.text(finding);
    assert!(
        lines.contains("尚无生态保护红线") && !lines.contains("占用"),
        "not counted once withdrawn: {lines}"
    );
    let kept: (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM control_layers), (SELECT count(*) FROM control_parcels)")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(kept, (2, 2));
    let (action, before): (String, serde_json::Value) = sqlx::query_as(
        "SELECT action, before FROM audit_log WHERE entity = 'control_layer' AND entity_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(second)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(action, "layer.withdrawn");
    assert_eq!(before["version"], 2);
    // A withdrawn version still downloads; it cannot be withdrawn twice.
    assert_eq!(
        admin.get(&format!("/admin/layers/{second}/download")).await.status,
        reqwest::StatusCode::OK
    );
    let twice = admin.post(&format!("/admin/layers/{second}/withdraw"), &[]).await;
    assert_eq!(twice.status, reqwest::StatusCode::CONFLICT);
    let missing = admin.post("/admin/layers/999999/withdraw", &[]).await;
    assert_eq!(missing.status, reqwest::StatusCode::NOT_FOUND);
    // A new upload of the kind is its next version, in force.
    let third = post("redline.zip", zipped_shapefile(&ring_of(&parcel))).await;
    assert_eq!(third.status, reqwest::StatusCode::SEE_OTHER);
    let page = admin.get("/admin/layers").await;
    assert_eq!(page.text("#layers tr.layer.in-force .version"), "3");
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
    let admin = app.create_user("admin-b", Role::Admin, None).await;
    let official = app.official_of("official-b", "诸城市").await;
    // A red line far from the towns: checked, not met.
    let parcel = sample_boundary(121.5, 31.5, 0.3, 6);
    let (layer, _) = upload_layer(&app, admin, LayerKind::EcologicalRedLine, "示例生态保护红线", &[parcel]).await;
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
    let results = "SELECT count(*) FROM boundary_layer_results WHERE layer_id = $1";
    assert_eq!(count(&app, results, layer).await, 1, "the submitted town's");
    let version = data_version(&app).await;
    let (status, answer) = post(body.clone()).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{answer:#}");
    // Checked against the red line (not met); no farmland or development
    // boundary layer: information.
    let lines = finding(&answer, "boundary.control_lines");
    assert_eq!(lines["verdict"], "info", "{lines}");
    assert_eq!(
        lines["message_zh"],
        "四至范围未占用生态保护红线；尚无永久基本农田、城镇开发边界图层，未能核查"
    );
    // Nothing written for an anonymous request: no kept result, the page
    // cache kept.
    assert_eq!(count(&app, results, layer).await, 1);
    assert_eq!(data_version(&app).await, version);
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

#[tokio::test]
async fn the_red_line_veto_is_read_from_the_boundary_and_example_cases_carry_the_boundary() {
    let app = TestApp::spawn().await;
    let admin_id = app.create_user("admin-b", Role::Admin, None).await;
    app.create_user("reviewer-b", Role::Reviewer, None).await;
    let official = app.official_of("official-b", "诸城市").await;
    let parcel = sample_boundary(120.105, 30.20, 0.3, 6);
    upload_layer(
        &app,
        admin_id,
        LayerKind::EcologicalRedLine,
        "示例生态保护红线",
        &[parcel],
    )
    .await;
    let red = app.draft(&official, &sample_input("红线小镇")).await;
    submit_with(&app, &official, red, sample_boundary(120.10, 30.20, 3.2, 8).as_bytes()).await;
    let clear = app.draft(&official, &sample_input("清白小镇")).await;
    submit_with(&app, &official, clear, sample_boundary(121.0, 31.0, 3.2, 8).as_bytes()).await;

    // The report's scoring table: the red-line veto computed from the
    // boundary's check; farmland, with no layer, left to a person.
    let reviewer = app.client();
    reviewer.login("reviewer-b", crate::helpers::PASSWORD).await;
    let row = |line: &str, cell: &str| format!("table.score-table tr.score-row[data-line='{line}'] td.{cell}");
    let report = reviewer.get(&format!("/proposals/{red}/report")).await;
    assert_eq!(report.text(&row("v.redline", "computed")), "是（否决）");
    assert!(
        report
            .text("table.score-table tr.score-row[data-line='v.redline']")
            .contains("四至范围核查：占用生态保护红线"),
        "{}",
        report.text("table.score-table tr.score-row[data-line='v.redline']")
    );
    assert_eq!(report.text(&row("v.farmland", "computed")), "");
    let report = reviewer.get(&format!("/proposals/{clear}/report")).await;
    assert_eq!(report.text(&row("v.redline", "computed")), "否");
    assert!(
        report
            .text("table.score-table tr.score-row[data-line='v.redline']")
            .contains("未占用生态保护红线")
    );

    // The county's self-assessment of a draft on the red line: that veto is
    // read from the boundary (shown computed, not asked); farmland is asked.
    let draft_on_line = draft_with_boundary(&app, &official, "自评小镇", (120.10, 30.20)).await;
    let county = app.client();
    county.login("official-b", crate::helpers::PASSWORD).await;
    let sa = county.get(&format!("/proposals/{draft_on_line}/self-assessment")).await;
    assert_eq!(sa.status, reqwest::StatusCode::OK);
    assert!(!sa.has("tr.judged-line[data-line='v.redline']"), "not asked");
    assert!(
        sa.has("tr.judged-line[data-line='v.farmland']"),
        "asked: no farmland layer"
    );
    let computed = sa.text("li[data-line='v.redline']");
    assert!(computed.contains("四至范围核查：占用生态保护红线"), "{computed}");
    assert_eq!(
        sa.texts(".vetoes .veto"),
        ["占用生态保护红线"],
        "the veto holds in the running result"
    );

    // Example cases made from proposals carry what the proposal had: the
    // boundary its evaluation froze (the red line met: fail), or none
    // (missing), so the case expects what the proposal got.
    let never_evaluated = app.draft(&official, &sample_input("无四至小镇")).await;
    let admin = app.client();
    admin.login("admin-b", crate::helpers::PASSWORD).await;
    let zj: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE code = 'ZJ-2015' AND version = 5")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let copied = admin
        .post(&format!("/admin/standards/{zj}/copy"), &[("code", "")])
        .await;
    assert_eq!(copied.status, reqwest::StatusCode::SEE_OTHER, "{}", copied.body);
    let draft: i64 = copied
        .location()
        .unwrap()
        .trim_start_matches("/admin/standards/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap();
    for proposal in [red, never_evaluated] {
        let id = proposal.to_string();
        let added = admin
            .post(
                &format!("/admin/standards/{draft}/examples"),
                &[("proposal_id", id.as_str()), ("name", "")],
            )
            .await;
        assert_eq!(added.status, reqwest::StatusCode::SEE_OTHER, "{}", added.body);
    }
    let definition: serde_json::Value = sqlx::query_scalar("SELECT definition FROM standards WHERE id = $1")
        .bind(draft)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let examples = definition["examples"].as_array().unwrap();
    let (from_red, from_draft) = (&examples[examples.len() - 2], &examples[examples.len() - 1]);
    assert_eq!(from_red["name"], "红线小镇");
    assert_eq!(from_red["boundary"]["state"], "known");
    assert_eq!(from_red["boundary"]["layers"][0]["kind"], "ecological_red_line");
    assert_eq!(from_red["expected"]["boundary.control_lines"], "fail");
    assert_eq!(from_red["expected"]["boundary.area"], "pass");
    assert_eq!(from_red["expected_overall"], "fail");
    assert_eq!(from_red["materials"].as_array().map(Vec::len), Some(5));
    assert_eq!(from_red["expected"]["material.concept_plan"], "pass");
    assert_eq!(from_draft["boundary"]["state"], "missing");
    assert_eq!(from_draft["expected"]["boundary.area"], "missing");
    // Every case passes under the draft: it can be published.
    let show = admin.get(&format!("/admin/standards/{draft}")).await;
    assert!(!show.has(".examples-failing"), "{}", show.text(".examples-failing"));
}
