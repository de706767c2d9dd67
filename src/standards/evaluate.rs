//! Scoring a proposal against a standard. Pure and cheap: findings are
//! structured values; words are produced only when a finding is rendered.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::boundary::{self, BoundaryDetail, BoundaryFacts, BoundaryState};
use super::metric::Metric;
use super::model::{BandOverride, Citation, Criterion, CriterionKind, NamedField, Standard, Threshold, When};
use super::sets::{Flag, FlagSet, IndustrySet, LocationSet};
use super::verdict::{Overall, Severity, Verdict};
use crate::domain::material::{MaterialSet, MaterialType};
use crate::domain::proposal::{Industry, Location, Proposal};

/// The rule a figure was held to, after overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Requirement {
    AtLeast { value: Decimal },
    AtMost { value: Decimal },
    Equals { value: Decimal },
    Between { lower: Decimal, upper: Decimal },
}

/// Why a threshold other than the default applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum Basis {
    Default,
    Industry { industry: Industry },
    ExemptIndustry,
    AcceleratedCounty,
}

/// What a finding found, as values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Detail {
    /// A figure against a requirement. `margin` > 0 passes by that much,
    /// < 0 misses by that much.
    Quantity {
        metric: Metric,
        actual: Decimal,
        required: Requirement,
        margin: Decimal,
        basis: Basis,
    },
    Reported {
        metric: Metric,
        actual: Decimal,
    },
    Flags {
        required: FlagSet,
        present: FlagSet,
    },
    Named {
        field: NamedField,
        value: String,
    },
    Industry {
        actual: Industry,
        eligible: IndustrySet,
    },
    Location {
        actual: Location,
        preferred: LocationSet,
    },
    Missing {
        metric: Metric,
    },
    NotApplicable {
        applies_to: IndustrySet,
    },
    /// A material criterion: the verdict says whether it was uploaded
    /// (`pass`), not (`missing`) or cannot be (`not_applicable`).
    Material {
        material: MaterialType,
    },
    /// A boundary criterion (四至范围).
    Boundary(BoundaryDetail),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub criterion: String,
    pub severity: Severity,
    pub verdict: Verdict,
    pub detail: Detail,
    pub citation: Citation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardRef {
    pub code: String,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub standard: StandardRef,
    pub overall: Overall,
    pub findings: Vec<Finding>,
}

impl Evaluation {
    pub fn finding(&self, criterion: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.criterion == criterion)
    }

    pub fn verdict(&self, criterion: &str) -> Option<Verdict> {
        self.finding(criterion).map(|f| f.verdict)
    }
}

/// What a proposal has beyond its figures: its files and its boundary.
/// `None` / [`BoundaryState::NotApplicable`] where they cannot exist (the
/// stateless API unless its body lists them, the live evaluation of an
/// unsaved form, import previews, example cases that do not set them): such
/// criteria are `not_applicable` (DESIGN.md "Boundaries").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attachments {
    pub materials: Option<MaterialSet>,
    pub boundary: BoundaryState,
}

impl Attachments {
    /// Where no files can exist.
    pub const NONE: Attachments = Attachments {
        materials: None,
        boundary: BoundaryState::NotApplicable,
    };

    /// A body's materials, where no boundary can exist (the stateless API).
    pub fn with_materials(materials: MaterialSet) -> Attachments {
        Attachments {
            materials: Some(materials),
            boundary: BoundaryState::NotApplicable,
        }
    }

    /// A stored proposal's materials and boundary (`Missing` when it has none).
    pub fn stored(materials: MaterialSet, boundary: Option<BoundaryFacts>) -> Attachments {
        Attachments {
            materials: Some(materials),
            boundary: boundary.map_or(BoundaryState::Missing, BoundaryState::Known),
        }
    }
}

/// Scores a proposal where no files can exist. Never panics: every quotient
/// is checked, and a figure that cannot be computed counts as missing.
pub fn evaluate(p: &Proposal, s: &Standard) -> Evaluation {
    evaluate_with(p, s, &Attachments::NONE)
}

/// Scores a proposal with what it has beyond its figures.
pub fn evaluate_with(p: &Proposal, s: &Standard, files: &Attachments) -> Evaluation {
    let findings: Vec<Finding> = s.criteria.iter().map(|c| judge(p, s, c, files)).collect();
    let overall = Overall::from_findings(findings.iter().map(|f| (f.verdict, f.severity)));
    Evaluation {
        standard: StandardRef {
            code: s.code.clone(),
            version: s.version,
        },
        overall,
        findings,
    }
}

fn judge(p: &Proposal, s: &Standard, c: &Criterion, files: &Attachments) -> Finding {
    let (verdict, detail) = match (c.applies_to, &c.kind) {
        (Some(set), _) if !set.contains(p.industry()) => {
            (Verdict::NotApplicable, Detail::NotApplicable { applies_to: set })
        }
        (_, CriterionKind::Material { material }) => {
            let verdict = match files.materials {
                None => Verdict::NotApplicable,
                Some(set) if set.contains(*material) => Verdict::Pass,
                Some(_) => Verdict::Missing,
            };
            (verdict, Detail::Material { material: *material })
        }
        (_, CriterionKind::BoundaryArea { tolerance_pct }) => boundary::judge(
            p,
            c.severity,
            boundary::Check::Area {
                tolerance_pct: *tolerance_pct,
            },
            &files.boundary,
        ),
        (_, CriterionKind::BoundaryOverlap { min_area_m2 }) => boundary::judge(
            p,
            c.severity,
            boundary::Check::Overlap {
                min_area_m2: *min_area_m2,
            },
            &files.boundary,
        ),
        (
            _,
            CriterionKind::BoundaryControlLines {
                forbidden,
                within,
                min_area_m2,
            },
        ) => boundary::judge(
            p,
            c.severity,
            boundary::Check::ControlLines {
                forbidden,
                within,
                min_area_m2: *min_area_m2,
            },
            &files.boundary,
        ),
        _ => check(p, s, c),
    };
    Finding {
        criterion: c.id.clone(),
        severity: c.severity,
        verdict,
        detail,
        citation: c.citation.clone(),
    }
}

/// The verdict for a met / unmet rule at a criterion's severity.
fn verdict(severity: Severity, met: bool) -> Verdict {
    match (severity, met) {
        (Severity::Info, _) => Verdict::Info,
        (_, true) => Verdict::Pass,
        (Severity::Hard, false) => Verdict::Fail,
        (Severity::Soft, false) => Verdict::Warn,
    }
}

fn check(p: &Proposal, s: &Standard, c: &Criterion) -> (Verdict, Detail) {
    let sev = c.severity;
    match &c.kind {
        CriterionKind::IndustryEligible => {
            let actual = p.industry();
            let eligible = s.eligible_industries;
            (
                verdict(sev, eligible.contains(actual)),
                Detail::Industry { actual, eligible },
            )
        }
        CriterionKind::Named { field } => {
            let value = match field {
                NamedField::Developer => p.developer(),
            };
            let detail = Detail::Named {
                field: *field,
                value: value.to_string(),
            };
            (verdict(sev, !value.trim().is_empty()), detail)
        }
        CriterionKind::Location { pass, warn } => {
            let actual = p.location();
            let v = if sev == Severity::Info {
                Verdict::Info
            } else if pass.contains(actual) {
                Verdict::Pass
            } else if warn.contains(actual) {
                Verdict::Warn
            } else {
                // The rule names this site as a failure whatever the severity.
                Verdict::Fail
            };
            (
                v,
                Detail::Location {
                    actual,
                    preferred: *pass,
                },
            )
        }
        CriterionKind::AtLeast { metric, threshold } => quantity(p, *metric, sev, |v| {
            let (t, basis) = resolve(threshold, p, s);
            (v >= t, Requirement::AtLeast { value: t }, v - t, basis)
        }),
        CriterionKind::AtMost { metric, threshold } => quantity(p, *metric, sev, |v| {
            let (t, basis) = resolve(threshold, p, s);
            (v <= t, Requirement::AtMost { value: t }, t - v, basis)
        }),
        CriterionKind::Band {
            metric,
            lower,
            upper,
            overrides,
        } => quantity(p, *metric, sev, |v| {
            let (lo, hi, basis) = band(*lower, *upper, overrides, p.industry());
            let below = v - lo;
            match hi {
                None => (v >= lo, Requirement::AtLeast { value: lo }, below, basis),
                Some(hi) => {
                    let above = hi - v;
                    let met = below >= Decimal::ZERO && above >= Decimal::ZERO;
                    (
                        met,
                        Requirement::Between { lower: lo, upper: hi },
                        below.min(above),
                        basis,
                    )
                }
            }
        }),
        CriterionKind::Equals { metric, value } => quantity(p, *metric, sev, |v| {
            (
                v == *value,
                Requirement::Equals { value: *value },
                -(v - *value).abs(),
                Basis::Default,
            )
        }),
        CriterionKind::AllFlags { flags } => {
            let present = Flag::present_in(p).intersect(*flags);
            let detail = Detail::Flags {
                required: *flags,
                present,
            };
            (verdict(sev, present == *flags), detail)
        }
        // Decided in `judge`, which knows the proposal's files.
        CriterionKind::Material { material } => (Verdict::NotApplicable, Detail::Material { material: *material }),
        CriterionKind::BoundaryArea { .. }
        | CriterionKind::BoundaryOverlap { .. }
        | CriterionKind::BoundaryControlLines { .. } => (
            Verdict::NotApplicable,
            Detail::Boundary(boundary::BoundaryDetail::Absent),
        ),
        CriterionKind::Report { metric } => match metric.value(p) {
            Some(actual) => (
                Verdict::Info,
                Detail::Reported {
                    metric: *metric,
                    actual,
                },
            ),
            None => (Verdict::Missing, Detail::Missing { metric: *metric }),
        },
    }
}

/// Reads the metric and applies `rule`: (met, requirement, margin, basis).
fn quantity(
    p: &Proposal,
    metric: Metric,
    sev: Severity,
    rule: impl FnOnce(Decimal) -> (bool, Requirement, Decimal, Basis),
) -> (Verdict, Detail) {
    let Some(actual) = metric.value(p) else {
        return (Verdict::Missing, Detail::Missing { metric });
    };
    let (met, required, margin, basis) = rule(actual);
    let detail = Detail::Quantity {
        metric,
        actual,
        required,
        margin,
        basis,
    };
    (verdict(sev, met), detail)
}

fn resolve(t: &Threshold, p: &Proposal, s: &Standard) -> (Decimal, Basis) {
    for o in &t.overrides {
        let basis = match o.when {
            When::Industries(set) if set.contains(p.industry()) => Basis::Industry { industry: p.industry() },
            When::ExemptIndustry if s.is_exempt(p.industry()) => Basis::ExemptIndustry,
            When::AcceleratedCounty if p.accelerated_county() => Basis::AcceleratedCounty,
            _ => continue,
        };
        return (o.value, basis);
    }
    (t.default, Basis::Default)
}

fn band(
    lower: Decimal,
    upper: Option<Decimal>,
    overrides: &[BandOverride],
    industry: Industry,
) -> (Decimal, Option<Decimal>, Basis) {
    overrides
        .iter()
        .find(|o| o.industries.contains(industry))
        .map(|o| (o.lower, o.upper, Basis::Industry { industry }))
        .unwrap_or((lower, upper, Basis::Default))
}

/// Reviewers' final verdicts by criterion id: an override replaces the
/// computed verdict of its finding (STANDARDS.md: the final verdict).
pub type Overrides = std::collections::BTreeMap<String, Verdict>;

/// The final verdict of each finding: the override in force, else the
/// computed one.
pub fn final_verdicts(findings: &[Finding], overrides: &Overrides) -> Vec<Verdict> {
    findings
        .iter()
        .map(|f| overrides.get(&f.criterion).copied().unwrap_or(f.verdict))
        .collect()
}

/// The overall verdict over the final verdicts (severity from the finding).
pub fn final_overall(findings: &[Finding], overrides: &Overrides) -> Overall {
    let finals = final_verdicts(findings, overrides);
    Overall::from_findings(finals.into_iter().zip(findings.iter().map(|f| f.severity)))
}
