//! Boundaries (四至范围): each proposal's uploads (versioned; the current one
//! is not retired), the ones frozen with submissions, the control-line
//! layers and their parcels, and spatial results kept by boundary hash and
//! layer version.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use sqlx::types::Json;

/// One upload of a proposal's boundary, without its coordinates.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct BoundaryRow {
    pub id: i64,
    pub proposal_id: i64,
    pub version: i32,
    pub sha256: String,
    pub area_m2: f64,
    pub polygons: i32,
    pub vertices: i32,
    pub source_format: String,
    pub source_epsg: i32,
    pub file_name: String,
    pub uploaded_by_name: String,
    pub uploaded_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "b.id, b.proposal_id, b.version, b.sha256, b.area_m2, b.polygons, b.vertices,
        b.source_format, b.source_epsg, b.file_name, u.display_name AS uploaded_by_name, b.uploaded_at, b.retired_at";

static SELECT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("SELECT {COLUMNS} FROM boundaries b JOIN users u ON u.id = b.uploaded_by"));
static SELECT_TEXT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("SELECT {COLUMNS}, b.geojson FROM boundaries b JOIN users u ON u.id = b.uploaded_by")
});

/// An upload with its GeoJSON, read in one statement.
#[derive(sqlx::FromRow)]
struct WithText {
    #[sqlx(flatten)]
    row: BoundaryRow,
    geojson: String,
}

/// The proposal's current boundary, with its GeoJSON.
pub async fn current(conn: &mut PgConnection, proposal_id: i64) -> sqlx::Result<Option<(BoundaryRow, String)>> {
    let found: Option<WithText> = sqlx::query_as(&format!(
        "{} WHERE b.proposal_id = $1 AND b.retired_at IS NULL",
        *SELECT_TEXT
    ))
    .bind(proposal_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.map(|w| (w.row, w.geojson)))
}

/// Upload `id` of the proposal (current or retired), without coordinates.
pub async fn get(conn: &mut PgConnection, proposal_id: i64, id: i64) -> sqlx::Result<Option<BoundaryRow>> {
    sqlx::query_as(&format!("{} WHERE b.proposal_id = $1 AND b.id = $2", *SELECT))
        .bind(proposal_id)
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The canonical GeoJSON of upload `id`.
pub async fn geojson(conn: &mut PgConnection, id: i64) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT geojson FROM boundaries WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await
}

pub struct NewBoundary<'a> {
    pub proposal_id: i64,
    pub geojson: &'a str,
    pub sha256: &'a str,
    pub area_m2: f64,
    pub polygons: i32,
    pub vertices: i32,
    pub bbox: (f64, f64, f64, f64),
    pub source_format: &'a str,
    pub source_epsg: i32,
    pub file_name: &'a str,
    pub uploaded_by: i64,
}

/// Writes the proposal's next version; returns (id, version).
pub async fn insert(conn: &mut PgConnection, b: NewBoundary<'_>) -> sqlx::Result<(i64, i32)> {
    sqlx::query_as(
        "INSERT INTO boundaries (proposal_id, version, geojson, sha256, area_m2, polygons, vertices,
             min_lon, min_lat, max_lon, max_lat, source_format, source_epsg, file_name, uploaded_by)
         VALUES ($1, (SELECT COALESCE(max(version), 0) + 1 FROM boundaries WHERE proposal_id = $1),
             $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         RETURNING id, version",
    )
    .bind(b.proposal_id)
    .bind(b.geojson)
    .bind(b.sha256)
    .bind(b.area_m2)
    .bind(b.polygons)
    .bind(b.vertices)
    .bind(b.bbox.0)
    .bind(b.bbox.1)
    .bind(b.bbox.2)
    .bind(b.bbox.3)
    .bind(b.source_format)
    .bind(b.source_epsg)
    .bind(b.file_name)
    .bind(b.uploaded_by)
    .fetch_one(conn)
    .await
}

/// Retires the proposal's current boundary; its id and version.
pub async fn retire_current(
    conn: &mut PgConnection,
    proposal_id: i64,
    user_id: i64,
) -> sqlx::Result<Option<(i64, i32)>> {
    sqlx::query_as(
        "UPDATE boundaries SET retired_at = now(), retired_by = $2
         WHERE proposal_id = $1 AND retired_at IS NULL RETURNING id, version",
    )
    .bind(proposal_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

/// Another town's current boundary near a box.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NeighbourRow {
    pub proposal_id: i64,
    pub name: String,
    pub region_id: i64,
    pub region_name: String,
    pub status: String,
    pub geojson: String,
}

/// The current boundaries of other proposals in `statuses` whose boxes meet
/// `bbox` (min lon, min lat, max lon, max lat).
pub async fn neighbours(
    conn: &mut PgConnection,
    proposal_id: i64,
    bbox: (f64, f64, f64, f64),
    statuses: &[&str],
) -> sqlx::Result<Vec<NeighbourRow>> {
    sqlx::query_as(
        "SELECT p.id AS proposal_id, p.name, p.region_id, r.name AS region_name, p.status, b.geojson
         FROM boundaries b JOIN proposals p ON p.id = b.proposal_id JOIN regions r ON r.id = p.region_id
         WHERE b.retired_at IS NULL AND b.proposal_id <> $1 AND p.status = ANY($6)
           AND b.min_lon <= $4 AND b.max_lon >= $2 AND b.min_lat <= $5 AND b.max_lat >= $3
         ORDER BY p.id",
    )
    .bind(proposal_id)
    .bind(bbox.0)
    .bind(bbox.1)
    .bind(bbox.2)
    .bind(bbox.3)
    .bind(statuses)
    .fetch_all(conn)
    .await
}

/// Freezes a boundary with a submission's evaluation, with what was found.
pub async fn freeze(
    conn: &mut PgConnection,
    evaluation_id: i64,
    boundary_id: i64,
    facts: &serde_json::Value,
    context: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO submitted_boundaries (evaluation_id, boundary_id, facts, context) VALUES ($1, $2, $3, $4)")
        .bind(evaluation_id)
        .bind(boundary_id)
        .bind(facts)
        .bind(context)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The boundary frozen with an evaluation: its row and GeoJSON.
pub async fn frozen(conn: &mut PgConnection, evaluation_id: i64) -> sqlx::Result<Option<(BoundaryRow, String)>> {
    let found: Option<WithText> = sqlx::query_as(&format!(
        "{} JOIN submitted_boundaries s ON s.boundary_id = b.id WHERE s.evaluation_id = $1",
        *SELECT_TEXT
    ))
    .bind(evaluation_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.map(|w| (w.row, w.geojson)))
}

/// The boundary facts frozen with each proposal's latest evaluation (the
/// what-if reads them instead of measuring again); proposals whose latest
/// evaluation has no boundary are left out.
pub async fn latest_facts(conn: &mut PgConnection, ids: &[i64]) -> sqlx::Result<Vec<(i64, serde_json::Value)>> {
    sqlx::query_as(
        "SELECT l.proposal_id, s.facts
         FROM (SELECT DISTINCT ON (proposal_id) proposal_id, id FROM evaluations
               WHERE proposal_id = ANY($1) ORDER BY proposal_id, id DESC) l
         JOIN submitted_boundaries s ON s.evaluation_id = l.id",
    )
    .bind(ids)
    .fetch_all(conn)
    .await
}

// ---- Control-line layers ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LayerRow {
    pub id: i64,
    pub kind: String,
    pub version: i32,
    pub name: String,
    pub sha256: String,
    pub parcels: i32,
    pub vertices: i64,
    pub source_format: String,
    pub file_name: String,
    pub uploaded_by_name: String,
    pub uploaded_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
    /// Retired without a replacement (not superseded by a newer version).
    pub withdrawn: bool,
}

const LAYER_SELECT: &str = "SELECT l.id, l.kind, l.version, l.name, l.sha256, l.parcels, l.vertices, l.source_format,
        l.file_name, u.display_name AS uploaded_by_name, l.uploaded_at, l.retired_at, l.withdrawn
     FROM control_layers l JOIN users u ON u.id = l.uploaded_by";

/// Layer version `id`, in force or not.
pub async fn layer(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<LayerRow>> {
    sqlx::query_as(&format!("{LAYER_SELECT} WHERE l.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Withdraws layer `id` if it is in force; its kind and version.
pub async fn withdraw_layer(conn: &mut PgConnection, id: i64, user_id: i64) -> sqlx::Result<Option<(String, i32)>> {
    sqlx::query_as(
        "UPDATE control_layers SET retired_at = now(), retired_by = $2, withdrawn = true
         WHERE id = $1 AND retired_at IS NULL RETURNING kind, version",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

/// The layers in force, one per kind at most.
pub async fn layers_in_force(conn: &mut PgConnection) -> sqlx::Result<Vec<LayerRow>> {
    sqlx::query_as(&format!("{LAYER_SELECT} WHERE l.retired_at IS NULL ORDER BY l.kind"))
        .fetch_all(conn)
        .await
}

/// Every version of every layer, newest first within each kind.
pub async fn all_layers(conn: &mut PgConnection) -> sqlx::Result<Vec<LayerRow>> {
    sqlx::query_as(&format!("{LAYER_SELECT} ORDER BY l.kind, l.version DESC"))
        .fetch_all(conn)
        .await
}

pub struct NewLayer<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub sha256: &'a str,
    pub parcels: i32,
    pub vertices: i64,
    pub source_format: &'a str,
    pub file_name: &'a str,
    pub uploaded_by: i64,
}

/// Retires the layer of `kind` in force; its id and version.
pub async fn retire_layer(conn: &mut PgConnection, kind: &str, user_id: i64) -> sqlx::Result<Option<(i64, i32)>> {
    sqlx::query_as(
        "UPDATE control_layers SET retired_at = now(), retired_by = $2
         WHERE kind = $1 AND retired_at IS NULL RETURNING id, version",
    )
    .bind(kind)
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

/// Writes the next version of a kind's layer; (id, version).
pub async fn insert_layer(conn: &mut PgConnection, l: NewLayer<'_>) -> sqlx::Result<(i64, i32)> {
    sqlx::query_as(
        "INSERT INTO control_layers (kind, version, name, sha256, parcels, vertices, source_format, file_name, uploaded_by)
         VALUES ($1, (SELECT COALESCE(max(version), 0) + 1 FROM control_layers WHERE kind = $1),
             $2, $3, $4, $5, $6, $7, $8)
         RETURNING id, version",
    )
    .bind(l.kind)
    .bind(l.name)
    .bind(l.sha256)
    .bind(l.parcels)
    .bind(l.vertices)
    .bind(l.source_format)
    .bind(l.file_name)
    .bind(l.uploaded_by)
    .fetch_one(conn)
    .await
}

/// One parcel as stored: its polygon's GeoJSON coordinates and box.
pub struct NewParcel {
    pub coordinates: String,
    pub bbox: (f64, f64, f64, f64),
}

/// Writes parcels `first..` of a layer in one statement (keep a batch
/// under ~5,000 rows: 6 parameters each).
pub async fn insert_parcels(
    conn: &mut PgConnection,
    layer_id: i64,
    first: i32,
    parcels: &[NewParcel],
) -> sqlx::Result<()> {
    if parcels.is_empty() {
        return Ok(());
    }
    let mut b = sqlx::QueryBuilder::new(
        "INSERT INTO control_parcels (layer_id, seq, coordinates, min_lon, min_lat, max_lon, max_lat) ",
    );
    b.push_values(parcels.iter().enumerate(), |mut s, (i, p)| {
        s.push_bind(layer_id)
            .push_bind(first + i as i32)
            .push_bind(&p.coordinates)
            .push_bind(p.bbox.0)
            .push_bind(p.bbox.1)
            .push_bind(p.bbox.2)
            .push_bind(p.bbox.3);
    });
    b.build().execute(conn).await.map(|_| ())
}

/// Every parcel of a layer, in order (loaded once per layer version into
/// the spatial index).
pub async fn parcels(conn: &mut PgConnection, layer_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT coordinates FROM control_parcels WHERE layer_id = $1 ORDER BY seq")
        .bind(layer_id)
        .fetch_all(conn)
        .await
}

/// At most `limit` parcels of a layer after `after_seq`, in order: (seq,
/// coordinates).
pub async fn parcel_page(
    conn: &mut PgConnection,
    layer_id: i64,
    after_seq: i32,
    limit: i64,
) -> sqlx::Result<Vec<(i32, String)>> {
    sqlx::query_as(
        "SELECT seq, coordinates FROM control_parcels WHERE layer_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(layer_id)
    .bind(after_seq)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// How a boundary meets a layer, as kept.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LayerResult {
    pub layer_id: i64,
    pub inside_m2: f64,
    pub outside_m2: f64,
    pub parcels: i32,
    pub met: String,
}

/// The kept results of a boundary against the given layers.
pub async fn layer_results(conn: &mut PgConnection, sha256: &str, layer_ids: &[i64]) -> sqlx::Result<Vec<LayerResult>> {
    sqlx::query_as(
        "SELECT layer_id, inside_m2, outside_m2, parcels, met FROM boundary_layer_results
         WHERE boundary_sha256 = $1 AND layer_id = ANY($2)",
    )
    .bind(sha256)
    .bind(layer_ids)
    .fetch_all(conn)
    .await
}

/// Keeps a result (another transaction may have kept the same already).
pub async fn keep_layer_result(conn: &mut PgConnection, sha256: &str, r: &LayerResult) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO boundary_layer_results (boundary_sha256, layer_id, inside_m2, outside_m2, parcels, met)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(sha256)
    .bind(r.layer_id)
    .bind(r.inside_m2)
    .bind(r.outside_m2)
    .bind(r.parcels)
    .bind(&r.met)
    .execute(conn)
    .await
    .map(|_| ())
}

/// What the report reads of a submission's boundary, in the evaluations'
/// own statement: the upload, its GeoJSON, and what was found then.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FrozenBoundary {
    /// Nested, not `#[serde(flatten)]`: with serde_json's arbitrary
    /// precision (on for exact decimals) a flattened struct reads its
    /// numbers as maps and fails.
    pub upload: BoundaryRow,
    pub geojson: String,
    pub facts: serde_json::Value,
    pub context: serde_json::Value,
    /// The towns drawn beside it as they are now (name and status), so that
    /// a town listed since is named (names are display data).
    #[serde(default)]
    pub current: Vec<CurrentTown>,
}

/// A neighbouring town's name and status now.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CurrentTown {
    pub id: i64,
    pub name: String,
    pub status: String,
}

pub type FrozenJson = Option<Json<FrozenBoundary>>;
