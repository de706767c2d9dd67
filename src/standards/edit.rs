//! Helpers for the admin editor: the lists a form chooses from (every
//! metric, every kind of criterion) and a new criterion of a given kind
//! with neutral parameters, for the editor to fill in.

use rust_decimal::Decimal;

use super::metric::Metric;
use super::model::{Citation, Criterion, CriterionKind, NamedField, Threshold};
use super::sets::{Flag, FlagSet, LocationSet};
use super::verdict::Severity;
use crate::domain::proposal::Location;

/// Every metric, in the order a form lists them.
pub const METRICS: &[Metric] = &[
    Metric::PlannedAreaKm2,
    Metric::BuiltAreaKm2,
    Metric::BuiltMu,
    Metric::TotalYi,
    Metric::EligibleYi,
    Metric::CharacteristicYi,
    Metric::CharacteristicSharePct,
    Metric::FirstYearYi,
    Metric::ScenicLevel,
    Metric::WifiCoveragePct,
    Metric::DigitalManagementPct,
    Metric::NewTaxWan,
    Metric::Jobs,
    Metric::AnnualVisitors,
    Metric::Enterprises,
    Metric::Talents,
    Metric::GreenCoveragePct,
    Metric::ResidentialLandPct,
    Metric::LabourProductivityWan,
    Metric::NewEconomySharePct,
    Metric::RdIntensityPct,
    Metric::InvestmentPerMuWan,
    Metric::TaxPerMuWan,
    Metric::CharacteristicShareOfTotalPct,
    Metric::TotalInvestmentPerMuWan,
];

/// The kinds of criterion, by their JSON `type` code.
pub const KINDS: &[&str] = &[
    "at_least",
    "at_most",
    "band",
    "equals",
    "report",
    "all_flags",
    "location",
    "named",
    "industry_eligible",
];

/// What a kind of criterion needs from whoever writes a new one: a metric
/// to compare, a figure, an upper bound (optional), flags to require.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindParams {
    pub metric: bool,
    pub value: bool,
    pub upper: bool,
    pub flags: bool,
}

/// The parameters a kind (a [`KINDS`] code) needs; `None` for an unknown kind.
pub fn kind_params(kind: &str) -> Option<KindParams> {
    let none = KindParams::default();
    Some(match kind {
        "at_least" | "at_most" | "equals" => KindParams {
            metric: true,
            value: true,
            ..none
        },
        "band" => KindParams {
            metric: true,
            value: true,
            upper: true,
            ..none
        },
        "report" => KindParams { metric: true, ..none },
        "all_flags" => KindParams { flags: true, ..none },
        "location" | "named" | "industry_eligible" => none,
        _ => return None,
    })
}

/// The JSON code of a metric (`planned_area_km2`).
pub fn metric_code(metric: Metric) -> String {
    serde_json::to_value(metric)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub fn metric_from_code(code: &str) -> Option<Metric> {
    METRICS.iter().copied().find(|m| metric_code(*m) == code)
}

/// The JSON `type` code of a criterion's kind.
pub fn kind_code(kind: &CriterionKind) -> &'static str {
    match kind {
        CriterionKind::IndustryEligible => "industry_eligible",
        CriterionKind::Named { .. } => "named",
        CriterionKind::Location { .. } => "location",
        CriterionKind::AtLeast { .. } => "at_least",
        CriterionKind::AtMost { .. } => "at_most",
        CriterionKind::Band { .. } => "band",
        CriterionKind::Equals { .. } => "equals",
        CriterionKind::AllFlags { .. } => "all_flags",
        CriterionKind::Report { .. } => "report",
        CriterionKind::Material { .. } => "material",
        CriterionKind::BoundaryArea { .. } => "boundary_area",
        CriterionKind::BoundaryOverlap { .. } => "boundary_overlap",
        CriterionKind::BoundaryControlLines { .. } => "boundary_control_lines",
    }
}

/// The metric a criterion compares, if any.
pub fn kind_metric(kind: &CriterionKind) -> Option<Metric> {
    match kind {
        CriterionKind::AtLeast { metric, .. }
        | CriterionKind::AtMost { metric, .. }
        | CriterionKind::Band { metric, .. }
        | CriterionKind::Equals { metric, .. }
        | CriterionKind::Report { metric } => Some(*metric),
        _ => None,
    }
}

/// What the admin chose for a new criterion.
pub struct NewCriterion<'a> {
    pub id: &'a str,
    /// A `KINDS` code.
    pub kind: &'a str,
    pub metric: Option<Metric>,
    pub severity: Severity,
    pub value: Decimal,
    pub upper: Option<Decimal>,
    pub flags: FlagSet,
    pub citation: Citation,
}

/// A new criterion of kind `kind` (a `KINDS` code) on `metric`, with the
/// figure `value` (and `upper` for a band). `None` for an unknown kind or a
/// kind that needs a metric when none is given.
pub fn new_criterion(new: NewCriterion<'_>) -> Option<Criterion> {
    let NewCriterion {
        id,
        kind,
        metric,
        severity,
        value,
        upper,
        flags,
        citation,
    } = new;
    let kind = match kind {
        "at_least" => CriterionKind::AtLeast {
            metric: metric?,
            threshold: Threshold {
                default: value,
                overrides: Vec::new(),
            },
        },
        "at_most" => CriterionKind::AtMost {
            metric: metric?,
            threshold: Threshold {
                default: value,
                overrides: Vec::new(),
            },
        },
        "band" => CriterionKind::Band {
            metric: metric?,
            lower: value,
            upper,
            overrides: Vec::new(),
        },
        "equals" => CriterionKind::Equals { metric: metric?, value },
        "report" => CriterionKind::Report { metric: metric? },
        "all_flags" => CriterionKind::AllFlags {
            flags: if flags.is_empty() {
                FlagSet::of(&[Flag::Industry])
            } else {
                flags
            },
        },
        "location" => CriterionKind::Location {
            pass: LocationSet::of(&[Location::UrbanRuralFringe]),
            warn: LocationSet::of(&[Location::Independent]),
        },
        "named" => CriterionKind::Named {
            field: NamedField::Developer,
        },
        "industry_eligible" => CriterionKind::IndustryEligible,
        _ => return None,
    };
    Some(Criterion {
        id: id.to_owned(),
        severity,
        name_zh: None,
        name_en: None,
        applies_to: None,
        kind,
        citation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(kind: &str, metric: Option<Metric>) -> Option<Criterion> {
        new_criterion(NewCriterion {
            id: "x",
            kind,
            metric,
            severity: Severity::Hard,
            value: Decimal::ONE,
            upper: None,
            flags: FlagSet::of(&[Flag::Industry]),
            citation: Citation {
                document: "d".into(),
                clause: "c".into(),
            },
        })
    }

    /// The editor's add form trusts these answers: every kind is known, and
    /// a kind builds without a metric exactly when it says it needs none.
    #[test]
    fn every_kind_says_what_it_needs() {
        for kind in KINDS {
            let needs = kind_params(kind).expect("a known kind");
            let built = attempt(kind, Some(METRICS[0])).expect("builds with every parameter");
            assert_eq!(kind_code(&built.kind), *kind);
            assert_eq!(attempt(kind, None).is_some(), !needs.metric, "{kind}");
            assert_eq!(kind_metric(&built.kind).is_some(), needs.metric, "{kind}");
        }
        assert_eq!(kind_params("between"), None);
    }
}
