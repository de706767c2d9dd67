//! Reading GeoJSON, KML and zipped Shapefiles into plain rings in the
//! file's own coordinates. Every count a file declares (zip entries and
//! their sizes, Shapefile records, parts and points, XML nesting) is checked
//! against the limits before anything is allocated from it.

use std::io::{Cursor, Read};

use super::crs::Crs;
use super::{Limits, SpatialError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    Kml,
    Shapefile,
}

impl Format {
    pub fn code(self) -> &'static str {
        match self {
            Format::GeoJson => "geojson",
            Format::Kml => "kml",
            Format::Shapefile => "shapefile",
        }
    }
}

pub(crate) type Ring = Vec<(f64, f64)>;

/// A polygon as read: the outer ring first, then its holes.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawPolygon {
    pub rings: Vec<Ring>,
}

#[derive(Debug)]
pub(crate) struct Raw {
    pub format: Format,
    /// The CRS the file names, if it names one.
    pub declared: Option<Crs>,
    pub polygons: Vec<RawPolygon>,
}

/// Reads a file of any supported format, recognised by its content.
pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<Raw, SpatialError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(SpatialError::TooLarge {
            bytes: bytes.len() as u64,
            limit: limits.max_bytes,
        });
    }
    if bytes.starts_with(b"PK") {
        return read_zip(bytes, limits);
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| SpatialError::UnknownFormat)?;
    match text.trim_start().chars().next() {
        Some('{') => read_geojson(text, limits),
        Some('<') => read_kml(text, limits),
        _ => Err(SpatialError::UnknownFormat),
    }
}

/// Counts vertices and polygons as they are collected.
struct Budget<'a> {
    limits: &'a Limits,
    vertices: usize,
    polygons: usize,
}

impl<'a> Budget<'a> {
    fn new(limits: &'a Limits) -> Self {
        Budget {
            limits,
            vertices: 0,
            polygons: 0,
        }
    }

    fn polygons(&mut self, n: usize) -> Result<(), SpatialError> {
        self.polygons = self.polygons.saturating_add(n);
        if self.polygons > self.limits.max_polygons {
            return Err(SpatialError::TooManyPolygons {
                count: self.polygons,
                limit: self.limits.max_polygons,
            });
        }
        Ok(())
    }

    fn vertices(&mut self, n: usize) -> Result<(), SpatialError> {
        self.vertices = self.vertices.saturating_add(n);
        if self.vertices > self.limits.max_vertices {
            return Err(SpatialError::TooManyVertices {
                count: self.vertices,
                limit: self.limits.max_vertices,
            });
        }
        Ok(())
    }
}

// ---- GeoJSON ----------------------------------------------------------

/// GeoJSON is walked as a plain JSON value: the project's JSON numbers keep
/// their exact text (for decimals), which the `geojson` crate's buffered
/// enums cannot read, and the walk needs only `type`, `coordinates`,
/// `features`, `geometries` and `crs`.
fn read_geojson(text: &str, limits: &Limits) -> Result<Raw, SpatialError> {
    use serde_json::Value;
    let bad = |detail: &str| SpatialError::GeoJson {
        detail: detail.to_string(),
    };
    let root: Value = serde_json::from_str(text).map_err(|e| SpatialError::GeoJson {
        detail: short(&e.to_string()),
    })?;
    let declared = match root.get("crs") {
        None | Some(Value::Null) => None,
        Some(crs) => {
            let name =
                crs.pointer("/properties/name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| SpatialError::UnknownCrs {
                        name: short(&crs.to_string()),
                    })?;
            Some(Crs::from_name(name)?)
        }
    };
    let mut budget = Budget::new(limits);
    let mut polygons = Vec::new();
    let mut stack: Vec<&Value> = vec![&root];
    let mut visited = 0usize;
    while let Some(v) = stack.pop() {
        visited += 1;
        if visited > limits.max_polygons.saturating_mul(2).saturating_add(16) {
            return Err(SpatialError::TooManyPolygons {
                count: visited,
                limit: limits.max_polygons,
            });
        }
        let kind = v
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("an object has no \"type\""))?;
        let list = |key: &str| {
            v.get(key)
                .and_then(Value::as_array)
                .ok_or_else(|| bad(&format!("{kind} has no \"{key}\" list")))
        };
        match kind {
            "FeatureCollection" => stack.extend(list("features")?.iter().rev()),
            "Feature" => match v.get("geometry") {
                None | Some(Value::Null) => {}
                Some(g) => stack.push(g),
            },
            "GeometryCollection" => stack.extend(list("geometries")?.iter().rev()),
            "Polygon" => {
                budget.polygons(1)?;
                polygons.push(json_polygon(list("coordinates")?, &mut budget)?);
            }
            "MultiPolygon" => {
                let parts = list("coordinates")?;
                budget.polygons(parts.len())?;
                for p in parts {
                    let rings = p.as_array().ok_or_else(|| bad("a polygon is not a list of rings"))?;
                    polygons.push(json_polygon(rings, &mut budget)?);
                }
            }
            "Point" | "MultiPoint" | "LineString" | "MultiLineString" => {
                return Err(SpatialError::NotPolygon { kind: kind.to_string() });
            }
            other => return Err(bad(&format!("unknown type {}", short(other)))),
        }
    }
    Ok(Raw {
        format: Format::GeoJson,
        declared,
        polygons,
    })
}

fn json_polygon(rings: &[serde_json::Value], budget: &mut Budget) -> Result<RawPolygon, SpatialError> {
    let bad = |detail: &str| SpatialError::GeoJson {
        detail: detail.to_string(),
    };
    let rings: Vec<&Vec<serde_json::Value>> = rings
        .iter()
        .map(|r| r.as_array().ok_or_else(|| bad("a ring is not a list of positions")))
        .collect::<Result<_, _>>()?;
    budget.vertices(rings.iter().map(|r| r.len()).sum())?;
    let polygon_no = budget.polygons.saturating_sub(1);
    let mut out = RawPolygon::default();
    for ring in rings {
        let mut r = Ring::with_capacity(ring.len());
        for pos in ring {
            let xy = pos
                .as_array()
                .and_then(|p| Some((p.first()?.as_f64()?, p.get(1)?.as_f64()?)));
            r.push(xy.ok_or_else(|| bad("a position is not a pair of numbers"))?);
        }
        if r.first() != r.last() {
            return Err(SpatialError::RingNotClosed { polygon: polygon_no });
        }
        out.rings.push(r);
    }
    Ok(out)
}

// ---- KML --------------------------------------------------------------

/// KML documents are nested folders; deeper than this is not a town plan.
const KML_MAX_DEPTH: usize = 64;

fn read_kml(text: &str, limits: &Limits) -> Result<Raw, SpatialError> {
    prescan_xml(text, limits)?;
    let kml: kml::Kml<f64> = text.parse().map_err(|e: kml::Error| SpatialError::Kml {
        detail: short(&e.to_string()),
    })?;
    let mut budget = Budget::new(limits);
    let mut polygons = Vec::new();
    collect_kml(&kml, &mut budget, &mut polygons)?;
    Ok(Raw {
        format: Format::Kml,
        // KML is always WGS-84 longitude/latitude.
        declared: Some(Crs::LonLat),
        polygons,
    })
}

/// Depth and element count, checked with a streaming reader before the
/// KML reader builds its tree (whose recursion follows the nesting).
fn prescan_xml(text: &str, limits: &Limits) -> Result<(), SpatialError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0usize;
    let mut elements = 0usize;
    // A vertex is at least "x,y" plus a separator.
    let element_limit = limits
        .max_vertices
        .saturating_add(limits.max_polygons.saturating_mul(16));
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => {
                depth += 1;
                elements += 1;
                if depth > KML_MAX_DEPTH {
                    return Err(SpatialError::KmlTooDeep { limit: KML_MAX_DEPTH });
                }
            }
            Ok(Event::Empty(_)) => elements += 1,
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::DocType(_)) => {
                return Err(SpatialError::Kml {
                    detail: "DOCTYPE declarations are not accepted".into(),
                });
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                return Err(SpatialError::Kml {
                    detail: short(&e.to_string()),
                });
            }
        }
        if elements > element_limit {
            return Err(SpatialError::TooManyPolygons {
                count: elements,
                limit: limits.max_polygons,
            });
        }
    }
    Ok(())
}

fn collect_kml(k: &kml::Kml<f64>, budget: &mut Budget, out: &mut Vec<RawPolygon>) -> Result<(), SpatialError> {
    use kml::Kml;
    match k {
        Kml::KmlDocument(d) => d.elements.iter().try_for_each(|e| collect_kml(e, budget, out)),
        Kml::Document { elements, .. } | Kml::Folder(kml::types::Folder { elements, .. }) => {
            elements.iter().try_for_each(|e| collect_kml(e, budget, out))
        }
        Kml::Placemark(p) => match &p.geometry {
            Some(g) => collect_kml_geometry(g, budget, out),
            None => Ok(()),
        },
        Kml::Polygon(p) => kml_polygon(p, budget, out),
        Kml::MultiGeometry(m) => m
            .geometries
            .iter()
            .try_for_each(|g| collect_kml_geometry(g, budget, out)),
        Kml::Point(_) => not_polygon("Point"),
        Kml::LineString(_) => not_polygon("LineString"),
        Kml::LinearRing(_) => not_polygon("LinearRing"),
        // Styles, schemas, descriptions …
        _ => Ok(()),
    }
}

fn collect_kml_geometry(
    g: &kml::types::Geometry<f64>,
    budget: &mut Budget,
    out: &mut Vec<RawPolygon>,
) -> Result<(), SpatialError> {
    use kml::types::Geometry as G;
    match g {
        G::Polygon(p) => kml_polygon(p, budget, out),
        G::MultiGeometry(m) => m
            .geometries
            .iter()
            .try_for_each(|g| collect_kml_geometry(g, budget, out)),
        G::Point(_) => not_polygon("Point"),
        G::LineString(_) => not_polygon("LineString"),
        G::LinearRing(_) => not_polygon("LinearRing"),
        _ => not_polygon("Element"),
    }
}

fn not_polygon(kind: &str) -> Result<(), SpatialError> {
    Err(SpatialError::NotPolygon { kind: kind.to_string() })
}

fn kml_polygon(
    p: &kml::types::Polygon<f64>,
    budget: &mut Budget,
    out: &mut Vec<RawPolygon>,
) -> Result<(), SpatialError> {
    budget.polygons(1)?;
    let polygon_no = budget.polygons - 1;
    let mut raw = RawPolygon::default();
    for ring in std::iter::once(&p.outer).chain(p.inner.iter()) {
        budget.vertices(ring.coords.len())?;
        let r: Ring = ring.coords.iter().map(|c| (c.x, c.y)).collect();
        if r.first() != r.last() {
            return Err(SpatialError::RingNotClosed { polygon: polygon_no });
        }
        raw.rings.push(r);
    }
    out.push(raw);
    Ok(())
}

// ---- Zipped Shapefile ---------------------------------------------------

fn read_zip(bytes: &[u8], limits: &Limits) -> Result<Raw, SpatialError> {
    use crate::xlsx::guard::{Refusal, check_end_records};
    let too_many = |count| SpatialError::ZipTooManyEntries {
        count,
        limit: limits.max_zip_entries,
    };
    check_end_records(bytes, limits.max_zip_entries as u64).map_err(|e| match e {
        Refusal::Exceeded(_) => too_many(limits.max_zip_entries + 1),
        Refusal::Corrupt => SpatialError::Zip {
            detail: "damaged archive".into(),
        },
    })?;
    let zerr = |e: zip::result::ZipError| SpatialError::Zip {
        detail: short(&e.to_string()),
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(zerr)?;
    if zip.len() > limits.max_zip_entries {
        return Err(too_many(zip.len()));
    }
    let mut declared_total = 0u64;
    let mut shp = None;
    let mut prj = None;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(zerr)?;
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        let lower = name.to_ascii_lowercase();
        if [".zip", ".kmz", ".gz", ".7z", ".rar", ".tar"]
            .iter()
            .any(|ext| lower.ends_with(ext))
        {
            return Err(SpatialError::ZipNested { name: short(&name) });
        }
        declared_total = declared_total.saturating_add(entry.size());
        if declared_total > limits.max_unzipped_bytes {
            return Err(SpatialError::ZipTooLarge {
                bytes: declared_total,
                limit: limits.max_unzipped_bytes,
            });
        }
        if lower.ends_with(".shp") {
            if shp.is_some() {
                return Err(SpatialError::ZipManyShapefiles);
            }
            shp = Some(i);
        } else if lower.ends_with(".prj") {
            prj = Some(i);
        }
    }
    let shp = shp.ok_or(SpatialError::ZipNoShapefile)?;
    let shp_bytes = unzip_entry(&mut zip, shp, limits)?;
    let declared = match prj {
        Some(i) => {
            let text = unzip_entry(&mut zip, i, limits)?;
            let text = String::from_utf8_lossy(&text);
            Some(Crs::from_prj(&text)?)
        }
        None => None,
    };
    let polygons = read_shp(&shp_bytes, limits)?;
    Ok(Raw {
        format: Format::Shapefile,
        declared,
        polygons,
    })
}

/// Inflates one entry, never past its declared size (declared sizes can
/// lie: the bytes actually inflated are counted).
fn unzip_entry(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, i: usize, limits: &Limits) -> Result<Vec<u8>, SpatialError> {
    let entry = zip.by_index(i).map_err(|e| SpatialError::Zip {
        detail: short(&e.to_string()),
    })?;
    let declared = entry.size();
    let cap = declared.min(limits.max_unzipped_bytes);
    let mut out = Vec::new();
    let mut limited = entry.take(cap + 1);
    limited.read_to_end(&mut out).map_err(|e| SpatialError::Zip {
        detail: short(&e.to_string()),
    })?;
    if out.len() as u64 > cap {
        return Err(SpatialError::ZipTooLarge {
            bytes: out.len() as u64,
            limit: cap,
        });
    }
    Ok(out)
}

const SHP_HEADER: usize = 100;

fn be_i32(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le_i32(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Walks the record headers of a `.shp`: every record must lie inside the
/// file, be a polygon (or null), and declare parts and points that fit in
/// its own length; the totals must be within the limits.
fn prescan_shp(b: &[u8], limits: &Limits) -> Result<(), SpatialError> {
    let bad = |what: &str| SpatialError::Shapefile {
        detail: what.to_string(),
    };
    if be_i32(b, 0) != Some(9994) || b.len() < SHP_HEADER {
        return Err(bad("not a .shp file"));
    }
    let mut at = SHP_HEADER;
    let mut budget = Budget::new(limits);
    while at < b.len() {
        let words = be_i32(b, at + 4).ok_or_else(|| bad("truncated record header"))?;
        let len = usize::try_from(words)
            .map_err(|_| bad("negative record length"))?
            .saturating_mul(2);
        let content = at + 8;
        let end = content
            .checked_add(len)
            .filter(|e| *e <= b.len())
            .ok_or_else(|| bad("record runs past the end of the file"))?;
        let shape_type = le_i32(b, content).ok_or_else(|| bad("truncated record"))?;
        match shape_type {
            0 => {}
            5 | 15 | 25 => {
                let parts = le_i32(b, content + 36).ok_or_else(|| bad("truncated polygon"))?;
                let points = le_i32(b, content + 40).ok_or_else(|| bad("truncated polygon"))?;
                let (parts, points) = match (usize::try_from(parts), usize::try_from(points)) {
                    (Ok(a), Ok(p)) => (a, p),
                    _ => return Err(bad("negative part or point count")),
                };
                let need = 44u64 + 4 * parts as u64 + 16 * points as u64;
                if need > len as u64 {
                    return Err(bad("a polygon declares more points than its record holds"));
                }
                budget.polygons(1)?;
                budget.vertices(points)?;
            }
            1 | 11 | 21 | 8 | 18 | 28 => return not_polygon("Point"),
            3 | 13 | 23 => return not_polygon("LineString"),
            _ => return Err(bad("unsupported shape type")),
        }
        at = end;
    }
    Ok(())
}

fn read_shp(b: &[u8], limits: &Limits) -> Result<Vec<RawPolygon>, SpatialError> {
    use shapefile::{PolygonRing, Shape};
    prescan_shp(b, limits)?;
    let serr = |e: shapefile::Error| SpatialError::Shapefile {
        detail: short(&e.to_string()),
    };
    let mut reader = shapefile::ShapeReader::new(Cursor::new(b)).map_err(serr)?;
    let mut out = Vec::new();
    for shape in reader.iter_shapes() {
        let rings: Vec<(bool, Ring)> = match shape.map_err(serr)? {
            Shape::NullShape => continue,
            Shape::Polygon(p) => p
                .rings()
                .iter()
                .map(|r| {
                    (
                        matches!(r, PolygonRing::Outer(_)),
                        r.points().iter().map(|p| (p.x, p.y)).collect(),
                    )
                })
                .collect(),
            Shape::PolygonM(p) => p
                .rings()
                .iter()
                .map(|r| {
                    (
                        matches!(r, PolygonRing::Outer(_)),
                        r.points().iter().map(|p| (p.x, p.y)).collect(),
                    )
                })
                .collect(),
            Shape::PolygonZ(p) => p
                .rings()
                .iter()
                .map(|r| {
                    (
                        matches!(r, PolygonRing::Outer(_)),
                        r.points().iter().map(|p| (p.x, p.y)).collect(),
                    )
                })
                .collect(),
            _ => return not_polygon("Element").map(|_| Vec::new()),
        };
        // A record may hold several outer rings; each hole belongs to the
        // outer ring before it (the order the format's writers use).
        for (outer, ring) in rings {
            if ring.first() != ring.last() {
                return Err(SpatialError::RingNotClosed { polygon: out.len() });
            }
            if outer || out.is_empty() {
                out.push(RawPolygon { rings: vec![ring] });
            } else if let Some(last) = out.last_mut() {
                last.rings.push(ring);
            }
        }
    }
    Ok(out)
}

fn short(s: &str) -> String {
    s.chars().take(200).collect()
}
