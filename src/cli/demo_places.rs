//! Where the demonstration towns lie (approximate centres near their real
//! places), and the small control-line layers the demo uploads: a red line
//! touching 恐龙小镇, farmland near 诸城 touching none, and urban development
//! boundaries around the towns, one of which (茶叶小镇, sited on its own)
//! lies partly outside. 柯桥蓝印时尚小镇 is drawn overlapping 越城黄酒小镇,
//! its neighbour in 绍兴.

use crate::spatial::sample_boundary;
use crate::standards::LayerKind;

/// (town, longitude, latitude).
const PLACES: &[(&str, f64, f64)] = &[
    ("德清地理信息小镇", 119.978, 30.542),
    ("吴兴美妆小镇", 119.956, 30.683),
    ("嘉善巧克力甜蜜小镇", 120.931, 30.811),
    ("海宁皮革时尚小镇", 120.637, 30.505),
    ("江北动力小镇", 121.451, 29.965),
    ("越城黄酒小镇", 120.506, 30.038),
    ("上城玉皇山南基金小镇", 120.164, 30.213),
    ("余杭梦想小镇", 119.995, 30.287),
    ("桐庐健康小镇", 119.652, 29.815),
    ("诸暨袜艺小镇", 120.128, 29.803),
    ("柯桥蓝印时尚小镇", 120.522, 30.036),
    ("磐安江南药镇", 120.436, 29.058),
    ("健康美食小镇", 119.410, 35.996),
    ("恐龙小镇", 119.459, 35.925),
    ("茶叶小镇", 119.290, 35.870),
    ("汽车动力小镇", 119.430, 36.040),
    ("智能体验小镇", 119.382, 35.972),
];

/// A plausible boundary of `km2` for the town, or `None` for an unknown name.
pub fn boundary_of(name: &str, km2: f64) -> Option<String> {
    let (_, lon, lat) = PLACES.iter().find(|(n, _, _)| *n == name)?;
    Some(sample_boundary(*lon, *lat, km2, 10))
}

/// The demo's control-line layers: (kind, name, polygons).
pub fn layers() -> Vec<(LayerKind, &'static str, Vec<String>)> {
    let red_line = vec![
        // On 恐龙小镇's eastern edge: its fossil beds are protected.
        sample_boundary(119.472, 35.925, 0.6, 8),
        sample_boundary(119.700, 29.700, 5.0, 8),
        sample_boundary(120.500, 29.100, 3.0, 8),
    ];
    let farmland = vec![
        sample_boundary(119.400, 35.940, 0.8, 8),
        sample_boundary(120.900, 30.760, 1.0, 8),
    ];
    // A development boundary of 30 km² around each town but the
    // independently sited 茶叶小镇, whose boundary it only half covers.
    let development = PLACES
        .iter()
        .map(|(name, lon, lat)| match *name {
            "茶叶小镇" => sample_boundary(lon + 0.03, *lat, 30.0, 12),
            _ => sample_boundary(*lon, *lat, 30.0, 12),
        })
        .collect();
    vec![
        (LayerKind::EcologicalRedLine, "示例生态保护红线（演示数据）", red_line),
        (
            LayerKind::PermanentBasicFarmland,
            "示例永久基本农田（演示数据）",
            farmland,
        ),
        (
            LayerKind::UrbanDevelopmentBoundary,
            "示例城镇开发边界（演示数据）",
            development,
        ),
    ]
}
