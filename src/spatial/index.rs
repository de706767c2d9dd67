//! A control-line layer held in an R-tree of bounding boxes, so that a
//! boundary is compared with the few parcels near it, not with all of them.

use geo::{BoundingRect, Intersects, MultiPolygon, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use super::measure;

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

pub struct LayerIndex {
    polygons: Vec<Polygon<f64>>,
    tree: RTree<Entry>,
}

/// How a boundary meets a layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerHit {
    /// The boundary's area inside the layer, m².
    pub inside_m2: f64,
    /// The boundary's area outside the layer, m².
    pub outside_m2: f64,
    /// Parcels of the layer the boundary touches.
    pub parcels: usize,
}

impl LayerIndex {
    pub fn new(polygons: Vec<Polygon<f64>>) -> LayerIndex {
        let entries: Vec<Entry> = polygons
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let r = p.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect();
        LayerIndex {
            polygons,
            tree: RTree::bulk_load(entries),
        }
    }

    pub fn len(&self) -> usize {
        self.polygons.len()
    }

    pub fn is_empty(&self) -> bool {
        self.polygons.is_empty()
    }

    /// The parcels that meet `shape` (by their outlines, not only their boxes).
    pub fn near(&self, shape: &MultiPolygon<f64>) -> Vec<&Polygon<f64>> {
        let Some(r) = shape.bounding_rect() else {
            return Vec::new();
        };
        let envelope = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
        self.tree
            .locate_in_envelope_intersecting(&envelope)
            .map(|e| &self.polygons[e.data])
            .filter(|p| p.intersects(shape))
            .collect()
    }

    /// The boundary's area inside and outside the layer.
    pub fn hit(&self, shape: &MultiPolygon<f64>) -> LayerHit {
        self.check(shape).0
    }

    /// [`hit`](Self::hit) and the parcels met (for a map), from one look-up.
    pub fn check(&self, shape: &MultiPolygon<f64>) -> (LayerHit, MultiPolygon<f64>) {
        let near: Vec<Polygon<f64>> = self.near(shape).into_iter().cloned().collect();
        let parcels = near.len();
        let total = measure::area_m2(shape);
        let layer = MultiPolygon(near);
        if parcels == 0 {
            let hit = LayerHit {
                inside_m2: 0.0,
                outside_m2: total,
                parcels,
            };
            return (hit, layer);
        }
        let hit = LayerHit {
            inside_m2: measure::overlap_m2(shape, &layer),
            outside_m2: measure::outside_m2(shape, &layer),
            parcels,
        };
        (hit, layer)
    }
}
