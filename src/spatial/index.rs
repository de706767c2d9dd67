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
        let near: Vec<Polygon<f64>> = self.near(shape).into_iter().cloned().collect();
        let parcels = near.len();
        let total = measure::area_m2(shape);
        if parcels == 0 {
            return LayerHit {
                inside_m2: 0.0,
                outside_m2: total,
                parcels,
            };
        }
        let layer = MultiPolygon(near);
        let inside = measure::overlap_m2(shape, &layer);
        LayerHit {
            inside_m2: inside,
            outside_m2: measure::outside_m2(shape, &layer),
            parcels,
        }
    }

    /// The parts of the layer within `shape`'s neighbourhood, for a map.
    pub fn clip(&self, shape: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        MultiPolygon(self.near(shape).into_iter().cloned().collect())
    }
}
