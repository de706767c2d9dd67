//! Town boundaries (四至范围) and control-line layers as geometry: reading
//! GeoJSON, KML and zipped Shapefiles, converting CGCS2000 Gauss–Krüger
//! zones to longitude/latitude, validating, measuring geodesic areas and
//! overlaps, indexing layers, drawing maps as SVG. Pure: no I/O, no web or
//! database types. (Named `spatial` rather than `geo` so that it never
//! shadows the `geo` crate it is built on.)

mod crs;
mod error;
mod formats;
mod index;
mod measure;
mod sample;
pub mod svg;
#[cfg(test)]
mod tests;

use geo::orient::{Direction, Orient};
use geo::{BoundingRect, Coord, LineString, MultiPolygon, Polygon, Validation};
use sha2::{Digest, Sha256};

pub use crs::{Crs, GK_FIRST_EPSG, GK_LAST_EPSG};
pub use error::SpatialError;
pub use formats::Format;
pub use index::{LayerHit, LayerIndex};
pub use measure::{area_m2, overlap_m2};
pub use sample::{sample_boundary, sample_polygon};

/// What an upload may hold. Counts are checked as the file declares them,
/// before anything is allocated from them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_zip_entries: usize,
    pub max_unzipped_bytes: u64,
    pub max_polygons: usize,
    pub max_vertices: usize,
    /// Largest area a single upload may cover, in km²; none for layers.
    pub max_area_km2: Option<f64>,
}

const MIB: u64 = 1024 * 1024;

impl Limits {
    /// A town's boundary: a few km² drawn with at most 100,000 points.
    pub const BOUNDARY: Limits = Limits {
        max_bytes: 10 * MIB,
        max_zip_entries: 16,
        max_unzipped_bytes: 64 * MIB,
        max_polygons: 100,
        max_vertices: 100_000,
        max_area_km2: Some(1000.0),
    };

    /// A control-line layer of a province: hundreds of thousands of parcels.
    pub const LAYER: Limits = Limits {
        max_bytes: 256 * MIB,
        max_zip_entries: 16,
        max_unzipped_bytes: 1024 * MIB,
        max_polygons: 1_000_000,
        max_vertices: 20_000_000,
        max_area_km2: None,
    };
}

/// China's extent in degrees, a box around the mainland, Hainan, Taiwan
/// and the South China Sea islands' latitudes.
pub const CHINA_LON: (f64, f64) = (73.0, 136.0);
pub const CHINA_LAT: (f64, f64) = (3.0, 54.0);

/// Stored coordinates keep 7 decimals of a degree (about a centimetre):
/// the stored GeoJSON and every figure computed from it agree.
const DECIMALS: f64 = 1e7;

/// A validated boundary in longitude/latitude.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    pub shape: MultiPolygon<f64>,
    /// The coordinate system the upload was in.
    pub source_crs: Crs,
    pub format: Format,
}

impl Boundary {
    /// Reads and validates an uploaded boundary file.
    pub fn read(bytes: &[u8], limits: &Limits) -> Result<Boundary, SpatialError> {
        let raw = formats::read(bytes, limits)?;
        let (shape, crs) = to_lonlat(raw.polygons, raw.declared)?;
        let b = Boundary {
            shape: MultiPolygon(shape),
            source_crs: crs,
            format: raw.format,
        };
        b.validate(limits)?;
        Ok(b)
    }

    /// Reads a boundary as this module stores it (GeoJSON MultiPolygon in
    /// longitude/latitude), validated again: a stored text is data too.
    pub fn from_stored(geojson: &str) -> Result<Boundary, SpatialError> {
        Boundary::read(geojson.as_bytes(), &Limits::BOUNDARY).map(|b| Boundary {
            format: Format::GeoJson,
            ..b
        })
    }

    fn validate(&self, limits: &Limits) -> Result<(), SpatialError> {
        if self.shape.0.is_empty() {
            return Err(SpatialError::NoPolygon);
        }
        for (i, p) in self.shape.0.iter().enumerate() {
            check_polygon(i, p)?;
        }
        if let Err(e) = self.shape.check_validation() {
            use geo::algorithm::validation::InvalidMultiPolygon as M;
            return Err(match e {
                M::ElementsOverlaps(a, b) | M::ElementsTouchOnALine(a, b) => SpatialError::PartsOverlap {
                    first: a.0,
                    second: b.0,
                },
                M::InvalidPolygon(i, p) => polygon_error(i.0, p),
            });
        }
        let area = self.area_m2();
        if area <= 0.0 {
            return Err(SpatialError::EmptyArea);
        }
        if let Some(limit) = limits.max_area_km2
            && area / 1e6 > limit
        {
            return Err(SpatialError::AreaTooLarge { km2: area / 1e6, limit });
        }
        Ok(())
    }

    /// Geodesic area on the WGS-84 ellipsoid, in m².
    pub fn area_m2(&self) -> f64 {
        measure::area_m2(&self.shape)
    }

    pub fn vertex_count(&self) -> usize {
        self.shape.0.iter().map(polygon_vertices).sum()
    }

    /// The canonical stored form: a GeoJSON MultiPolygon in
    /// longitude/latitude with 7 decimals.
    pub fn to_geojson(&self) -> String {
        multipolygon_geojson(&self.shape)
    }

    /// SHA-256 of the canonical GeoJSON: spatial results are kept by it.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.to_geojson().as_bytes()))
    }

    /// (min lon, min lat, max lon, max lat).
    pub fn bbox(&self) -> Option<(f64, f64, f64, f64)> {
        self.shape
            .bounding_rect()
            .map(|r| (r.min().x, r.min().y, r.max().x, r.max().y))
    }
}

/// Reads a control-line layer: every polygon on its own, each validated
/// alone (a layer's parcels may touch or overlap one another).
pub fn read_layer(bytes: &[u8], limits: &Limits) -> Result<Vec<Polygon<f64>>, SpatialError> {
    read_layer_file(bytes, limits).map(|(polygons, _)| polygons)
}

/// [`read_layer`], with the format the file was in.
pub fn read_layer_file(bytes: &[u8], limits: &Limits) -> Result<(Vec<Polygon<f64>>, Format), SpatialError> {
    let raw = formats::read(bytes, limits)?;
    let format = raw.format;
    let (polygons, _) = to_lonlat(raw.polygons, raw.declared)?;
    if polygons.is_empty() {
        return Err(SpatialError::NoPolygon);
    }
    for (i, p) in polygons.iter().enumerate() {
        check_polygon(i, p)?;
        p.check_validation().map_err(|e| polygon_error(i, e))?;
    }
    Ok((polygons, format))
}

pub fn multipolygon_geojson(mp: &MultiPolygon<f64>) -> String {
    use std::fmt::Write;
    let mut s = String::from(r#"{"type":"MultiPolygon","coordinates":["#);
    for (i, p) in mp.0.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push('[');
        for (j, ring) in std::iter::once(p.exterior()).chain(p.interiors()).enumerate() {
            if j > 0 {
                s.push(',');
            }
            s.push('[');
            for (k, c) in ring.0.iter().enumerate() {
                if k > 0 {
                    s.push(',');
                }
                let _ = write!(s, "[{},{}]", c.x, c.y);
            }
            s.push(']');
        }
        s.push(']');
    }
    s.push_str("]}");
    s
}

/// A GeoJSON FeatureCollection of the given geometries (GeoJSON texts),
/// without properties: a layer file, as the demo data and tests write one.
pub fn feature_collection(geometries: &[String]) -> String {
    let features: Vec<String> = geometries
        .iter()
        .map(|g| format!(r#"{{"type":"Feature","properties":{{}},"geometry":{g}}}"#))
        .collect();
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))
}

/// Reads a MultiPolygon this module wrote (a stored boundary, the parcels
/// met), without validating it again: for drawing. `None` for anything
/// else.
pub fn parse_multipolygon(geojson: &str) -> Option<MultiPolygon<f64>> {
    #[derive(serde::Deserialize)]
    struct Text {
        coordinates: Vec<Vec<Vec<[f64; 2]>>>,
    }
    let t: Text = serde_json::from_str(geojson).ok()?;
    Some(MultiPolygon(t.coordinates.into_iter().filter_map(polygon_of).collect()))
}

/// A polygon of rings of [lon, lat], the first the outline.
fn polygon_of(rings: Vec<Vec<[f64; 2]>>) -> Option<Polygon<f64>> {
    let mut rings = rings
        .into_iter()
        .map(|r| LineString(r.into_iter().map(|[x, y]| Coord { x, y }).collect()));
    let exterior = rings.next()?;
    Some(Polygon::new(exterior, rings.collect()))
}

/// A polygon's GeoJSON `coordinates` (rings of [lon, lat]), as a layer's
/// parcels are stored.
pub fn polygon_coordinates(p: &Polygon<f64>) -> String {
    let text = multipolygon_geojson(&MultiPolygon(vec![p.clone()]));
    // `{"type":"MultiPolygon","coordinates":[ … ]}` → the one polygon's part.
    let start = r#"{"type":"MultiPolygon","coordinates":["#.len();
    text[start..text.len() - 2].to_string()
}

/// Reads a stored parcel's coordinates back (they were validated when the
/// layer was uploaded); `None` for text that is not rings of [lon, lat].
pub fn polygon_from_coordinates(text: &str) -> Option<Polygon<f64>> {
    polygon_of(serde_json::from_str(text).ok()?)
}

/// Every vertex of a polygon, holes included.
pub fn polygon_vertices(p: &Polygon<f64>) -> usize {
    p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>()
}

/// Checks before geo's validation, with messages of our own: enough
/// points, finite, inside China.
fn check_polygon(i: usize, p: &Polygon<f64>) -> Result<(), SpatialError> {
    for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
        let mut distinct: Vec<Coord<f64>> = ring.0.clone();
        distinct.dedup();
        if distinct.len() < 4 {
            return Err(SpatialError::TooFewPoints { polygon: i });
        }
        for c in &ring.0 {
            if !(c.x.is_finite() && c.y.is_finite()) {
                return Err(SpatialError::NonFinite);
            }
            if !(CHINA_LON.0..=CHINA_LON.1).contains(&c.x) || !(CHINA_LAT.0..=CHINA_LAT.1).contains(&c.y) {
                return Err(SpatialError::OutsideChina { lon: c.x, lat: c.y });
            }
        }
    }
    Ok(())
}

fn polygon_error(i: usize, e: geo::algorithm::validation::InvalidPolygon) -> SpatialError {
    use geo::algorithm::validation::InvalidPolygon as P;
    match e {
        P::SelfIntersection(_) => SpatialError::SelfIntersection { polygon: i },
        P::TooFewPointsInRing(_) => SpatialError::TooFewPoints { polygon: i },
        P::NonFiniteCoord(..) => SpatialError::NonFinite,
        other => SpatialError::Invalid {
            polygon: i,
            detail: other.to_string(),
        },
    }
}

/// Converts raw rings to longitude/latitude polygons, in the declared CRS
/// or, when none is declared, the one the coordinates show.
fn to_lonlat(raw: Vec<formats::RawPolygon>, declared: Option<Crs>) -> Result<(Vec<Polygon<f64>>, Crs), SpatialError> {
    let crs = match declared {
        Some(c) => c,
        None => Crs::detect(raw.iter().flat_map(|p| p.rings.iter().flatten().copied()))?,
    };
    let conv = crs::ToLonLat::new(crs)?;
    let round = |v: f64| (v * DECIMALS).round() / DECIMALS;
    let mut out = Vec::with_capacity(raw.len());
    for p in raw {
        let mut rings = Vec::with_capacity(p.rings.len());
        for r in p.rings {
            let mut coords = Vec::with_capacity(r.len());
            for (x, y) in r {
                let (lon, lat) = conv.convert(x, y)?;
                coords.push(Coord {
                    x: round(lon),
                    y: round(lat),
                });
            }
            rings.push(LineString(coords));
        }
        let mut rings = rings.into_iter();
        let Some(exterior) = rings.next() else {
            continue;
        };
        // One orientation everywhere, so that overlapping parcels of a
        // layer add up (non-zero fill) instead of cancelling.
        out.push(Polygon::new(exterior, rings.collect()).orient(Direction::Default));
    }
    Ok((out, crs))
}
