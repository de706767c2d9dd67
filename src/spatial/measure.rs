//! Areas on the WGS-84 ellipsoid (geodesic, as geographiclib computes
//! them), never planar areas of degrees.

use geo::algorithm::bool_ops::{BooleanOps, FillRule};
use geo::{BoundingRect, GeodesicArea, Intersects, MultiPolygon};

/// The geodesic area of a multipolygon, holes subtracted, in m².
pub fn area_m2(mp: &MultiPolygon<f64>) -> f64 {
    mp.0.iter().map(|p| p.geodesic_area_unsigned()).sum()
}

/// The area two multipolygons share, in m².
pub fn overlap_m2(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    match (a.bounding_rect(), b.bounding_rect()) {
        (Some(ra), Some(rb)) if ra.intersects(&rb) => {}
        _ => return 0.0,
    }
    area_m2(&a.intersection_with_fill_rule(b, FillRule::NonZero))
}

/// The part of `a` outside `b`, in m².
pub fn outside_m2(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    if b.0.is_empty() {
        return area_m2(a);
    }
    area_m2(&a.boolean_op_with_fill_rule(b, geo::algorithm::bool_ops::OpType::Difference, FillRule::NonZero))
}
