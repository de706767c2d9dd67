//! A proposal's boundary checked against a 100,000-polygon control-line
//! layer: the R-tree finds the parcels near the town, and only those are
//! intersected. Target: well under a second per proposal (in practice
//! milliseconds); building the index is paid once per layer version.

use std::hint::black_box;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{Criterion, criterion_group, criterion_main};
use geo::{LineString, MultiPolygon, Polygon};
use xiaozhen::spatial::{LayerIndex, area_m2, multipolygon_geojson, polygon_coordinates, polygon_from_coordinates};

const M_LAT: f64 = 1.0 / 110_852.46;
const M_LON: f64 = 1.0 / 96_486.2;

/// 100,000 parcels of 80 m × 80 m, each a 9-point ring, on a 200 m grid
/// around 30°N 120°E (a 63 km square).
fn layer(n: usize) -> Vec<Polygon<f64>> {
    let side = (n as f64).sqrt().ceil() as usize;
    (0..n)
        .map(|i| {
            let (x, y) = ((i % side) as f64 * 200.0, (i / side) as f64 * 200.0);
            let pts: Vec<(f64, f64)> = [
                (0., 0.),
                (40., 0.),
                (80., 0.),
                (80., 40.),
                (80., 80.),
                (40., 80.),
                (0., 80.),
                (0., 40.),
                (0., 0.),
            ]
            .iter()
            .map(|(dx, dy)| (120.0 + (x + dx) * M_LON, 30.0 + (y + dy) * M_LAT))
            .collect();
            Polygon::new(LineString::from(pts), vec![])
        })
        .collect()
}

/// A town of about 3 km²: a 720-point circle of radius 1 km in the layer.
fn town() -> MultiPolygon<f64> {
    let n = 720;
    let mut pts: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            (120.2 + 1000.0 * a.cos() * M_LON, 30.2 + 1000.0 * a.sin() * M_LAT)
        })
        .collect();
    pts.push(pts[0]);
    MultiPolygon(vec![Polygon::new(LineString::from(pts), vec![])])
}

fn boundaries(c: &mut Criterion) {
    // As the server loads a layer version the first time: from the parcels'
    // stored coordinates (text), parsed and indexed.
    let stored: Vec<String> = layer(100_000).iter().map(polygon_coordinates).collect();
    let started = std::time::Instant::now();
    let index = LayerIndex::new(stored.iter().filter_map(|t| polygon_from_coordinates(t)).collect());
    let built = started.elapsed();
    let town = town();
    // As a submission measures: the area inside and outside, and the
    // parcels met for the map (services::boundaries::measure).
    let started = std::time::Instant::now();
    let (hit, met) = index.check(&town);
    let met_text = multipolygon_geojson(&met);
    let once = started.elapsed();
    println!(
        "100,000-polygon layer: read from its stored text and indexed in {built:.2?}; one 3.1 km² boundary \
         checked in {once:.2?} ({} parcels met, {:.0} m² inside of {:.0} m², {} bytes of parcels for the map)",
        hit.parcels,
        hit.inside_m2,
        area_m2(&town),
        met_text.len()
    );
    let mut group = c.benchmark_group("boundaries");
    group.sample_size(20);
    group.bench_function("check_against_100k_polygon_layer", |b| {
        b.iter(|| index.check(black_box(&town)))
    });
    group.finish();
}

criterion_group!(benches, boundaries);
criterion_main!(benches);
