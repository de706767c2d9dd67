//! Boundary criteria (四至范围, DESIGN.md "Boundaries"): the town's measured
//! area against its declared planned area, overlaps with other towns, and
//! the control lines it meets. The engine stays pure: the figures are
//! measured outside it (`services::boundaries`) and arrive as
//! [`BoundaryFacts`] through [`Attachments`](super::Attachments), the same
//! way as the materials.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

use super::evaluate::{Detail, Finding, Requirement};
use super::figures::{Against, Num, Pct, Qty, Req, Signed, rounded, shown_pct, shown_quantity};
use super::model::exact;
use super::verdict::{Severity, Verdict};
use crate::domain::Lang;
use crate::domain::proposal::{Proposal, Unit};

/// What is known of a proposal's boundary when it is evaluated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BoundaryState {
    /// No boundary can exist here (the stateless API, the live form, import
    /// previews, example cases that set none): the criteria do not apply.
    #[default]
    NotApplicable,
    /// A stored proposal without a boundary.
    Missing,
    /// The boundary's measured facts.
    Known(BoundaryFacts),
}

/// A boundary as measured: its geodesic area, the other towns it overlaps,
/// and how it meets each control-line layer that was checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoundaryFacts {
    /// Geodesic area on the WGS-84 ellipsoid, m².
    #[serde(with = "exact")]
    pub area_m2: Decimal,
    #[serde(default)]
    pub overlaps: Vec<Overlap>,
    /// Every control-line layer in force, whether the boundary meets it or not.
    #[serde(default)]
    pub layers: Vec<LayerFact>,
}

/// Another town's boundary that this one shares ground with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overlap {
    /// The town's name, given only when it is on the list: findings are
    /// shown to the county's officials and, once listed, to the public, who
    /// see an unlisted town of another region as "另一申报项目" (DESIGN.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The other town's proposal, so that pages name it as its status is
    /// when they are shown (a town listed later is named then: names are
    /// display data, the verdict is the area). Absent in worked cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal_id: Option<i64>,
    /// The area both boundaries cover, m².
    #[serde(with = "exact")]
    pub area_m2: Decimal,
}

/// How a boundary meets one control-line layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerFact {
    pub kind: LayerKind,
    /// The layer's name as uploaded (e.g. 某省生态保护红线（2023年）).
    pub name: String,
    pub version: i32,
    /// The boundary's area inside the layer, m².
    #[serde(with = "exact")]
    pub inside_m2: Decimal,
    /// The boundary's area outside the layer, m².
    #[serde(with = "exact")]
    pub outside_m2: Decimal,
}

/// The kinds of control line (三条控制线).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    /// 生态保护红线.
    EcologicalRedLine,
    /// 永久基本农田.
    PermanentBasicFarmland,
    /// 城镇开发边界.
    UrbanDevelopmentBoundary,
}

impl LayerKind {
    pub const ALL: [LayerKind; 3] = [
        LayerKind::EcologicalRedLine,
        LayerKind::PermanentBasicFarmland,
        LayerKind::UrbanDevelopmentBoundary,
    ];

    pub fn code(self) -> &'static str {
        match self {
            LayerKind::EcologicalRedLine => "ecological_red_line",
            LayerKind::PermanentBasicFarmland => "permanent_basic_farmland",
            LayerKind::UrbanDevelopmentBoundary => "urban_development_boundary",
        }
    }

    pub fn from_code(code: &str) -> Option<LayerKind> {
        LayerKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (LayerKind::EcologicalRedLine, Lang::Zh) => "生态保护红线",
            (LayerKind::EcologicalRedLine, Lang::En) => "ecological protection red line",
            (LayerKind::PermanentBasicFarmland, Lang::Zh) => "永久基本农田",
            (LayerKind::PermanentBasicFarmland, Lang::En) => "permanent basic farmland",
            (LayerKind::UrbanDevelopmentBoundary, Lang::Zh) => "城镇开发边界",
            (LayerKind::UrbanDevelopmentBoundary, Lang::En) => "urban development boundary",
        }
    }
}

/// The tolerance of `boundary.area` when a standard names none: ±10%.
pub fn default_tolerance_pct() -> Decimal {
    dec!(10)
}

/// What a boundary finding found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum BoundaryDetail {
    /// The measured area against the declared planned area ± tolerance.
    Area {
        #[serde(with = "exact")]
        measured_km2: Decimal,
        #[serde(with = "exact")]
        declared_km2: Decimal,
        #[serde(with = "exact")]
        tolerance_pct: Decimal,
        required: Requirement,
        /// > 0 inside the band by that much (km²), < 0 outside.
        #[serde(with = "exact")]
        margin: Decimal,
    },
    /// The overlaps at least `min_area_m2` large.
    Overlap {
        overlaps: Vec<Overlap>,
        #[serde(with = "exact")]
        min_area_m2: Decimal,
    },
    ControlLines {
        /// Layers met that must not be: area inside each.
        crossed: Vec<LayerFact>,
        /// Layers the town should lie within but partly does not: area outside.
        outside: Vec<LayerFact>,
        /// Kinds the rule names that no layer in force covers.
        unchecked: Vec<LayerKind>,
        /// Layers checked.
        checked: usize,
        /// Forbidden lines checked and not taken, and lines to lie within
        /// checked and lain within (what the message says is clear; absent
        /// in findings made before they were recorded).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        clear: Vec<LayerKind>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        within_clear: Vec<LayerKind>,
    },
    /// No boundary: `missing` for a stored proposal, `not_applicable` where
    /// none can exist.
    Absent,
}

/// The boundary criteria's parameters, as the criterion kinds carry them.
pub enum Check<'a> {
    Area {
        tolerance_pct: Decimal,
    },
    Overlap {
        min_area_m2: Decimal,
    },
    ControlLines {
        forbidden: &'a [LayerKind],
        within: &'a [LayerKind],
        min_area_m2: Decimal,
    },
}

/// The verdict and detail of a boundary criterion.
pub fn judge(p: &Proposal, severity: Severity, check: Check, state: &BoundaryState) -> (Verdict, Detail) {
    let facts = match state {
        BoundaryState::NotApplicable => return (Verdict::NotApplicable, Detail::Boundary(BoundaryDetail::Absent)),
        BoundaryState::Missing => return (Verdict::Missing, Detail::Boundary(BoundaryDetail::Absent)),
        BoundaryState::Known(f) => f,
    };
    let unmet = match severity {
        Severity::Hard => Verdict::Fail,
        Severity::Soft => Verdict::Warn,
        Severity::Info => Verdict::Info,
    };
    let met = if severity == Severity::Info {
        Verdict::Info
    } else {
        Verdict::Pass
    };
    let (verdict, detail) = match check {
        Check::Area { tolerance_pct } => {
            let measured = (facts.area_m2 / dec!(1000000)).normalize();
            let declared = p.planned_area_km2();
            let share = tolerance_pct / dec!(100);
            let (lower, upper) = (
                (declared * (Decimal::ONE - share)).normalize(),
                (declared * (Decimal::ONE + share)).normalize(),
            );
            let margin = (measured - lower).min(upper - measured);
            let detail = BoundaryDetail::Area {
                measured_km2: measured,
                declared_km2: declared,
                tolerance_pct,
                required: Requirement::Between { lower, upper },
                margin,
            };
            (if margin >= Decimal::ZERO { met } else { unmet }, detail)
        }
        Check::Overlap { min_area_m2 } => {
            let overlaps: Vec<Overlap> = facts
                .overlaps
                .iter()
                .filter(|o| o.area_m2 > Decimal::ZERO && o.area_m2 >= min_area_m2)
                .cloned()
                .collect();
            let v = if overlaps.is_empty() { met } else { unmet };
            (v, BoundaryDetail::Overlap { overlaps, min_area_m2 })
        }
        Check::ControlLines {
            forbidden,
            within,
            min_area_m2,
        } => {
            // The layers of `kinds` whose `area` counts.
            let counted = |kinds: &[LayerKind], area: fn(&LayerFact) -> Decimal| -> Vec<LayerFact> {
                facts
                    .layers
                    .iter()
                    .filter(|l| kinds.contains(&l.kind) && area(l) > Decimal::ZERO && area(l) >= min_area_m2)
                    .cloned()
                    .collect()
            };
            let crossed = counted(forbidden, |l| l.inside_m2);
            let outside = counted(within, |l| l.outside_m2);
            let unchecked: Vec<LayerKind> = forbidden
                .iter()
                .chain(within)
                .copied()
                .filter(|k| !facts.layers.iter().any(|l| l.kind == *k))
                .collect();
            let checked = facts
                .layers
                .iter()
                .filter(|l| forbidden.contains(&l.kind) || within.contains(&l.kind))
                .count();
            let is_checked = |k: &LayerKind| facts.layers.iter().any(|l| l.kind == *k);
            let clear: Vec<LayerKind> = forbidden
                .iter()
                .copied()
                .filter(|k| is_checked(k) && !crossed.iter().any(|l| l.kind == *k))
                .collect();
            let within_clear: Vec<LayerKind> = within
                .iter()
                .copied()
                .filter(|k| is_checked(k) && !outside.iter().any(|l| l.kind == *k))
                .collect();
            // Intruding into a protected line fails whatever the severity
            // (the rule names this case); lying partly outside the urban
            // development boundary, or a line not checked, is information.
            let v = if !crossed.is_empty() {
                Verdict::Fail
            } else if !outside.is_empty() || !unchecked.is_empty() {
                Verdict::Info
            } else {
                met
            };
            (
                v,
                BoundaryDetail::ControlLines {
                    crossed,
                    outside,
                    unchecked,
                    checked,
                    clear,
                    within_clear,
                },
            )
        }
    };
    (verdict, Detail::Boundary(detail))
}

/// An overlap finding with each overlapped town named as it is now:
/// `name_of(id)` is `Some(Some(name))` for a town on the list, `Some(None)`
/// for one that is not (shown as "另一申报项目"), `None` when unknown (the
/// name found at evaluation kept). `None` when the finding is not an
/// overlap finding naming towns by id. Names are display data: the verdict
/// and areas are the evaluation's.
pub fn with_current_names(f: &Finding, name_of: impl Fn(i64) -> Option<Option<String>>) -> Option<Finding> {
    let Detail::Boundary(BoundaryDetail::Overlap { overlaps, .. }) = &f.detail else {
        return None;
    };
    if overlaps.iter().all(|o| o.proposal_id.is_none()) {
        return None;
    }
    let mut renamed = f.clone();
    if let Detail::Boundary(BoundaryDetail::Overlap { overlaps, .. }) = &mut renamed.detail {
        for o in overlaps.iter_mut() {
            if let Some(now) = o.proposal_id.and_then(&name_of) {
                o.name = now;
            }
        }
    }
    Some(renamed)
}

/// An area in words: "0.1234 平方公里" from a hectare up, else "950 平方米"
/// (whole square metres). Cut, never rounded up: a figure never reads
/// larger than it is measured.
pub fn area_text(m2: Decimal, lang: Lang) -> String {
    if m2 >= dec!(10000) {
        let km2 = rounded(m2 / dec!(1000000), 4, false);
        Qty(km2, Unit::Km2, lang).to_string()
    } else {
        let whole = m2.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::ToZero);
        match lang {
            Lang::Zh => format!("{} 平方米", Num(whole)),
            Lang::En => format!("{} m²", Num(whole)),
        }
    }
}

fn measured_text(measured: Decimal, required: &Requirement, margin: Decimal, lang: Lang) -> String {
    shown_quantity(measured, required, margin, Unit::Km2, lang)
        .0
        .to_string()
}

/// What the finding shows as "actual".
pub fn actual(d: &BoundaryDetail, lang: Lang) -> Option<String> {
    match d {
        BoundaryDetail::Area {
            measured_km2,
            required,
            margin,
            ..
        } => Some(measured_text(*measured_km2, required, *margin, lang)),
        BoundaryDetail::Overlap { overlaps, .. } => Some(match (overlaps.len(), lang) {
            (0, Lang::Zh) => "无重叠".to_string(),
            (0, Lang::En) => "no overlap".to_string(),
            (_, _) => {
                let total: Decimal = overlaps.iter().map(|o| o.area_m2).sum();
                match lang {
                    Lang::Zh => format!("与 {} 个项目重叠 {}", overlaps.len(), area_text(total, lang)),
                    Lang::En => format!("{} overlapping {}", area_text(total, lang), overlaps.len()),
                }
            }
        }),
        BoundaryDetail::ControlLines { crossed, outside, .. } => {
            let parts: Vec<String> = crossed
                .iter()
                .map(|l| match lang {
                    Lang::Zh => format!("{}内 {}", l.kind.label(lang), area_text(l.inside_m2, lang)),
                    Lang::En => format!("{} in the {}", area_text(l.inside_m2, lang), l.kind.label(lang)),
                })
                .chain(outside.iter().map(|l| match lang {
                    Lang::Zh => format!("{}外 {}", l.kind.label(lang), area_text(l.outside_m2, lang)),
                    Lang::En => format!("{} outside the {}", area_text(l.outside_m2, lang), l.kind.label(lang)),
                }))
                .collect();
            if parts.is_empty() {
                return None;
            }
            Some(parts.join(if lang == Lang::Zh { "；" } else { "; " }))
        }
        BoundaryDetail::Absent => None,
    }
}

/// What the criterion asks for.
pub fn required(d: &BoundaryDetail, lang: Lang) -> Option<String> {
    match d {
        BoundaryDetail::Area { required, .. } => Some(Req(*required, Unit::Km2, lang).to_string()),
        BoundaryDetail::Overlap { .. } => Some(match lang {
            Lang::Zh => "不与其他小镇四至范围重叠".to_string(),
            Lang::En => "no overlap with another town's boundary".to_string(),
        }),
        BoundaryDetail::ControlLines { .. } => Some(match lang {
            Lang::Zh => "不占用生态保护红线和永久基本农田".to_string(),
            Lang::En => "no ecological red line or permanent basic farmland inside".to_string(),
        }),
        BoundaryDetail::Absent => None,
    }
}

/// By how much the area passes (+) or misses (−).
pub fn margin(d: &BoundaryDetail, lang: Lang) -> Option<String> {
    match d {
        BoundaryDetail::Area {
            measured_km2,
            required,
            margin,
            ..
        } => Some(Signed(shown_quantity(*measured_km2, required, *margin, Unit::Km2, lang).1).to_string()),
        _ => None,
    }
}

/// The deviation of the measured area from the declared one, in percent,
/// as shown against the tolerance (rounded towards failing; a miss too small
/// for four places reads "+10% 以上").
fn deviation_text(measured: Decimal, declared: Decimal, tolerance: Decimal, lang: Lang) -> String {
    if declared.is_zero() {
        return "—".to_string();
    }
    let dev = (measured - declared) / declared * dec!(100);
    let shown = shown_pct(dev.abs(), Against::AtMost(tolerance));
    let sign = match dev.cmp(&Decimal::ZERO) {
        std::cmp::Ordering::Less => "\u{2212}",
        std::cmp::Ordering::Equal => "",
        std::cmp::Ordering::Greater => "+",
    };
    match (shown.beyond, lang) {
        (Some(t), Lang::Zh) => format!("{sign}{}% 以上", Num(t)),
        (Some(t), Lang::En) => format!("more than {sign}{}%", Num(t)),
        (None, _) => format!("{sign}{}", Pct(shown, lang)),
    }
}

/// One sentence saying what was found.
pub fn write_message(m: &mut String, d: &BoundaryDetail, verdict: Verdict, lang: Lang) -> std::fmt::Result {
    let zh = lang == Lang::Zh;
    match d {
        BoundaryDetail::Area {
            measured_km2,
            declared_km2,
            tolerance_pct,
            required,
            margin,
        } => {
            let measured = measured_text(*measured_km2, required, *margin, lang);
            let declared = Qty(*declared_km2, Unit::Km2, lang);
            let dev = deviation_text(*measured_km2, *declared_km2, *tolerance_pct, lang);
            let tol = Num(*tolerance_pct);
            match (*margin >= Decimal::ZERO, zh) {
                (true, true) => write!(
                    m,
                    "四至范围实测面积 {measured}，申报规划面积 {declared}，相差 {dev}，在 ±{tol}% 的允许范围内"
                ),
                (false, true) => write!(
                    m,
                    "四至范围实测面积 {measured}，申报规划面积 {declared}，相差 {dev}，超出 ±{tol}% 的允许范围"
                ),
                (true, false) => write!(
                    m,
                    "The boundary measures {measured} against a declared planned area of {declared}, \
                     a difference of {dev}, within the ±{tol}% allowed"
                ),
                (false, false) => write!(
                    m,
                    "The boundary measures {measured} against a declared planned area of {declared}, \
                     a difference of {dev}, beyond the ±{tol}% allowed"
                ),
            }
        }
        BoundaryDetail::Overlap { overlaps, .. } if overlaps.is_empty() => m.write_str(if zh {
            "四至范围与已申报、已批准或已列入名单的其他小镇均不重叠"
        } else {
            "The boundary overlaps no submitted, approved or listed town"
        }),
        BoundaryDetail::Overlap { overlaps, .. } => {
            m.write_str(if zh {
                "四至范围与"
            } else {
                "The boundary overlaps "
            })?;
            for (i, o) in overlaps.iter().enumerate() {
                if i > 0 {
                    m.write_str(if zh { "、" } else { "; " })?;
                }
                let area = area_text(o.area_m2, lang);
                match (&o.name, zh) {
                    (Some(n), true) => write!(m, "{n}（重叠 {area}）")?,
                    (None, true) => write!(m, "另一申报项目（重叠 {area}）")?,
                    (Some(n), false) => write!(m, "{n} ({area} shared)")?,
                    (None, false) => write!(m, "another proposal ({area} shared)")?,
                }
            }
            m.write_str(if zh { "重叠" } else { "" })
        }
        BoundaryDetail::ControlLines {
            crossed,
            outside,
            unchecked,
            checked,
            clear,
            within_clear,
        } => {
            let mut parts: Vec<String> = Vec::new();
            // 生态保护红线“…”（第2版） / ecological protection red line “…” (version 2)
            let named = |l: &LayerFact| match lang {
                Lang::Zh => format!("{}“{}”（第{}版）", l.kind.label(lang), l.name, l.version),
                Lang::En => format!("{} “{}” (version {})", l.kind.label(lang), l.name, l.version),
            };
            for l in crossed {
                let area = area_text(l.inside_m2, lang);
                parts.push(match lang {
                    Lang::Zh => format!("占用{}{area}", named(l)),
                    Lang::En => format!("takes {area} of the {}", named(l)),
                });
            }
            for l in outside {
                let area = area_text(l.outside_m2, lang);
                parts.push(match lang {
                    Lang::Zh => format!("有 {area} 位于{}之外", named(l)),
                    Lang::En => format!("has {area} outside the {}", named(l)),
                });
            }
            if parts.is_empty() && !(clear.is_empty() && within_clear.is_empty()) {
                // Only the lines actually checked are said to be clear.
                let names =
                    |kinds: &[LayerKind], sep: &str| kinds.iter().map(|k| k.label(lang)).collect::<Vec<_>>().join(sep);
                let taken_none = (!clear.is_empty()).then(|| match lang {
                    Lang::Zh => format!("未占用{}", names(clear, "和")),
                    Lang::En => format!("takes no {}", names(clear, " or ")),
                });
                let inside = (!within_clear.is_empty()).then(|| match lang {
                    Lang::Zh => format!("位于{}内", names(within_clear, "和")),
                    Lang::En => format!("lies within the {}", names(within_clear, " and ")),
                });
                let both: Vec<String> = taken_none.into_iter().chain(inside).collect();
                parts.push(both.join(if zh { "，" } else { " and " }));
            } else if parts.is_empty() && *checked > 0 {
                parts.push(
                    if zh {
                        "未占用生态保护红线和永久基本农田，位于城镇开发边界内"
                    } else {
                        "takes no ecological red line or permanent basic farmland and lies within the urban development boundary"
                    }
                    .to_string(),
                );
            }
            if !unchecked.is_empty() {
                let kinds: Vec<&str> = unchecked.iter().map(|k| k.label(lang)).collect();
                parts.push(match lang {
                    Lang::Zh => format!("尚无{}图层，未能核查", kinds.join("、")),
                    Lang::En => format!("could not be checked against the {}: no layer", kinds.join(" or ")),
                });
            }
            match lang {
                Lang::Zh => write!(m, "四至范围{}", parts.join("；")),
                Lang::En => write!(m, "The boundary {}", parts.join("; ")),
            }
        }
        BoundaryDetail::Absent => match (verdict, zh) {
            (Verdict::Missing, true) => m.write_str("未上传四至范围，本项无法评价"),
            (Verdict::Missing, false) => {
                m.write_str("No boundary was uploaded, so this criterion could not be assessed")
            }
            (_, true) => m.write_str("本次评估不含四至范围，本项不适用"),
            (_, false) => m.write_str("This evaluation has no boundary, so the criterion does not apply"),
        },
    }
}
