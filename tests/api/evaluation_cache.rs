//! The report's decoded evaluations are kept in memory (issue 19): a new
//! evaluation must show at once beside the kept ones, and a body kept for
//! one database must never be served for another's evaluation of the same
//! id.

use rust_decimal_macros::dec;
use xiaozhen::db::evaluations::{EvaluationCache, list_in};
use xiaozhen::domain::{Lang, Role};
use xiaozhen::services::reviews::{Decision, DecisionInput};

use crate::helpers::{TestApp, sample_input};

const PLANNED_AREA: &str = "#findings tr[data-criterion=\"space.planned_area\"] td.actual";

#[tokio::test]
async fn a_new_evaluation_shows_beside_the_kept_ones() {
    let app = TestApp::spawn().await;
    let official = app.official_of("county-a", "诸城市").await;
    let id = app.submitted(&official, &sample_input("缓存小镇")).await;
    let reviewer = app.login_as(Role::Reviewer).await;

    let first = reviewer.get(&format!("/proposals/{id}/report")).await;
    assert_eq!(first.status, 200);
    assert!(first.text(PLANNED_AREA).contains("3.2"), "{}", first.text(PLANNED_AREA));
    // Read twice: the second comes from the kept body, the same page.
    let again = reviewer.get(&format!("/proposals/{id}/report")).await;
    assert_eq!(again.text(PLANNED_AREA), first.text(PLANNED_AREA));

    // Returned, changed and submitted again: a second evaluation.
    let staff = app.create_user("reviewer-c", Role::Reviewer, None).await;
    let staff = app.user(staff).await;
    let version = app.proposal_version(id).await;
    xiaozhen::services::reviews::decide(
        &app.db,
        &staff,
        id,
        &DecisionInput::new(Decision::Return, "请核对规划面积", version),
    )
    .await
    .unwrap();
    let mut input = sample_input("缓存小镇");
    input.planned_area_km2 = Some(dec!(3.6));
    let version = app.proposal_version(id).await;
    xiaozhen::services::proposals::save(&app.db, &official, id, version, &input, Vec::new())
        .await
        .unwrap();
    let version = app.proposal_version(id).await;
    xiaozhen::services::proposals::submit(&app.db, &official, id, version)
        .await
        .unwrap();

    let latest = reviewer.get(&format!("/proposals/{id}/report")).await;
    assert!(
        latest.text(PLANNED_AREA).contains("3.6"),
        "{}",
        latest.text(PLANNED_AREA)
    );
    // The first evaluation is still there, with its own figures.
    let first_id: i64 = sqlx::query_scalar("SELECT min(id) FROM evaluations WHERE proposal_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let old = reviewer
        .get(&format!("/proposals/{id}/report?evaluation={first_id}"))
        .await;
    assert!(old.text(PLANNED_AREA).contains("3.2"), "{}", old.text(PLANNED_AREA));
    // And the English page has its own words.
    reviewer.get("/lang/en").await;
    let english = reviewer.get(&format!("/proposals/{id}/report")).await;
    assert_eq!(english.status, 200);
    assert!(
        english.text("#findings").contains("Planned area"),
        "{}",
        english.text("#findings")
    );
}

#[tokio::test]
async fn a_body_kept_for_one_database_is_not_served_for_another() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let official_a = a.official_of("county-a", "诸城市").await;
    let official_b = b.official_of("county-b", "青州市").await;
    let mut input_b = sample_input("乙库小镇");
    input_b.planned_area_km2 = Some(dec!(3.9));
    let id_a = a.submitted(&official_a, &sample_input("甲库小镇")).await;
    let id_b = b.submitted(&official_b, &input_b).await;
    assert_eq!(id_a, id_b, "both databases number their first proposal alike");

    // One cache, two databases: as if the database had been restored
    // under a running server.
    let cache = EvaluationCache::new(1 << 20);
    let mut conn = a.db.acquire().await.unwrap();
    let from_a = list_in(&mut conn, &cache, id_a, Lang::Zh).await.unwrap();
    drop(conn);
    let mut conn = b.db.acquire().await.unwrap();
    let from_b = list_in(&mut conn, &cache, id_b, Lang::Zh).await.unwrap();
    assert_eq!(from_a.len(), 1);
    assert_eq!(from_b.len(), 1);
    assert_eq!(from_b[0].snapshot["name"], "乙库小镇");
    assert_eq!(from_a[0].snapshot["name"], "甲库小镇");
    // Read again from b: still b's.
    let mut conn = b.db.acquire().await.unwrap();
    let again = list_in(&mut conn, &cache, id_b, Lang::Zh).await.unwrap();
    assert_eq!(again[0].snapshot["name"], "乙库小镇");
}
