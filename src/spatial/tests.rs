//! Areas against known figures, each format, hostile files, overlaps,
//! layers and maps.

use std::io::{Cursor, Write};

use geo::{LineString, MultiPolygon, Polygon};

use super::*;
use crate::domain::Lang;

/// Degrees per metre at 30°N on the WGS-84 ellipsoid (meridian and
/// parallel arc lengths of one degree there: 110,852.46 m and 96,486.2 m).
const DEG_LAT_PER_M_30N: f64 = 1.0 / 110_852.46;
const DEG_LON_PER_M_30N: f64 = 1.0 / 96_486.2;

/// An axis-aligned rectangle of `w_m` × `h_m` metres whose south-west corner
/// is (lon, lat), as a ring of [lon, lat] pairs (closed).
fn rect(lon: f64, lat: f64, w_m: f64, h_m: f64) -> Vec<[f64; 2]> {
    let (dx, dy) = (w_m * DEG_LON_PER_M_30N, h_m * DEG_LAT_PER_M_30N);
    vec![
        [lon, lat],
        [lon + dx, lat],
        [lon + dx, lat + dy],
        [lon, lat + dy],
        [lon, lat],
    ]
}

fn ring_json(r: &[[f64; 2]]) -> String {
    let pts: Vec<String> = r.iter().map(|[x, y]| format!("[{x},{y}]")).collect();
    format!("[{}]", pts.join(","))
}

fn polygon_geojson(rings: &[Vec<[f64; 2]>]) -> String {
    let rs: Vec<String> = rings.iter().map(|r| ring_json(r)).collect();
    format!(r#"{{"type":"Polygon","coordinates":[{}]}}"#, rs.join(","))
}

fn read(text: &str) -> Result<Boundary, SpatialError> {
    Boundary::read(text.as_bytes(), &Limits::BOUNDARY)
}

fn mp(ring: Vec<[f64; 2]>) -> MultiPolygon<f64> {
    MultiPolygon(vec![Polygon::new(
        LineString::from(ring.into_iter().map(|[x, y]| (x, y)).collect::<Vec<_>>()),
        vec![],
    )])
}

fn within(actual: f64, expected: f64, rel: f64) -> bool {
    ((actual - expected) / expected).abs() <= rel
}

#[test]
fn one_km_square_at_30n_is_one_km2_within_a_thousandth() {
    // Centred on 30°N so the arc lengths above hold on both edges.
    let lat = 30.0 - 500.0 * DEG_LAT_PER_M_30N;
    let b = read(&polygon_geojson(&[rect(120.0, lat, 1000.0, 1000.0)])).unwrap();
    let area = b.area_m2();
    assert!(within(area, 1_000_000.0, 0.001), "area {area}");
    assert_eq!(b.source_crs, Crs::LonLat);
    assert_eq!(b.format, Format::GeoJson);
}

#[test]
fn a_hole_is_subtracted() {
    let lat = 30.0;
    let outer = rect(120.0, lat, 2000.0, 2000.0);
    let mut hole = rect(
        120.0 + 500.0 * DEG_LON_PER_M_30N,
        lat + 500.0 * DEG_LAT_PER_M_30N,
        1000.0,
        1000.0,
    );
    hole.reverse();
    let b = read(&polygon_geojson(&[outer, hole])).unwrap();
    assert!(within(b.area_m2(), 3_000_000.0, 0.002), "area {}", b.area_m2());
}

#[test]
fn a_feature_collection_of_two_parts_sums_its_parts() {
    let a = polygon_geojson(&[rect(120.0, 30.0, 1000.0, 1000.0)]);
    let c = polygon_geojson(&[rect(120.1, 30.0, 1000.0, 2000.0)]);
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{}},"geometry":{a}}},{{"type":"Feature","properties":{{"name":"东片"}},"geometry":{c}}}]}}"#
    );
    let b = read(&text).unwrap();
    assert_eq!(b.shape.0.len(), 2);
    assert!(within(b.area_m2(), 3_000_000.0, 0.002));
}

/// A 1 km square in CGCS2000 3° zone 40 (central meridian 120°E), near
/// 30°N, on the central meridian where the scale factor is 1.
fn gk_square() -> Vec<[f64; 2]> {
    let (x, y) = (40_500_000.0 - 500.0, 3_320_000.0);
    vec![
        [x, y],
        [x + 1000.0, y],
        [x + 1000.0, y + 1000.0],
        [x, y + 1000.0],
        [x, y],
    ]
}

#[test]
fn gauss_kruger_zone_coordinates_are_recognised_and_converted() {
    let b = read(&polygon_geojson(&[gk_square()])).unwrap();
    assert_eq!(b.source_crs, Crs::GaussKruger { zone: 40 });
    assert_eq!(b.source_crs.epsg(), 4528);
    assert!(within(b.area_m2(), 1_000_000.0, 0.001), "area {}", b.area_m2());
    let (min_lon, min_lat, max_lon, _) = b.bbox().unwrap();
    assert!(
        (min_lon - 119.9948).abs() < 0.001 && (max_lon - 120.0052).abs() < 0.001,
        "{min_lon} {max_lon}"
    );
    assert!((min_lat - 29.99).abs() < 0.05, "{min_lat}");
}

#[test]
fn a_declared_crs_in_geojson_is_used() {
    let text = format!(
        r#"{{"type":"Feature","crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::4528"}}}},"properties":{{}},"geometry":{}}}"#,
        polygon_geojson(&[gk_square()])
    );
    assert_eq!(read(&text).unwrap().source_crs, Crs::GaussKruger { zone: 40 });
    let wrong = text.replace("4528", "3857");
    let e = read(&wrong).unwrap_err();
    assert!(matches!(e, SpatialError::UnknownCrs { .. }));
    assert!(e.message(Lang::Zh).contains("EPSG:4513–4533"));
}

#[test]
fn projected_metres_without_a_zone_are_refused_with_advice() {
    let ring: Vec<[f64; 2]> = gk_square().into_iter().map(|[x, y]| [x - 40_000_000.0, y]).collect();
    let e = read(&polygon_geojson(&[ring])).unwrap_err();
    assert_eq!(e, SpatialError::UnrecognisedCoordinates);
}

#[test]
fn prj_files_name_their_zone() {
    let zone40 = r#"PROJCS["CGCS2000_3_Degree_GK_Zone_40",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",40500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    assert_eq!(Crs::from_prj(zone40).unwrap(), Crs::GaussKruger { zone: 40 });
    let cm = zone40.replace("40500000.0", "500000.0");
    assert_eq!(Crs::from_prj(&cm).unwrap_err(), SpatialError::NoZone);
    assert_eq!(Crs::from_prj(r#"GEOGCS["GCS_WGS_1984"]"#).unwrap(), Crs::LonLat);
}

#[test]
fn kml_polygons_are_read() {
    let ring = rect(116.3, 39.9, 1000.0, 1500.0);
    let coords: Vec<String> = ring.iter().map(|[x, y]| format!("{x},{y},0")).collect();
    let kml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder><Placemark><name>小镇</name>
<Polygon><outerBoundaryIs><LinearRing><coordinates>{}</coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark></Folder></Document></kml>"#,
        coords.join(" ")
    );
    let b = read(&kml).unwrap();
    assert_eq!(b.format, Format::Kml);
    // 30°N degree lengths used at 39.9°N: 1000 m of longitude there is
    // 1000 × cos 39.9° / cos 30° ≈ 886 m, so the area is about 1.33 km².
    assert!(
        b.area_m2() > 1_320_000.0 && b.area_m2() < 1_340_000.0,
        "{}",
        b.area_m2()
    );
}

#[test]
fn deeply_nested_kml_is_refused_before_parsing() {
    let kml = format!("<kml>{}{}</kml>", "<Folder>".repeat(200), "</Folder>".repeat(200));
    assert_eq!(read(&kml).unwrap_err(), SpatialError::KmlTooDeep { limit: 64 });
}

fn shp_bytes(rings: &[Vec<[f64; 2]>]) -> Vec<u8> {
    use shapefile::{Point, PolygonRing};
    let mut cur = Cursor::new(Vec::new());
    {
        let mut w = shapefile::ShapeWriter::new(&mut cur);
        for r in rings {
            // Shapefile outer rings run clockwise.
            let mut pts: Vec<Point> = r.iter().map(|[x, y]| Point::new(*x, *y)).collect();
            pts.reverse();
            w.write_shape(&shapefile::Polygon::new(PolygonRing::Outer(pts)))
                .unwrap();
        }
        w.finalize().unwrap();
    }
    cur.into_inner()
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut cur = Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut cur);
        for (name, data) in entries {
            z.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap();
    }
    cur.into_inner()
}

#[test]
fn zipped_shapefiles_are_read_with_their_prj() {
    let shp = shp_bytes(&[gk_square()]);
    let prj = br#"PROJCS["CGCS2000_3_Degree_GK_Zone_40",PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",40500000.0],PARAMETER["Central_Meridian",120.0]]"#;
    let z = zip_of(&[("town/town.shp", &shp), ("town/town.prj", prj)]);
    let b = Boundary::read(&z, &Limits::BOUNDARY).unwrap();
    assert_eq!(b.format, Format::Shapefile);
    assert_eq!(b.source_crs, Crs::GaussKruger { zone: 40 });
    assert!(within(b.area_m2(), 1_000_000.0, 0.001));
}

#[test]
fn a_nested_zip_is_refused() {
    let inner = zip_of(&[("a.shp", b"x")]);
    let z = zip_of(&[("inner.zip", &inner)]);
    assert!(matches!(
        Boundary::read(&z, &Limits::BOUNDARY),
        Err(SpatialError::ZipNested { .. })
    ));
}

#[test]
fn a_zip_declaring_too_much_is_refused_before_inflating() {
    let big = vec![0u8; 2 * 1024 * 1024];
    let z = zip_of(&[("a.shp", &big)]);
    let limits = Limits {
        max_unzipped_bytes: 1024 * 1024,
        ..Limits::BOUNDARY
    };
    assert!(matches!(
        Boundary::read(&z, &limits),
        Err(SpatialError::ZipTooLarge { .. })
    ));
}

#[test]
fn too_many_zip_entries_are_refused() {
    let names: Vec<String> = (0..20).map(|i| format!("f{i}.txt")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    let z = zip_of(&entries);
    assert!(matches!(
        Boundary::read(&z, &Limits::BOUNDARY),
        Err(SpatialError::ZipTooManyEntries { .. })
    ));
}

#[test]
fn a_shapefile_declaring_ten_million_points_is_refused_before_reading_them() {
    let mut shp = shp_bytes(&[rect(120.0, 30.0, 1000.0, 1000.0)]);
    // The record's point count (after the 8-byte header, type, box, parts).
    let at = 100 + 8 + 40;
    shp[at..at + 4].copy_from_slice(&10_000_000i32.to_le_bytes());
    let z = zip_of(&[("a.shp", &shp)]);
    let e = Boundary::read(&z, &Limits::BOUNDARY).unwrap_err();
    assert!(matches!(e, SpatialError::Shapefile { .. }), "{e:?}");
}

#[test]
fn ten_million_vertices_are_refused_by_count() {
    // A real 10-million-point polygon would be a 200 MB file, refused by
    // size; counts are checked for files within the size limit too.
    let limits = Limits {
        max_vertices: 1000,
        ..Limits::BOUNDARY
    };
    let n = 2000;
    let mut ring: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            [120.0 + 0.01 * a.cos(), 30.0 + 0.01 * a.sin()]
        })
        .collect();
    ring.push(ring[0]);
    let e = Boundary::read(polygon_geojson(&[ring]).as_bytes(), &limits).unwrap_err();
    assert_eq!(
        e,
        SpatialError::TooManyVertices {
            count: 2001,
            limit: 1000
        }
    );
    let huge = vec![b' '; (Limits::BOUNDARY.max_bytes + 1) as usize];
    assert!(matches!(
        Boundary::read(&huge, &Limits::BOUNDARY),
        Err(SpatialError::TooLarge { .. })
    ));
}

#[test]
fn a_self_intersecting_bowtie_is_refused() {
    let bowtie = vec![
        [120.0, 30.0],
        [120.01, 30.01],
        [120.01, 30.0],
        [120.0, 30.01],
        [120.0, 30.0],
    ];
    let e = read(&polygon_geojson(&[bowtie])).unwrap_err();
    assert_eq!(e, SpatialError::SelfIntersection { polygon: 0 });
    assert_eq!(e.message(Lang::Zh), "第 1 个面的边界自相交");
}

#[test]
fn an_open_ring_is_refused() {
    let mut r = rect(120.0, 30.0, 1000.0, 1000.0);
    r.pop();
    assert_eq!(
        read(&polygon_geojson(&[r])).unwrap_err(),
        SpatialError::RingNotClosed { polygon: 0 }
    );
}

#[test]
fn a_boundary_outside_china_is_refused() {
    // Latitude and longitude swapped: (30, 120) is not a place.
    let swapped = vec![[30.0, 80.0], [30.01, 80.0], [30.01, 80.01], [30.0, 80.01], [30.0, 80.0]];
    let e = read(&polygon_geojson(&[swapped])).unwrap_err();
    assert!(matches!(e, SpatialError::OutsideChina { .. }));
    assert!(e.message(Lang::Zh).contains("不在中国境内"));
    let paris = rect(2.35, 48.85, 1000.0, 1000.0);
    assert!(matches!(
        read(&polygon_geojson(&[paris])).unwrap_err(),
        SpatialError::OutsideChina { .. }
    ));
}

#[test]
fn points_and_lines_are_not_boundaries() {
    let e = read(r#"{"type":"LineString","coordinates":[[120,30],[120.1,30.1]]}"#).unwrap_err();
    assert_eq!(
        e,
        SpatialError::NotPolygon {
            kind: "LineString".into()
        }
    );
    assert!(matches!(read("not a file").unwrap_err(), SpatialError::UnknownFormat));
    assert!(matches!(read("{").unwrap_err(), SpatialError::GeoJson { .. }));
}

#[test]
fn overlapping_parts_of_one_boundary_are_refused() {
    let a = polygon_geojson(&[rect(120.0, 30.0, 1000.0, 1000.0)]);
    let b = polygon_geojson(&[rect(120.0 + 500.0 * DEG_LON_PER_M_30N, 30.0, 1000.0, 1000.0)]);
    let text = format!(r#"{{"type":"GeometryCollection","geometries":[{a},{b}]}}"#);
    assert!(matches!(read(&text).unwrap_err(), SpatialError::PartsOverlap { .. }));
}

#[test]
fn overlap_of_two_squares_offset_by_half_is_half_a_km2() {
    let a = mp(rect(120.0, 30.0, 1000.0, 1000.0));
    let b = mp(rect(120.0 + 500.0 * DEG_LON_PER_M_30N, 30.0, 1000.0, 1000.0));
    let shared = overlap_m2(&a, &b);
    assert!(within(shared, 500_000.0, 0.002), "{shared}");
    let far = mp(rect(121.0, 30.0, 1000.0, 1000.0));
    assert_eq!(overlap_m2(&a, &far), 0.0);
}

#[test]
fn stored_geojson_round_trips_with_the_same_hash_and_area() {
    let b = read(&polygon_geojson(&[gk_square()])).unwrap();
    let stored = b.to_geojson();
    let again = Boundary::from_stored(&stored).unwrap();
    assert_eq!(again.shape, b.shape);
    assert_eq!(again.hash(), b.hash());
    assert_eq!(b.hash().len(), 64);
}

/// A grid of `n` parcels of 100 m × 100 m with 100 m gaps, from (lon, lat).
pub(super) fn grid_layer(n: usize, lon: f64, lat: f64) -> Vec<Polygon<f64>> {
    let side = (n as f64).sqrt().ceil() as usize;
    (0..n)
        .map(|i| {
            let (cx, cy) = ((i % side) as f64 * 200.0, (i / side) as f64 * 200.0);
            let ring = rect(lon + cx * DEG_LON_PER_M_30N, lat + cy * DEG_LAT_PER_M_30N, 100.0, 100.0);
            Polygon::new(
                LineString::from(ring.into_iter().map(|[x, y]| (x, y)).collect::<Vec<_>>()),
                vec![],
            )
        })
        .collect()
}

#[test]
fn a_layer_index_finds_the_parcels_and_the_area_inside_them() {
    let layer = LayerIndex::new(grid_layer(10_000, 120.0, 30.0));
    // 350 m × 350 m from the grid's origin: 2 × 2 whole parcels.
    let town = mp(rect(120.0, 30.0, 350.0, 350.0));
    let hit = layer.hit(&town);
    assert_eq!(hit.parcels, 4);
    assert!(within(hit.inside_m2, 40_000.0, 0.003), "{}", hit.inside_m2);
    assert!(within(hit.outside_m2, 82_500.0, 0.003), "{}", hit.outside_m2);
    let elsewhere = mp(rect(125.0, 35.0, 400.0, 400.0));
    assert_eq!(layer.hit(&elsewhere).parcels, 0);
}

#[test]
fn layers_read_every_polygon_and_refuse_bad_ones() {
    let a = polygon_geojson(&[rect(120.0, 30.0, 100.0, 100.0)]);
    let b = polygon_geojson(&[rect(120.0005, 30.0, 100.0, 100.0)]);
    // Parcels of a layer may overlap one another; each must be valid.
    let text = format!(r#"{{"type":"GeometryCollection","geometries":[{a},{b}]}}"#);
    assert_eq!(read_layer(text.as_bytes(), &Limits::LAYER).unwrap().len(), 2);
    let bowtie = r#"{"type":"Polygon","coordinates":[[[120,30],[120.01,30.01],[120.01,30],[120,30.01],[120,30]]]}"#;
    assert!(read_layer(bowtie.as_bytes(), &Limits::LAYER).is_err());
}

#[test]
fn the_map_draws_the_boundary_neighbours_scale_bar_and_north_arrow() {
    let town = mp(rect(120.0, 30.0, 1500.0, 1000.0));
    let neighbour = mp(rect(120.0 + 1500.0 * DEG_LON_PER_M_30N, 30.0, 800.0, 800.0));
    let svg = svg::draw(&svg::Map {
        title: "健康<美食>小镇 1.5 km²".into(),
        boundary: &town,
        others: vec![svg::Shape {
            style: svg::Style::Neighbour,
            label: "另一申报项目".into(),
            shape: &neighbour,
        }],
        simplify_m: None,
        lang: Lang::Zh,
    })
    .unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("健康&lt;美食&gt;小镇"), "title escaped");
    assert_eq!(svg.matches("<path").count(), 3, "neighbour, boundary, arrow");
    assert!(
        svg.contains("class=\"scale-bar\"") && svg.contains(">200 米</text>"),
        "{svg}"
    );
    assert!(svg.contains("class=\"north-arrow\""));
    assert!(!svg.contains("href"), "nothing fetched");
}

#[test]
fn a_boundary_is_checked_against_a_100k_polygon_layer_in_well_under_a_second() {
    let layer = LayerIndex::new(grid_layer(100_000, 120.0, 30.0));
    assert_eq!(layer.len(), 100_000);
    // About 3 km² in the middle of the grid (a 63 km square).
    let town = mp(rect(120.2, 30.2, 1700.0, 1800.0));
    let started = std::time::Instant::now();
    let hit = layer.hit(&town);
    let took = started.elapsed();
    println!(
        "100,000-polygon layer: one boundary checked in {took:?} ({} parcels met)",
        hit.parcels
    );
    assert!(hit.parcels > 50);
    // Even unoptimised (a debug build) the check is far below a second.
    assert!(took < std::time::Duration::from_secs(1), "{took:?}");
}

#[test]
fn sample_boundaries_have_the_area_asked_for_and_are_valid() {
    for (lon, lat, km2, sides) in [(120.1, 30.2, 3.2, 8), (119.9, 28.9, 1.0, 7), (121.4, 31.2, 4.8, 12)] {
        let text = sample_boundary(lon, lat, km2, sides);
        let b = read(&text).expect("a valid boundary");
        let measured = b.area_m2() / 1e6;
        assert!((measured - km2).abs() / km2 < 0.005, "{measured} for {km2}");
        assert_eq!(b.to_geojson(), text, "already canonical");
        // The same arguments, the same polygon.
        assert_eq!(sample_boundary(lon, lat, km2, sides), text);
    }
}
