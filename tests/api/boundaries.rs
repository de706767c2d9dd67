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
    let features: Vec<String> = polygons
        .iter()
        .map(|p| format!(r#"{{"type":"Feature","properties":{{}},"geometry":{p}}}"#))
        .collect();
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",")).into_bytes()
}

/// Stores a control-line layer as `admin`; (id, version).
pub async fn upload_layer(app: &TestApp, admin: i64, kind: LayerKind, name: &str, polygons: &[String]) -> (i64, i32) {
    let user = app.user(admin).await;
    let layer = service::read_layer(layer_file(polygons)).await.expect("a valid layer");
    service::store_layer(&app.db, &user, kind, name, "layer.geojson", layer)
        .await
        .expect("stored")
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
    let all = xiaozhen::db::evaluations::list(&mut conn, id).await.unwrap();
    drop(conn);
    let frozen: Vec<i64> = all.iter().map(|e| e.boundary.as_ref().expect("frozen").0.id).collect();
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
        &[far.clone()],
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
    service::store_bytes(&app.db, &official, first, "a.geojson", town.as_bytes())
        .await
        .unwrap();
    xiaozhen::services::materials::store_samples(&app.db, &official, first)
        .await
        .unwrap();
    xiaozhen::services::proposals::submit(&app.db, &official, first, 1)
        .await
        .unwrap();
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
    service::store_bytes(&app.db, &official, second, "b.geojson", shifted.as_bytes())
        .await
        .unwrap();
    xiaozhen::services::materials::store_samples(&app.db, &official, second)
        .await
        .unwrap();
    xiaozhen::services::proposals::submit(&app.db, &official, second, 1)
        .await
        .unwrap();
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
