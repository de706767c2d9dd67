//! Plausible boundaries made up for demonstration data and tests: a
//! slightly irregular polygon of a given area around a point.

use geo::{Coord, LineString, MultiPolygon, Polygon};

/// Metres per degree of latitude, and of longitude at the equator.
const M_PER_DEG_LAT: f64 = 110_574.0;
const M_PER_DEG_LON: f64 = 111_320.0;

/// A GeoJSON MultiPolygon of about `area_km2` (within a few tenths of a
/// percent, geodesically) centred on (lon, lat): a `sides`-gon whose corners
/// are pulled in and out a little, so that it does not look drawn with a
/// ruler. The same arguments give the same polygon.
pub fn sample_boundary(lon: f64, lat: f64, area_km2: f64, sides: usize) -> String {
    super::multipolygon_geojson(&MultiPolygon(vec![sample_polygon(lon, lat, area_km2, sides)]))
}

/// [`sample_boundary`] as a polygon.
pub fn sample_polygon(lon: f64, lat: f64, area_km2: f64, sides: usize) -> Polygon<f64> {
    // An even count, so that the radii alternate all the way round.
    let n = sides.max(4).div_ceil(2) * 2;
    // Radii alternate by ±12%; the polygon's area is then the regular
    // polygon's times (1 − 0.12²), which the mean radius makes up for.
    let wobble = 0.12;
    let step = std::f64::consts::TAU / n as f64;
    let regular = n as f64 / 2.0 * step.sin();
    // Adjacent radii r(1+w) and r(1−w): each triangle's area is ½ r² (1 − w²) sin(step).
    let r_m = (area_km2 * 1e6 / (regular * (1.0 - wobble * wobble))).sqrt();
    let (kx, ky) = (M_PER_DEG_LON * lat.to_radians().cos(), M_PER_DEG_LAT);
    let round = |v: f64| (v * 1e7).round() / 1e7;
    let mut ring: Vec<Coord<f64>> = (0..n)
        .map(|i| {
            let a = 0.3 + i as f64 * step;
            let r = r_m * if i % 2 == 0 { 1.0 + wobble } else { 1.0 - wobble };
            Coord {
                x: round(lon + r * a.cos() / kx),
                y: round(lat + r * a.sin() / ky),
            }
        })
        .collect();
    ring.push(ring[0]);
    Polygon::new(LineString(ring), vec![])
}
