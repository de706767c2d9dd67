//! Coordinate systems a boundary may come in, and their conversion to
//! longitude/latitude. CGCS2000 and WGS-84 differ by centimetres, well below
//! what a town boundary is drawn to, so both are read as the same
//! longitude/latitude.

use proj4rs::proj::Proj;

use super::SpatialError;

/// The first and last EPSG codes of the CGCS2000 3° Gauss–Krüger zones whose
/// eastings carry the zone number (zones 25–45, 75°E–135°E).
pub const GK_FIRST_EPSG: u32 = 4513;
pub const GK_LAST_EPSG: u32 = 4533;
const FIRST_ZONE: u32 = 25;
const LAST_ZONE: u32 = 45;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    /// WGS-84 or CGCS2000 longitude/latitude in degrees.
    LonLat,
    /// CGCS2000 3° Gauss–Krüger, easting prefixed by the zone number.
    GaussKruger { zone: u32 },
}

impl Crs {
    pub fn epsg(self) -> u32 {
        match self {
            Crs::LonLat => 4490,
            Crs::GaussKruger { zone } => GK_FIRST_EPSG + zone - FIRST_ZONE,
        }
    }

    pub fn label(self) -> String {
        match self {
            Crs::LonLat => "EPSG:4490 / EPSG:4326".to_string(),
            Crs::GaussKruger { zone } => format!("EPSG:{} (CGCS2000 3° zone {zone})", self.epsg()),
        }
    }

    pub fn from_epsg(code: u32) -> Option<Crs> {
        match code {
            4326 | 4490 | 4479 => Some(Crs::LonLat),
            GK_FIRST_EPSG..=GK_LAST_EPSG => Some(Crs::GaussKruger {
                zone: code - GK_FIRST_EPSG + FIRST_ZONE,
            }),
            _ => None,
        }
    }

    /// A CRS named in a GeoJSON `crs` member: "EPSG:4526",
    /// "urn:ogc:def:crs:EPSG::4526", "urn:ogc:def:crs:OGC:1.3:CRS84".
    pub fn from_name(name: &str) -> Result<Crs, SpatialError> {
        let n = name.trim();
        if n.ends_with("CRS84") {
            return Ok(Crs::LonLat);
        }
        let digits: String = n
            .rsplit(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap_or_default()
            .to_string();
        let unknown = || SpatialError::UnknownCrs {
            name: n.chars().take(80).collect(),
        };
        if !n.to_ascii_uppercase().contains("EPSG") || digits.is_empty() || digits.len() > 6 {
            return Err(unknown());
        }
        let code: u32 = digits.parse().map_err(|_| unknown())?;
        Crs::from_epsg(code).ok_or_else(unknown)
    }

    /// The CRS of a Shapefile's `.prj` (ESRI WKT). Geographic systems are
    /// longitude/latitude; a transverse Mercator is accepted when its
    /// central meridian and false easting are those of a numbered 3° zone.
    pub fn from_prj(wkt: &str) -> Result<Crs, SpatialError> {
        let text = wkt.trim();
        let unknown = || SpatialError::UnknownCrs {
            name: text.chars().take(80).collect(),
        };
        if text.starts_with("GEOGCS") || text.starts_with("GEOGCRS") {
            return Ok(Crs::LonLat);
        }
        if !text.starts_with("PROJCS") {
            return Err(unknown());
        }
        let upper = text.to_ascii_uppercase();
        if !(upper.contains("TRANSVERSE_MERCATOR") || upper.contains("GAUSS_KRUGER")) {
            return Err(unknown());
        }
        let cm = wkt_parameter(&upper, "CENTRAL_MERIDIAN").ok_or_else(unknown)?;
        let fe = wkt_parameter(&upper, "FALSE_EASTING").ok_or_else(unknown)?;
        let zone = (cm / 3.0).round();
        if (cm - zone * 3.0).abs() > 1e-9 || !(FIRST_ZONE as f64..=LAST_ZONE as f64).contains(&zone) {
            return Err(unknown());
        }
        if (fe - 500_000.0).abs() < 1e-6 {
            return Err(SpatialError::NoZone);
        }
        if (fe - (zone * 1_000_000.0 + 500_000.0)).abs() > 1e-6 {
            return Err(unknown());
        }
        Ok(Crs::GaussKruger { zone: zone as u32 })
    }

    /// Guesses the CRS of coordinates that declare none: degrees when every
    /// point is a plausible longitude/latitude, a zone when every easting
    /// carries the same zone number.
    pub fn detect(points: impl Iterator<Item = (f64, f64)>) -> Result<Crs, SpatialError> {
        let mut lonlat = true;
        let mut zone: Option<u32> = None;
        let mut projected = true;
        let mut any = false;
        for (x, y) in points {
            any = true;
            if !(x.is_finite() && y.is_finite()) {
                return Err(SpatialError::NonFinite);
            }
            if !((-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y)) {
                lonlat = false;
            }
            let z = (x / 1_000_000.0).floor();
            if (FIRST_ZONE as f64..=LAST_ZONE as f64).contains(&z) && (0.0..10_000_000.0).contains(&y) {
                match zone {
                    None => zone = Some(z as u32),
                    Some(prev) if prev as f64 == z => {}
                    Some(_) => projected = false,
                }
            } else {
                projected = false;
            }
        }
        if !any || lonlat {
            return Ok(Crs::LonLat);
        }
        match (projected, zone) {
            (true, Some(zone)) => Ok(Crs::GaussKruger { zone }),
            _ => {
                // Metres without a zone prefix: eastings around 500 km.
                Err(SpatialError::UnrecognisedCoordinates)
            }
        }
    }
}

fn wkt_parameter(upper_wkt: &str, name: &str) -> Option<f64> {
    let key = format!("PARAMETER[\"{name}\",");
    let start = upper_wkt.find(&key)? + key.len();
    let rest = &upper_wkt[start..];
    let end = rest.find(']')?;
    rest[..end].trim().parse().ok()
}

/// Converts points of one CRS to longitude/latitude degrees.
pub struct ToLonLat {
    projs: Option<(Proj, Proj)>,
}

impl ToLonLat {
    pub fn new(crs: Crs) -> Result<ToLonLat, SpatialError> {
        let projs = match crs {
            Crs::LonLat => None,
            Crs::GaussKruger { zone } => {
                let from = format!(
                    "+proj=tmerc +lat_0=0 +lon_0={} +k=1 +x_0={} +y_0=0 +ellps=GRS80 +units=m +no_defs",
                    zone * 3,
                    zone as u64 * 1_000_000 + 500_000
                );
                let perr = |e: proj4rs::errors::Error| SpatialError::Projection { detail: e.to_string() };
                let from = Proj::from_proj_string(&from).map_err(perr)?;
                let to = Proj::from_proj_string("+proj=longlat +ellps=GRS80 +no_defs").map_err(perr)?;
                Some((from, to))
            }
        };
        Ok(ToLonLat { projs })
    }

    pub fn convert(&self, x: f64, y: f64) -> Result<(f64, f64), SpatialError> {
        if !(x.is_finite() && y.is_finite()) {
            return Err(SpatialError::NonFinite);
        }
        let Some((from, to)) = &self.projs else {
            return Ok((x, y));
        };
        let mut p = (x, y, 0.0);
        proj4rs::transform::transform(from, to, &mut p)
            .map_err(|e| SpatialError::Projection { detail: e.to_string() })?;
        let (lon, lat) = (p.0.to_degrees(), p.1.to_degrees());
        if !(lon.is_finite() && lat.is_finite()) {
            return Err(SpatialError::Projection {
                detail: format!("({x}, {y})"),
            });
        }
        Ok((lon, lat))
    }
}
