//! Maps drawn on the server as SVG: the boundary, neighbouring towns, the
//! control-line parcels near it, a scale bar and a north arrow. Nothing is
//! fetched from anywhere; the picture is text in the page.

use std::fmt::Write;

use geo::{BoundingRect, MultiPolygon, Simplify};

use crate::domain::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Boundary,
    Neighbour,
    RedLine,
    Farmland,
    DevelopmentBoundary,
}

impl Style {
    fn css(self) -> (&'static str, &'static str, &'static str) {
        // (fill, stroke, dash)
        match self {
            Style::Boundary => ("rgba(37,99,235,0.18)", "#1d4ed8", ""),
            Style::Neighbour => ("rgba(107,114,128,0.15)", "#6b7280", "4 3"),
            Style::RedLine => ("rgba(220,38,38,0.25)", "#b91c1c", ""),
            Style::Farmland => ("rgba(202,138,4,0.25)", "#a16207", ""),
            Style::DevelopmentBoundary => ("none", "#15803d", "6 3"),
        }
    }
}

pub struct Shape<'a> {
    pub style: Style,
    pub label: String,
    pub shape: &'a MultiPolygon<f64>,
}

pub struct Map<'a> {
    /// The accessible title, e.g. the town's name and area.
    pub title: String,
    pub boundary: &'a MultiPolygon<f64>,
    /// Drawn under the boundary, in order.
    pub others: Vec<Shape<'a>>,
    /// Outlines simplified to about this many metres (public pages).
    pub simplify_m: Option<f64>,
    pub lang: Lang,
}

const WIDTH: f64 = 640.0;
const MARGIN: f64 = 0.15;
const METRES_PER_DEGREE: f64 = 111_320.0;

/// The map as an `<svg>` element. None when the boundary is empty.
pub fn draw(map: &Map) -> Option<String> {
    let r = map.boundary.bounding_rect()?;
    let lat0 = (r.min().y + r.max().y) / 2.0;
    let kx = lat0.to_radians().cos() * METRES_PER_DEGREE;
    let ky = METRES_PER_DEGREE;
    // The view in metres, the boundary's box widened by a margin.
    let (w_m, h_m) = (
        ((r.max().x - r.min().x) * kx).max(50.0),
        ((r.max().y - r.min().y) * ky).max(50.0),
    );
    let (pad_x, pad_y) = (w_m * MARGIN, h_m * MARGIN);
    let (view_w, view_h) = (w_m + 2.0 * pad_x, h_m + 2.0 * pad_y);
    let scale = WIDTH / view_w;
    let height = (view_h * scale).clamp(240.0, 800.0);
    let scale = scale.min(height / view_h);
    let (x0, y1) = (r.min().x * kx - pad_x, r.max().y * ky + pad_y);
    let project = |lon: f64, lat: f64| ((lon * kx - x0) * scale, (y1 - lat * ky) * scale);
    let simplify_deg = map.simplify_m.map(|m| m / METRES_PER_DEGREE);
    let path = |mp: &MultiPolygon<f64>| -> String {
        let simplified;
        let mp = match simplify_deg {
            Some(eps) => {
                simplified = mp.simplify(eps);
                &simplified
            }
            None => mp,
        };
        let mut d = String::new();
        for p in &mp.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                for (i, c) in ring.0.iter().enumerate() {
                    let (x, y) = project(c.x, c.y);
                    let _ = write!(d, "{}{:.1},{:.1}", if i == 0 { 'M' } else { 'L' }, x, y);
                }
                d.push('Z');
            }
        }
        d
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="boundary-map" viewBox="0 0 {WIDTH:.0} {height:.0}" width="{WIDTH:.0}" height="{height:.0}" role="img" aria-labelledby="map-title"><title id="map-title">{}</title>"#,
        escape(&map.title)
    );
    let _ = write!(
        s,
        r##"<defs><clipPath id="map-view"><rect width="{WIDTH:.0}" height="{height:.0}"/></clipPath></defs><rect width="{WIDTH:.0}" height="{height:.0}" fill="#f8fafc" stroke="#cbd5e1"/><g clip-path="url(#map-view)">"##
    );
    let own = Shape {
        style: Style::Boundary,
        label: map.title.clone(),
        shape: map.boundary,
    };
    let shapes = map.others.iter().chain(std::iter::once(&own));
    for sh in shapes {
        let (fill, stroke, dash) = sh.style.css();
        let _ = write!(
            s,
            r#"<path d="{}" fill="{fill}" fill-rule="evenodd" stroke="{stroke}" stroke-width="{}"{}><title>{}</title></path>"#,
            path(sh.shape),
            if sh.style == Style::Boundary { 2 } else { 1 },
            if dash.is_empty() {
                String::new()
            } else {
                format!(r#" stroke-dasharray="{dash}""#)
            },
            escape(&sh.label)
        );
    }
    s.push_str("</g>");
    scale_bar(&mut s, scale, height, map.lang);
    north_arrow(&mut s);
    s.push_str("</svg>");
    Some(s)
}

/// A bar of a round length (1, 2 or 5 × 10ⁿ m) about a quarter of the width.
fn scale_bar(s: &mut String, px_per_m: f64, height: f64, lang: Lang) {
    let target = WIDTH / 4.0 / px_per_m;
    let mag = 10f64.powf(target.log10().floor());
    let len_m = [5.0, 2.0, 1.0]
        .iter()
        .map(|f| f * mag)
        .find(|l| *l <= target)
        .unwrap_or(mag);
    let px = len_m * px_per_m;
    let label = if len_m >= 1000.0 {
        format!("{} {}", len_m / 1000.0, if lang == Lang::Zh { "公里" } else { "km" })
    } else {
        format!("{} {}", len_m, if lang == Lang::Zh { "米" } else { "m" })
    };
    let (x, y) = (16.0, height - 18.0);
    let _ = write!(
        s,
        r##"<g class="scale-bar"><rect x="{x}" y="{y:.1}" width="{px:.1}" height="5" fill="#111827"/><text x="{x}" y="{:.1}" font-size="12" fill="#111827">{label}</text></g>"##,
        y - 4.0
    );
}

fn north_arrow(s: &mut String) {
    let x = WIDTH - 28.0;
    let _ = write!(
        s,
        r##"<g class="north-arrow"><path d="M{x},12 L{},40 L{x},33 L{},40 Z" fill="#111827"/><text x="{x}" y="54" font-size="12" text-anchor="middle" fill="#111827">N</text></g>"##,
        x + 8.0,
        x - 8.0
    );
}

fn escape(t: &str) -> String {
    let mut o = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}
