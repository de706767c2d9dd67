//! Migrations over a database that holds data from before them, as an
//! installation upgrading does: the migrations up to a point are applied,
//! rows are written as the application of that time wrote them, then the
//! rest are applied and the data must be intact.

use std::borrow::Cow;
use std::str::FromStr;

use sqlx::migrate::Migrator;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};
use xiaozhen::domain::Lang;
use xiaozhen::standards::{Rendered, builtin, evaluate};

/// The first migration of the boundaries (built-in identity, then the
/// boundaries' tables).
const BOUNDARIES_FIRST: i64 = 20261207040000;

/// A database of its own on the tests' server, dropped at the end.
struct Database {
    name: String,
    pool: PgPool,
}

impl Database {
    async fn new() -> Database {
        let server = PgConnectOptions::from_str(&crate::helpers::server_url()).expect("DATABASE_URL parses");
        let name = format!("xz_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect_with(&server).await.expect("the server answers");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("database created");
        admin.close().await.ok();
        let pool = xiaozhen::db::pool(server.database(&name)).await.expect("connected");
        Database { name, pool }
    }

    async fn drop_it(self) {
        self.pool.close().await;
        let server = PgConnectOptions::from_str(&crate::helpers::server_url()).unwrap();
        if let Ok(mut admin) = PgConnection::connect_with(&server).await {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
                .execute(&mut admin)
                .await;
        }
    }
}

/// The application's migrations before `version`.
fn migrations_before(version: i64) -> Migrator {
    Migrator {
        migrations: Cow::Owned(
            xiaozhen::db::MIGRATOR
                .iter()
                .filter(|m| m.version < version)
                .cloned()
                .collect(),
        ),
        ..Migrator::DEFAULT
    }
}

async fn findings_of(db: &PgPool, evaluation_id: i64) -> serde_json::Value {
    sqlx::query_scalar("SELECT findings FROM evaluations WHERE id = $1")
        .bind(evaluation_id)
        .fetch_one(db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_boundaries_migrations_apply_to_a_database_holding_data_from_before_them() {
    let database = Database::new().await;
    let db = &database.pool;
    let before = migrations_before(BOUNDARIES_FIRST);
    assert!(before.iter().count() >= 20, "the earlier migrations");
    before
        .run(db)
        .await
        .expect("the migrations before the boundaries apply");

    // What that release's start-up wrote: the built-in versions it shipped
    // (up to 4; version 5 brings the boundary criteria), ZJ-2015 v4 active;
    // a region, an official, a submitted proposal with its evaluation and
    // audit row — in one transaction, as the services write (the deferred
    // data-version triggers fire at its end).
    let shipped: Vec<_> = builtin().iter().filter(|s| s.version <= 4).collect();
    assert!(shipped.len() >= 8);
    let mut tx = db.begin().await.unwrap();
    for s in &shipped {
        sqlx::query(
            "INSERT INTO standards (code, version, name_zh, name_en, effective_from, definition, content_hash,
                 status, builtin)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'published', true)",
        )
        .bind(&s.code)
        .bind(s.version)
        .bind(&s.name_zh)
        .bind(&s.name_en)
        .bind(s.effective_from)
        .bind(sqlx::types::Json(*s))
        .bind(xiaozhen::db::standards::content_hash(s))
        .execute(&mut *tx)
        .await
        .expect("a built-in version as stored then");
    }
    let standard_id: i64 = sqlx::query_scalar(
        "UPDATE standards SET status = 'active', activated_at = now()
         WHERE code = 'ZJ-2015' AND version = 4 RETURNING id",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let region: i64 = sqlx::query_scalar("INSERT INTO regions (name) VALUES ('旧数据县') RETURNING id")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let user: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, role, region_id, password_hash)
         VALUES ('old-official', '旧用户', 'official', $1, 'x') RETURNING id",
    )
    .bind(region)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let proposal = xiaozhen::domain::proposal::sample_proposal();
    let proposal_id: i64 = sqlx::query_scalar(
        "INSERT INTO proposals (region_id, name, status, revision, created_by, updated_by)
         VALUES ($1, '旧数据小镇', 'submitted', 1, $2, $2) RETURNING id",
    )
    .bind(region)
    .bind(user)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let zj4 = shipped.iter().find(|s| s.code == "ZJ-2015" && s.version == 4).unwrap();
    let evaluation = evaluate(&proposal, zj4);
    let evaluation_id: i64 = sqlx::query_scalar(
        "INSERT INTO evaluations (proposal_id, proposal_revision, standard_id, standard_code, standard_version,
             snapshot, findings, rendered, overall, created_by)
         VALUES ($1, 1, $2, 'ZJ-2015', 4, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(proposal_id)
    .bind(standard_id)
    .bind(proposal.to_json())
    .bind(sqlx::types::Json(&evaluation.findings))
    .bind(sqlx::types::Json(Rendered::of(&evaluation)))
    .bind(evaluation.overall.code())
    .bind(user)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO audit_log (actor_id, action, entity, entity_id, before, after)
         VALUES ($1, 'proposal.submitted', 'proposal', $2, NULL, '{}')",
    )
    .bind(user)
    .bind(proposal_id)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let findings_before = findings_of(db, evaluation_id).await;

    // The rest: the boundaries and everything after.
    xiaozhen::db::migrate(db)
        .await
        .expect("the remaining migrations apply over the data");

    // Each built-in row knows the number it shipped as; start-up then adds
    // the new versions beside them and keeps the active one.
    let unshipped: i64 =
        sqlx::query_scalar("SELECT count(*) FROM standards WHERE builtin AND shipped_version IS DISTINCT FROM version")
            .fetch_one(db)
            .await
            .unwrap();
    assert_eq!(unshipped, 0);
    let mut conn = db.acquire().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    xiaozhen::db::standards::sync_builtin(&mut tx)
        .await
        .expect("start-up accepts the stored built-in versions");
    tx.commit().await.unwrap();
    let active: (String, i32) = sqlx::query_as("SELECT code, version FROM standards WHERE status = 'active'")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(
        active,
        ("ZJ-2015".to_string(), 4),
        "the installation keeps its active version"
    );
    let v5: i64 = sqlx::query_scalar("SELECT count(*) FROM standards WHERE builtin AND version = 5")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(v5, 2, "ZJ-2015 and CN-2021 version 5 added");

    // The records are as they were, and read as the pages read them.
    let (name, status, revision): (String, String, i32) =
        sqlx::query_as("SELECT name, status, revision FROM proposals WHERE id = $1")
            .bind(proposal_id)
            .fetch_one(db)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), status.as_str(), revision),
        ("旧数据小镇", "submitted", 1)
    );
    assert_eq!(findings_of(db, evaluation_id).await, findings_before);
    let cache = xiaozhen::db::evaluations::EvaluationCache::new(1 << 20);
    let listed = xiaozhen::db::evaluations::list_in(&mut conn, &cache, proposal_id, Lang::Zh)
        .await
        .expect("the report's statement reads an evaluation from before the boundaries");
    assert_eq!(listed.len(), 1);
    assert!(listed[0].boundary.is_none(), "no boundary was frozen with it");
    assert_eq!(listed[0].rendered.get(Lang::Zh).len(), evaluation.findings.len());
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE entity_id = $1")
        .bind(proposal_id)
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(audited, 1);
    // The new tables take rows over the old data: a boundary for the old
    // proposal, measured against nothing.
    let boundary = xiaozhen::spatial::sample_boundary(120.1, 30.2, 3.2, 8);
    let stored: i64 = sqlx::query_scalar(
        "INSERT INTO boundaries (proposal_id, version, geojson, sha256, area_m2, polygons, vertices,
             min_lon, min_lat, max_lon, max_lat, source_format, source_epsg, file_name, uploaded_by)
         VALUES ($1, 1, $2, repeat('a', 64), 3200000, 1, 9, 120, 30, 121, 31, 'geojson', 4326, 'b.geojson', $3)
         RETURNING id",
    )
    .bind(proposal_id)
    .bind(&boundary)
    .bind(user)
    .fetch_one(db)
    .await
    .expect("a boundary of an old proposal");
    assert!(stored > 0);
    drop(conn);
    database.drop_it().await;
}
