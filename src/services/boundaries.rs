//! Boundaries (四至范围): storing a proposal's boundary while it is a draft or
//! returned, measuring it at submission (its area, the other towns it
//! overlaps, the control lines it meets) and freezing it with the
//! evaluation; control-line layers uploaded by admins, held in memory in an
//! R-tree per layer version.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use super::ServiceError;
use super::proposals::audit_entry;
use crate::auth::User;
use crate::db::audit;
use crate::db::boundaries::{self as db, BoundaryRow, LayerResult, LayerRow, NewBoundary, NewLayer, NewParcel};
use crate::db::proposals;
use crate::domain::{Lang, Status};
use crate::spatial::{self, Boundary, LayerIndex, Limits, SpatialError};
use crate::standards::{BoundaryFacts, LayerFact, LayerKind, Overlap};

/// Other towns this far around a boundary's box are drawn on its map.
const NEIGHBOURHOOD_DEG: f64 = 0.02;

/// What the map of a submission draws beside the boundary: the towns near
/// it and the control-line parcels it meets, as found at submission.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MapContext {
    pub neighbours: Vec<Neighbour>,
    pub layers: Vec<LayerShape>,
}

/// Another town's boundary near this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Neighbour {
    pub proposal_id: i64,
    pub name: String,
    pub region_id: i64,
    pub region_name: String,
    /// On the list (listed, named or demoted) when measured.
    pub listed: bool,
    /// The area both boundaries cover, m² (0 when they only lie near).
    pub shared_m2: f64,
    pub geojson: String,
}

/// The parcels of a layer that a boundary meets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerShape {
    pub layer_id: i64,
    pub kind: LayerKind,
    pub name: String,
    pub version: i32,
    pub parcels: i32,
    pub inside_m2: f64,
    pub outside_m2: f64,
    /// A GeoJSON MultiPolygon of the parcels met.
    pub met: String,
}

/// A boundary as measured: what the engine reads, and what the map draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub facts: BoundaryFacts,
    pub context: MapContext,
}

/// Square metres as the engine reads them: whole, never negative.
fn m2(v: f64) -> Decimal {
    Decimal::from_f64(v.max(0.0).round()).unwrap_or_default()
}

// ---- The layers' spatial index, one per layer version ----

/// R-trees by the layer's content hash: a hash names one exact content, so
/// an entry is never stale, whatever database or instance asks. Layers no
/// longer in force are dropped when another one loads.
static INDEXES: LazyLock<RwLock<HashMap<String, Arc<LayerIndex>>>> = LazyLock::new(Default::default);

fn cached(sha256: &str) -> Option<Arc<LayerIndex>> {
    INDEXES.read().ok().and_then(|m| m.get(sha256).cloned())
}

fn keep(sha256: &str, index: Arc<LayerIndex>, in_force: &[String]) {
    if let Ok(mut m) = INDEXES.write() {
        m.retain(|sha, _| in_force.contains(sha));
        m.insert(sha256.to_string(), index);
    }
}

/// Drops every index held in memory; each is read again when next needed
/// (for tests of that path, and to give memory back).
pub fn forget_indexes() {
    if let Ok(mut m) = INDEXES.write() {
        m.clear();
    }
}

/// The index of a layer, read from the database the first time.
async fn index_of(
    conn: &mut PgConnection,
    layer: &LayerRow,
    in_force: &[String],
) -> Result<Arc<LayerIndex>, ServiceError> {
    if let Some(index) = cached(&layer.sha256) {
        return Ok(index);
    }
    let texts = db::parcels(conn, layer.id).await?;
    let index = tokio::task::spawn_blocking(move || {
        let polygons = texts
            .iter()
            .filter_map(|t| spatial::polygon_from_coordinates(t))
            .collect();
        LayerIndex::new(polygons)
    })
    .await
    .map_err(|e| ServiceError::Db(sqlx::Error::Protocol(format!("loading a layer failed: {e}"))))?;
    let index = Arc::new(index);
    keep(&layer.sha256, index.clone(), in_force);
    Ok(index)
}

/// Loads the indexes of the layers in force (before a transaction that
/// measures, so that a first load holds no locks). Elsewhere measuring
/// loads an index when it first needs one.
pub async fn warm(db: &PgPool) -> Result<(), ServiceError> {
    let mut conn = crate::db::acquire(db).await?;
    let layers = db::layers_in_force(&mut conn).await?;
    let hashes: Vec<String> = layers.iter().map(|l| l.sha256.clone()).collect();
    for l in &layers {
        index_of(&mut conn, l, &hashes).await?;
    }
    Ok(())
}

// ---- Measuring ----

/// Measures a proposal's boundary: its area, its overlaps with the other
/// towns that are submitted, approved or on the list, and how it meets each
/// control-line layer in force (kept by boundary hash and layer version).
/// For a submission or a re-evaluation: results not kept yet are kept.
/// Pages and the API use [`measure_for_page`], which writes nothing.
pub async fn measure(conn: &mut PgConnection, proposal_id: i64, b: &Boundary) -> Result<Measured, ServiceError> {
    measure_inner(conn, proposal_id, b, true).await
}

/// [`measure`] for a page (a GET) or the stateless API: results kept are
/// read, the others are computed on the fly and not written, so that
/// opening a page never changes the data (nor empties the page cache).
pub async fn measure_for_page(
    conn: &mut PgConnection,
    proposal_id: i64,
    b: &Boundary,
) -> Result<Measured, ServiceError> {
    measure_inner(conn, proposal_id, b, false).await
}

/// The statuses of the towns a boundary is measured against.
fn measured_statuses() -> Vec<&'static str> {
    [Status::Submitted, Status::Approved]
        .into_iter()
        .chain(Status::ON_CREATION_LIST)
        .map(Status::code)
        .collect()
}

async fn measure_inner(
    conn: &mut PgConnection,
    proposal_id: i64,
    b: &Boundary,
    keep_results: bool,
) -> Result<Measured, ServiceError> {
    let mut facts = BoundaryFacts {
        area_m2: m2(b.area_m2()),
        ..Default::default()
    };
    let mut context = MapContext::default();
    if let Some((x0, y0, x1, y1)) = b.bbox() {
        let d = NEIGHBOURHOOD_DEG;
        let statuses = measured_statuses();
        for n in db::neighbours(conn, proposal_id, (x0 - d, y0 - d, x1 + d, y1 + d), &statuses).await? {
            let Ok(other) = Boundary::from_stored(&n.geojson) else {
                continue;
            };
            let shared = spatial::overlap_m2(&b.shape, &other.shape);
            let listed = Status::from_code(&n.status).is_some_and(Status::is_on_creation_list);
            if m2(shared) > Decimal::ZERO {
                facts.overlaps.push(Overlap {
                    name: listed.then(|| n.name.clone()),
                    proposal_id: Some(n.proposal_id),
                    area_m2: m2(shared),
                });
            }
            context.neighbours.push(Neighbour {
                proposal_id: n.proposal_id,
                name: n.name,
                region_id: n.region_id,
                region_name: n.region_name,
                listed,
                shared_m2: shared,
                geojson: n.geojson,
            });
        }
    }
    for (layer, kind, result) in layer_results(conn, b, keep_results).await? {
        facts.layers.push(LayerFact {
            kind,
            name: layer.name.clone(),
            version: layer.version,
            inside_m2: m2(result.inside_m2),
            outside_m2: m2(result.outside_m2),
        });
        context.layers.push(LayerShape {
            layer_id: layer.id,
            kind,
            name: layer.name.clone(),
            version: layer.version,
            parcels: result.parcels,
            inside_m2: result.inside_m2,
            outside_m2: result.outside_m2,
            met: result.met,
        });
    }
    Ok(Measured { facts, context })
}

/// How `b` meets each layer in force: the kept result, or one computed now
/// (and kept when `keep_results`).
async fn layer_results(
    conn: &mut PgConnection,
    b: &Boundary,
    keep_results: bool,
) -> Result<Vec<(LayerRow, LayerKind, LayerResult)>, ServiceError> {
    let sha = b.hash();
    let layers = db::layers_in_force(conn).await?;
    let ids: Vec<i64> = layers.iter().map(|l| l.id).collect();
    let hashes: Vec<String> = layers.iter().map(|l| l.sha256.clone()).collect();
    let kept: HashMap<i64, LayerResult> = db::layer_results(conn, &sha, &ids)
        .await?
        .into_iter()
        .map(|r| (r.layer_id, r))
        .collect();
    let mut out = Vec::with_capacity(layers.len());
    for layer in layers {
        let Some(kind) = LayerKind::from_code(&layer.kind) else {
            continue;
        };
        let result = match kept.get(&layer.id) {
            Some(r) => r.clone(),
            None => {
                let index = index_of(conn, &layer, &hashes).await?;
                let (hit, met) = index.check(&b.shape);
                let r = LayerResult {
                    layer_id: layer.id,
                    inside_m2: hit.inside_m2,
                    outside_m2: hit.outside_m2,
                    parcels: hit.parcels as i32,
                    met: spatial::multipolygon_geojson(&met),
                };
                if keep_results {
                    db::keep_layer_result(conn, &sha, &r).await?;
                }
                r
            }
        };
        out.push((layer, kind, result));
    }
    Ok(out)
}

/// Computes and keeps how a newly stored boundary meets the layers in force
/// (after its upload's transaction), so that its pages read the results
/// instead of computing them.
async fn keep_layer_results_of(db: &PgPool, b: &Boundary) -> Result<(), ServiceError> {
    let mut conn = crate::db::acquire(db).await?;
    layer_results(&mut conn, b, true).await.map(|_| ())
}

/// The listed towns whose current boundaries lie near `geojson` (for a
/// listed town's public page, which draws their outlines): (name, GeoJSON).
pub async fn listed_near(
    conn: &mut PgConnection,
    proposal_id: i64,
    geojson: &str,
) -> sqlx::Result<Vec<(String, String)>> {
    use geo::BoundingRect;
    let Some(r) = spatial::parse_multipolygon(geojson).and_then(|m| m.bounding_rect()) else {
        return Ok(Vec::new());
    };
    let d = NEIGHBOURHOOD_DEG;
    let statuses: Vec<&str> = Status::ON_CREATION_LIST.into_iter().map(Status::code).collect();
    let near = db::neighbours(
        conn,
        proposal_id,
        (r.min().x - d, r.min().y - d, r.max().x + d, r.max().y + d),
        &statuses,
    )
    .await?;
    Ok(near.into_iter().map(|n| (n.name, n.geojson)).collect())
}

/// The proposal's current boundary with what lies around it now (the towns
/// near it, the parcels it meets), for a page that has checked the viewer
/// may see the proposal: nothing is written.
pub async fn current_for_page(
    db: &PgPool,
    proposal_id: i64,
) -> Result<Option<(BoundaryRow, String, Measured)>, ServiceError> {
    let mut conn = crate::db::acquire(db).await?;
    let Some((row, text)) = db::current(&mut conn, proposal_id).await? else {
        return Ok(None);
    };
    let b = Boundary::from_stored(&text)
        .map_err(|e| ServiceError::Db(sqlx::Error::Protocol(format!("stored boundary {}: {e:?}", row.id))))?;
    let measured = measure_for_page(&mut conn, proposal_id, &b).await?;
    Ok(Some((row, text, measured)))
}

/// A boundary sent with a stateless request (the API), read, validated and
/// measured against the towns and layers as a submission would be; nothing
/// written (anyone may send one: it neither grows the kept results nor
/// empties the page cache).
pub async fn measure_unstored(db: &PgPool, bytes: Vec<u8>) -> Result<BoundaryFacts, Refused> {
    let b = read(bytes, Limits::BOUNDARY).await?;
    let mut conn = crate::db::acquire(db).await?;
    // No proposal has id 0: every other town counts.
    Ok(measure_for_page(&mut conn, 0, &b).await?.facts)
}

/// The proposal's current boundary measured for a submission: its id and
/// what was found; `None` when it has none.
pub async fn for_submission(
    conn: &mut PgConnection,
    proposal_id: i64,
) -> Result<Option<(i64, Measured)>, ServiceError> {
    let Some((row, text)) = db::current(conn, proposal_id).await? else {
        return Ok(None);
    };
    measure_stored(conn, proposal_id, row.id, &text).await
}

/// The boundary frozen with evaluation `evaluation_id`, measured again (a
/// re-evaluation: the layers in force and the other towns may have changed).
pub async fn for_reevaluation(
    conn: &mut PgConnection,
    proposal_id: i64,
    evaluation_id: i64,
) -> Result<Option<(i64, Measured)>, ServiceError> {
    let Some((row, text)) = db::frozen(conn, evaluation_id).await? else {
        return Ok(None);
    };
    measure_stored(conn, proposal_id, row.id, &text).await
}

async fn measure_stored(
    conn: &mut PgConnection,
    proposal_id: i64,
    boundary_id: i64,
    text: &str,
) -> Result<Option<(i64, Measured)>, ServiceError> {
    let b = Boundary::from_stored(text)
        .map_err(|e| ServiceError::Db(sqlx::Error::Protocol(format!("stored boundary {boundary_id}: {e:?}"))))?;
    Ok(Some((boundary_id, measure(conn, proposal_id, &b).await?)))
}

/// Freezes the measured boundary with an evaluation.
pub async fn freeze(conn: &mut PgConnection, evaluation_id: i64, measured: &(i64, Measured)) -> sqlx::Result<()> {
    let (boundary_id, m) = measured;
    let facts = serde_json::to_value(&m.facts).unwrap_or_default();
    let context = serde_json::to_value(&m.context).unwrap_or_default();
    db::freeze(conn, evaluation_id, *boundary_id, &facts, &context).await
}

/// The facts frozen with each proposal's latest evaluation, for the what-if.
pub async fn latest_facts(conn: &mut PgConnection, ids: &[i64]) -> sqlx::Result<HashMap<i64, BoundaryFacts>> {
    Ok(db::latest_facts(conn, ids)
        .await?
        .into_iter()
        .filter_map(|(id, v)| serde_json::from_value(v).ok().map(|f| (id, f)))
        .collect())
}

// ---- Uploads ----

/// Why an upload was refused: a message for the file field.
#[derive(Debug)]
pub enum Refused {
    Service(ServiceError),
    /// The file cannot be a boundary (or a layer).
    File(SpatialError),
    /// No file was chosen.
    NoFile,
    /// A layer's name or kind is missing or wrong (catalogue key).
    Field {
        field: &'static str,
        key: &'static str,
    },
}

impl From<sqlx::Error> for Refused {
    fn from(e: sqlx::Error) -> Self {
        Refused::Service(e.into())
    }
}

impl From<ServiceError> for Refused {
    fn from(e: ServiceError) -> Self {
        Refused::Service(e)
    }
}

impl Refused {
    /// The field it concerns and the message in `lang`.
    pub fn message(&self, lang: Lang) -> Option<(&'static str, String)> {
        match self {
            Refused::Service(_) => None,
            Refused::File(e) => Some(("file", e.message(lang))),
            Refused::NoFile => Some(("file", crate::i18n::t(lang, "boundaries.refused.no_file"))),
            Refused::Field { field, key } => Some((field, crate::i18n::t(lang, key))),
        }
    }
}

/// Reads a boundary off the async workers (validation is CPU work).
pub async fn read(bytes: Vec<u8>, limits: Limits) -> Result<Boundary, Refused> {
    tokio::task::spawn_blocking(move || Boundary::read(&bytes, &limits))
        .await
        // A reader that panicked refuses the file, never the request.
        .unwrap_or(Err(SpatialError::UnknownFormat))
        .map_err(Refused::File)
}

/// Stores a checked boundary as the proposal's next version (the current one
/// is retired), with an audit row. Nothing is stored if anything fails.
pub async fn store(
    db: &PgPool,
    user: &User,
    proposal_id: i64,
    file_name: &str,
    b: &Boundary,
) -> Result<(i64, i32), ServiceError> {
    let geojson = b.to_geojson();
    let sha = b.hash();
    let bbox = b.bbox().unwrap_or_default();
    let file_name = crate::domain::material::safe_file_name(file_name);
    let file_name = if file_name.is_empty() {
        "boundary".to_string()
    } else {
        file_name.chars().take(200).collect()
    };
    let mut tx = crate::db::begin(db).await?;
    super::proposals::lock_editable(&mut tx, user, proposal_id).await?;
    let before = db::retire_current(&mut tx, proposal_id, user.id).await?;
    let (id, version) = db::insert(
        &mut tx,
        NewBoundary {
            proposal_id,
            geojson: &geojson,
            sha256: &sha,
            area_m2: b.area_m2(),
            polygons: b.shape.0.len() as i32,
            vertices: b.vertex_count() as i32,
            bbox,
            source_format: b.format.code(),
            source_epsg: b.source_crs.epsg() as i32,
            file_name: &file_name,
            uploaded_by: user.id,
        },
    )
    .await?;
    let action = if before.is_some() {
        "boundary.replaced"
    } else {
        "boundary.uploaded"
    };
    let after = json!({
        "boundary_id": id,
        "version": version,
        "sha256": sha,
        "area_m2": b.area_m2().round(),
        "name": file_name,
    });
    let before = before.map(|(id, v)| json!({"boundary_id": id, "version": v}));
    audit::record(&mut tx, audit_entry(user, action, proposal_id, before, Some(after))).await?;
    tx.commit().await?;
    // Stored whatever happens here: a result not kept is computed by the
    // pages (without writing) and kept at submission.
    if let Err(e) = keep_layer_results_of(db, b).await {
        tracing::warn!(proposal_id, error = ?e, "keeping the layer results of a new boundary failed");
    }
    Ok((id, version))
}

/// Checks and stores a boundary given whole (the demo data and tests;
/// uploads from browsers come through the handler the same way).
pub async fn store_bytes(
    db: &PgPool,
    user: &User,
    proposal_id: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<(i64, i32), Refused> {
    let b = read(bytes.to_vec(), Limits::BOUNDARY).await?;
    Ok(store(db, user, proposal_id, file_name, &b).await?)
}

/// A made-up boundary of the proposal's planned area (3 km² if none), placed
/// by the proposal's id on a grid over Sichuan and Yunnan so that no two
/// proposals' boundaries overlap (tests and generated data).
pub async fn store_sample(db: &PgPool, user: &User, proposal_id: i64) -> Result<(i64, i32), Refused> {
    use rust_decimal::prelude::ToPrimitive;
    let area = {
        let mut conn = crate::db::acquire(db).await?;
        proposals::get(&mut conn, proposal_id, super::proposals::scope_of(user))
            .await?
            .ok_or(ServiceError::NotFound)?
            .planned_area_km2
            .and_then(|d| d.to_f64())
            .filter(|a| *a > 0.0)
            .unwrap_or(3.0)
    };
    let (column, row) = (proposal_id % 200, (proposal_id / 200) % 100);
    let text = spatial::sample_boundary(98.0 + column as f64 * 0.06, 22.0 + row as f64 * 0.06, area.min(20.0), 8);
    store_bytes(db, user, proposal_id, "sample.geojson", text.as_bytes()).await
}

/// Removes the proposal's current boundary (it stays in submissions that
/// froze it).
pub async fn remove(db: &PgPool, user: &User, proposal_id: i64) -> Result<(), ServiceError> {
    let mut tx = crate::db::begin(db).await?;
    super::proposals::lock_editable(&mut tx, user, proposal_id).await?;
    let (id, version) = db::retire_current(&mut tx, proposal_id, user.id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let before = Some(json!({"boundary_id": id, "version": version}));
    audit::record(
        &mut tx,
        audit_entry(user, "boundary.removed", proposal_id, before, None),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A proposal's current boundary if `user` may see the proposal.
pub async fn current(
    db: &PgPool,
    user: &User,
    proposal_id: i64,
) -> Result<Option<(BoundaryRow, String)>, ServiceError> {
    let mut conn = crate::db::acquire(db).await?;
    proposals::get(&mut conn, proposal_id, super::proposals::scope_of(user))
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(db::current(&mut conn, proposal_id).await?)
}

/// Upload `boundary_id` of a proposal `user` may see, with its GeoJSON.
pub async fn version(
    db: &PgPool,
    user: &User,
    proposal_id: i64,
    boundary_id: i64,
) -> Result<(BoundaryRow, String), ServiceError> {
    let mut conn = crate::db::acquire(db).await?;
    proposals::get(&mut conn, proposal_id, super::proposals::scope_of(user))
        .await?
        .ok_or(ServiceError::NotFound)?;
    let row = db::get(&mut conn, proposal_id, boundary_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let text = db::geojson(&mut conn, row.id).await?;
    Ok((row, text))
}

/// Records that `user` downloaded upload `boundary_id`'s coordinates (by
/// ids only, like the materials' downloads; the audit row does not empty
/// the page cache).
async fn record_download(db: &PgPool, user: &User, proposal_id: i64, boundary_id: i64) -> Result<(), ServiceError> {
    let mut conn = crate::db::acquire(db).await?;
    audit::record(
        &mut conn,
        audit::Entry {
            actor_id: Some(user.id),
            action: "boundary.downloaded",
            entity: "boundary",
            entity_id: Some(boundary_id),
            before: None,
            after: Some(json!({"proposal_id": proposal_id})),
        },
    )
    .await?;
    Ok(())
}

/// The current boundary's coordinates for a download, the download audited.
pub async fn download_current(
    db: &PgPool,
    user: &User,
    proposal_id: i64,
) -> Result<(BoundaryRow, String), ServiceError> {
    let (row, text) = current(db, user, proposal_id).await?.ok_or(ServiceError::NotFound)?;
    record_download(db, user, proposal_id, row.id).await?;
    Ok((row, text))
}

/// Upload `boundary_id`'s coordinates for a download, the download audited.
pub async fn download_version(
    db: &PgPool,
    user: &User,
    proposal_id: i64,
    boundary_id: i64,
) -> Result<(BoundaryRow, String), ServiceError> {
    let found = version(db, user, proposal_id, boundary_id).await?;
    record_download(db, user, proposal_id, boundary_id).await?;
    Ok(found)
}

// ---- Control-line layers ----

/// Parcels written per statement.
const PARCEL_BATCH: usize = 2_000;

/// A layer read and checked, ready to store.
pub struct ReadLayer {
    pub polygons: Vec<geo::Polygon<f64>>,
    pub format: spatial::Format,
}

/// Reads a layer file off the async workers.
pub async fn read_layer(bytes: Vec<u8>) -> Result<ReadLayer, Refused> {
    tokio::task::spawn_blocking(move || {
        spatial::read_layer_file(&bytes, &Limits::LAYER).map(|(polygons, format)| ReadLayer { polygons, format })
    })
    .await
    .unwrap_or(Err(SpatialError::UnknownFormat))
    .map_err(Refused::File)
}

/// Stores a layer as the next version of its kind, retiring the one in
/// force; the parcels are hashed (their canonical GeoJSON, one per line)
/// and the layer's index is kept in memory at once. Returns (id, version).
pub async fn store_layer(
    db: &PgPool,
    user: &User,
    kind: LayerKind,
    name: &str,
    file_name: &str,
    layer: ReadLayer,
) -> Result<(i64, i32), ServiceError> {
    let format = layer.format.code();
    let (parcels, sha, vertices, polygons) = tokio::task::spawn_blocking(move || {
        let mut hasher = Sha256::new();
        let mut vertices = 0i64;
        let parcels: Vec<NewParcel> = layer
            .polygons
            .iter()
            .map(|p| {
                let coordinates = spatial::polygon_coordinates(p);
                hasher.update(coordinates.as_bytes());
                hasher.update(b"\n");
                vertices += spatial::polygon_vertices(p) as i64;
                let r = geo::BoundingRect::bounding_rect(p);
                let bbox = r.map_or((0.0, 0.0, 0.0, 0.0), |r| (r.min().x, r.min().y, r.max().x, r.max().y));
                NewParcel { coordinates, bbox }
            })
            .collect();
        (parcels, hex::encode(hasher.finalize()), vertices, layer.polygons)
    })
    .await
    .map_err(|e| ServiceError::Db(sqlx::Error::Protocol(format!("hashing a layer failed: {e}"))))?;
    let file_name: String = crate::domain::material::safe_file_name(file_name)
        .chars()
        .take(200)
        .collect();
    let mut tx = crate::db::begin(db).await?;
    let before = db::retire_layer(&mut tx, kind.code(), user.id).await?;
    let (id, version) = db::insert_layer(
        &mut tx,
        NewLayer {
            kind: kind.code(),
            name,
            sha256: &sha,
            parcels: parcels.len() as i32,
            vertices,
            source_format: format,
            file_name: if file_name.is_empty() { "layer" } else { &file_name },
            uploaded_by: user.id,
        },
    )
    .await?;
    for (n, chunk) in parcels.chunks(PARCEL_BATCH).enumerate() {
        db::insert_parcels(&mut tx, id, (n * PARCEL_BATCH) as i32, chunk).await?;
    }
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: Some(user.id),
            action: "layer.uploaded",
            entity: "control_layer",
            entity_id: Some(id),
            before: before.map(|(id, v)| json!({"layer_id": id, "version": v})),
            after: Some(json!({
                "kind": kind.code(),
                "version": version,
                "name": name,
                "sha256": sha,
                "parcels": parcels.len(),
            })),
        },
    )
    .await?;
    tx.commit().await?;
    let in_force: Vec<String> = {
        let mut conn = crate::db::acquire(db).await?;
        db::layers_in_force(&mut conn)
            .await?
            .into_iter()
            .map(|l| l.sha256)
            .collect()
    };
    keep(&sha, Arc::new(LayerIndex::new(polygons)), &in_force);
    Ok((id, version))
}

/// Every version of every layer (the admin's list).
pub async fn layers(db: &PgPool) -> sqlx::Result<Vec<LayerRow>> {
    let mut conn = crate::db::acquire(db).await?;
    db::all_layers(&mut conn).await
}

/// Withdraws layer `layer_id` (it must be in force) without a replacement:
/// it no longer counts in checks, its version and parcels are kept, the
/// withdrawal audited. A later upload of its kind is the next version.
pub async fn withdraw_layer(db: &PgPool, user: &User, layer_id: i64) -> Result<(), ServiceError> {
    let mut tx = crate::db::begin(db).await?;
    let layer = db::layer(&mut tx, layer_id).await?.ok_or(ServiceError::NotFound)?;
    let (kind, version) = db::withdraw_layer(&mut tx, layer_id, user.id)
        .await?
        .ok_or(ServiceError::WrongState)?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: Some(user.id),
            action: "layer.withdrawn",
            entity: "control_layer",
            entity_id: Some(layer_id),
            before: Some(json!({"kind": kind, "version": version, "name": layer.name, "in_force": true})),
            after: Some(json!({"in_force": false, "withdrawn": true})),
        },
    )
    .await?;
    tx.commit().await?;
    // Its index is no longer needed (a layer of the same content in force
    // under another version would load it again).
    if let Ok(mut m) = INDEXES.write() {
        m.remove(&layer.sha256);
    }
    Ok(())
}

/// Layer `layer_id` (any version) for an admin's download, audited.
pub async fn layer_for_download(db: &PgPool, user: &User, layer_id: i64) -> Result<LayerRow, ServiceError> {
    let mut conn = crate::db::acquire(db).await?;
    let layer = db::layer(&mut conn, layer_id).await?.ok_or(ServiceError::NotFound)?;
    audit::record(
        &mut conn,
        audit::Entry {
            actor_id: Some(user.id),
            action: "layer.downloaded",
            entity: "control_layer",
            entity_id: Some(layer_id),
            before: None,
            after: Some(json!({"kind": layer.kind, "version": layer.version})),
        },
    )
    .await?;
    Ok(layer)
}

/// Parcels of a layer after `after_seq` (exclusive), at most `limit`, as
/// (seq, GeoJSON Polygon coordinates): a download reads them page by page.
pub async fn parcel_page(db: &PgPool, layer_id: i64, after_seq: i32, limit: i64) -> sqlx::Result<Vec<(i32, String)>> {
    let mut conn = crate::db::acquire(db).await?;
    db::parcel_page(&mut conn, layer_id, after_seq, limit).await
}
