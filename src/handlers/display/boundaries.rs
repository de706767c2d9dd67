//! What pages show of a boundary (四至范围): the map drawn on the server as
//! SVG, its area, a text alternative and the GeoJSON link — on the boundary
//! page, the report and the public town page — and whose names a viewer may
//! read (DESIGN.md "Boundaries": to an official, a town of another region is
//! named only once it is listed; reviewers and admins see names; public
//! pages draw the listed town's simplified outline only, never a layer, and
//! link no coordinates).

use geo::MultiPolygon;
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use super::format::format_time;
use crate::auth::User;
use crate::db::boundaries::{BoundaryRow, FrozenBoundary};
use crate::domain::{Lang, Role, Status};
use crate::i18n;
use crate::services::boundaries::{MapContext, Neighbour};
use crate::spatial::svg::{self, Shape, Style};
use crate::spatial::{self, Crs};
use crate::standards::LayerKind;
use crate::standards::boundary::area_text;

/// Public outlines are simplified to about this many metres.
const PUBLIC_SIMPLIFY_M: f64 = 25.0;

/// One line of the map's text alternative.
pub struct AltRow {
    /// `neighbour`, `layer` or `boundary` (a class for the page).
    pub kind: &'static str,
    pub label: String,
    pub value: String,
}

/// Which upload is drawn.
pub struct FileLine {
    pub boundary_id: i64,
    pub version: i32,
    pub file_name: String,
    pub format: String,
    pub crs: String,
    pub sha256: String,
    pub at: String,
}

/// A boundary as a page shows it.
pub struct MapView {
    /// The `<svg>` element, everything in it escaped by the drawer.
    pub svg: String,
    pub area: String,
    pub rows: Vec<AltRow>,
    pub file: Option<FileLine>,
    /// Where its coordinates download as GeoJSON (signed-in pages only).
    pub download: Option<String>,
}

fn m2(v: f64) -> Decimal {
    Decimal::from_f64(v.max(0.0).round()).unwrap_or_default()
}

/// Whether `viewer` may read a neighbouring town's name.
pub fn may_name(n: &Neighbour, viewer: &User) -> bool {
    match viewer.role {
        Role::Reviewer | Role::Admin => true,
        Role::Official | Role::City | Role::Expert => n.listed || viewer.region_id == Some(n.region_id),
    }
}

fn neighbour_name(n: &Neighbour, viewer: &User, lang: Lang) -> String {
    if may_name(n, viewer) {
        n.name.clone()
    } else {
        i18n::t(lang, "boundaries.other_proposal")
    }
}

fn style(kind: LayerKind) -> Style {
    match kind {
        LayerKind::EcologicalRedLine => Style::RedLine,
        LayerKind::PermanentBasicFarmland => Style::Farmland,
        LayerKind::UrbanDevelopmentBoundary => Style::DevelopmentBoundary,
    }
}

impl FileLine {
    fn of(row: &BoundaryRow, lang: Lang) -> FileLine {
        let epsg = row.source_epsg;
        FileLine {
            boundary_id: row.id,
            version: row.version,
            file_name: row.file_name.clone(),
            format: i18n::t(lang, &format!("boundaries.format.{}", row.source_format)),
            crs: u32::try_from(epsg)
                .ok()
                .and_then(Crs::from_epsg)
                .map_or_else(|| format!("EPSG:{epsg}"), Crs::label),
            sha256: row.sha256.clone(),
            at: format_time(row.uploaded_at),
        }
    }
}

/// The map of a boundary with what lies around it, as found when it was
/// measured; `None` when the stored text does not read.
pub fn map(
    name: &str,
    geojson: &str,
    area_m2: f64,
    context: &MapContext,
    viewer: &User,
    lang: Lang,
) -> Option<(String, String, Vec<AltRow>)> {
    let shape = spatial::parse_multipolygon(geojson)?;
    let area = area_text(m2(area_m2), lang);
    let mut rows = vec![AltRow {
        kind: "boundary",
        label: i18n::t(lang, "boundaries.area"),
        value: area.clone(),
    }];
    let neighbours: Vec<(MultiPolygon<f64>, String)> = context
        .neighbours
        .iter()
        .filter_map(|n| {
            let shape = spatial::parse_multipolygon(&n.geojson)?;
            let label = neighbour_name(n, viewer, lang);
            let shared = if n.shared_m2 >= 0.5 {
                i18n::t(lang, "boundaries.shared").replace("{area}", &area_text(m2(n.shared_m2), lang))
            } else {
                i18n::t(lang, "boundaries.near")
            };
            rows.push(AltRow {
                kind: "neighbour",
                label: label.clone(),
                value: shared.clone(),
            });
            Some((shape, format!("{label} · {shared}")))
        })
        .collect();
    let layers: Vec<(MultiPolygon<f64>, Style, String)> = context
        .layers
        .iter()
        .map(|l| {
            let label = i18n::t(lang, "boundaries.layer_label")
                .replace("{kind}", l.kind.label(lang))
                .replace("{name}", &l.name)
                .replace("{version}", &l.version.to_string());
            let value = match l.kind {
                LayerKind::UrbanDevelopmentBoundary => {
                    i18n::t(lang, "boundaries.outside").replace("{area}", &area_text(m2(l.outside_m2), lang))
                }
                _ => i18n::t(lang, "boundaries.inside").replace("{area}", &area_text(m2(l.inside_m2), lang)),
            };
            rows.push(AltRow {
                kind: "layer",
                label: label.clone(),
                value,
            });
            let met = spatial::parse_multipolygon(&l.met).unwrap_or(MultiPolygon(vec![]));
            (met, style(l.kind), label)
        })
        .collect();
    let mut others: Vec<Shape> = layers
        .iter()
        .filter(|(m, _, _)| !m.0.is_empty())
        .map(|(shape, style, label)| Shape {
            style: *style,
            label: label.clone(),
            shape,
        })
        .collect();
    others.extend(neighbours.iter().map(|(shape, label)| Shape {
        style: Style::Neighbour,
        label: label.clone(),
        shape,
    }));
    let title = i18n::t(lang, "boundaries.map_title")
        .replace("{name}", name)
        .replace("{area}", &area);
    let drawn = svg::draw(&svg::Map {
        title,
        boundary: &shape,
        others,
        simplify_m: None,
        lang,
    })?;
    Some((drawn, area, rows))
}

/// The boundary a submission froze, as the report shows it, with a link to
/// that upload's coordinates.
pub fn frozen_view(fb: &FrozenBoundary, name: &str, viewer: &User, lang: Lang) -> Option<MapView> {
    let mut context: MapContext = serde_json::from_value(fb.context.clone()).unwrap_or_default();
    // Names follow the towns' status now: a town listed since is named.
    for n in &mut context.neighbours {
        if let Some(now) = fb.current.iter().find(|t| t.id == n.proposal_id) {
            n.name = now.name.clone();
            n.listed = Status::from_code(&now.status).is_some_and(Status::is_on_creation_list);
        }
    }
    let download = format!("/proposals/{}/boundaries/{}", fb.upload.proposal_id, fb.upload.id);
    current_view(&fb.upload, &fb.geojson, &context, name, viewer, lang).map(|v| MapView {
        download: Some(download),
        ..v
    })
}

/// A proposal's current boundary with what it meets now.
pub fn current_view(
    row: &BoundaryRow,
    geojson: &str,
    context: &MapContext,
    name: &str,
    viewer: &User,
    lang: Lang,
) -> Option<MapView> {
    let (svg, area, rows) = map(name, geojson, row.area_m2, context, viewer, lang)?;
    Some(MapView {
        svg,
        area,
        rows,
        file: Some(FileLine::of(row, lang)),
        download: Some(format!("/proposals/{}/boundary.geojson", row.proposal_id)),
    })
}

/// A listed town's outline for the public: simplified, with the outlines of
/// the listed towns near it (named: the list is public), never a layer, and
/// without coordinates to download.
pub fn public_view(
    name: &str,
    geojson: &str,
    area_m2: f64,
    neighbours: &[(String, String)],
    lang: Lang,
) -> Option<MapView> {
    let shape = spatial::parse_multipolygon(geojson)?;
    let area = area_text(m2(area_m2), lang);
    let mut rows = vec![AltRow {
        kind: "boundary",
        label: i18n::t(lang, "boundaries.area"),
        value: area.clone(),
    }];
    let nearby = i18n::t(lang, "boundaries.nearby_listed");
    let shapes: Vec<(MultiPolygon<f64>, String)> = neighbours
        .iter()
        .filter_map(|(town, text)| {
            let shape = spatial::parse_multipolygon(text)?;
            rows.push(AltRow {
                kind: "neighbour",
                label: town.clone(),
                value: nearby.clone(),
            });
            Some((shape, format!("{town} · {nearby}")))
        })
        .collect();
    let svg = svg::draw(&svg::Map {
        title: i18n::t(lang, "boundaries.map_title")
            .replace("{name}", name)
            .replace("{area}", &area),
        boundary: &shape,
        others: shapes
            .iter()
            .map(|(shape, label)| Shape {
                style: Style::Neighbour,
                label: label.clone(),
                shape,
            })
            .collect(),
        simplify_m: Some(PUBLIC_SIMPLIFY_M),
        lang,
    })?;
    Some(MapView {
        svg,
        rows,
        area,
        file: None,
        download: None,
    })
}
