//! A standard version as data. Adding a kind of check is one
//! [`CriterionKind`] variant plus its arm in `evaluate`; changing a threshold
//! is editing JSON.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::metric::Metric;
use super::sets::{FlagSet, IndustrySet, LocationSet};
use super::verdict::{Overall, Severity, Verdict};
use crate::domain::Lang;
use crate::domain::proposal::Industry;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    pub code: String,
    pub version: i32,
    pub name_zh: String,
    pub name_en: String,
    /// Who issued it, e.g. 浙江省 or 全国.
    pub jurisdiction: String,
    pub effective_from: NaiveDate,
    /// The document(s) the standard transcribes.
    pub source: String,
    /// The creation period, in years.
    pub period_years: u32,
    /// The period for Zhejiang's accelerated-development counties.
    pub accelerated_period_years: u32,
    /// Industries given lower investment thresholds.
    pub exempt_industries: IndustrySet,
    /// Industries that may apply at all.
    pub eligible_industries: IndustrySet,
    pub criteria: Vec<Criterion>,
    /// Worked cases that must keep their verdicts (see `run_examples`).
    #[serde(default)]
    pub examples: Vec<Example>,
    /// Grade bands and reward parameters of the creation system; the
    /// defaults when absent (never written out when absent, so the
    /// built-in versions' content hashes are unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation: Option<crate::domain::creation::CreationRules>,
    /// Scoring tables (STANDARDS.md §6); never written out when there are
    /// none, so versions without tables keep their content hashes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<super::scoring::ScoringTable>,
}

impl Standard {
    /// Reads a standard from its JSON text.
    pub fn from_json(text: &str) -> Result<Standard, serde_json::Error> {
        serde_json::from_str(text)
    }

    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.name_zh,
            Lang::En => &self.name_en,
        }
    }

    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.id == id)
    }

    /// A criterion's name: its own if the standard gives one, else the
    /// built-in name of that id, else the id itself.
    pub fn criterion_label<'a>(&'a self, id: &'a str, lang: Lang) -> &'a str {
        let own = self.criterion(id).and_then(|c| match lang {
            Lang::Zh => c.name_zh.as_deref(),
            Lang::En => c.name_en.as_deref(),
        });
        own.unwrap_or_else(|| super::labels::criterion_label(id, lang))
    }

    pub fn table(&self, code: &str) -> Option<&super::scoring::ScoringTable> {
        self.tables.iter().find(|t| t.code == code)
    }

    pub fn is_exempt(&self, industry: Industry) -> bool {
        self.exempt_industries.contains(industry)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    pub document: String,
    pub clause: String,
}

impl Citation {
    /// "document clause", as findings cite it.
    pub fn text(&self) -> String {
        let mut t = String::with_capacity(self.document.len() + 1 + self.clause.len());
        t.push_str(&self.document);
        t.push(' ');
        t.push_str(&self.clause);
        t
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub id: String,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Industries the criterion applies to; all when absent. Decided before
    /// anything else, so an inapplicable criterion never reports `missing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_to: Option<IndustrySet>,
    pub kind: CriterionKind,
    pub citation: Citation,
}

/// One kind of check, with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum CriterionKind {
    /// The industry is one of the standard's `eligible_industries`.
    IndustryEligible,
    /// A text field is filled in.
    Named {
        field: NamedField,
    },
    /// Sites in `pass` pass, in `warn` warn, any other fails.
    Location {
        pass: LocationSet,
        warn: LocationSet,
    },
    AtLeast {
        metric: Metric,
        threshold: Threshold,
    },
    AtMost {
        metric: Metric,
        threshold: Threshold,
    },
    /// Within [lower, upper]; no upper bound when `upper` is absent.
    Band {
        metric: Metric,
        #[serde(with = "exact")]
        lower: Decimal,
        #[serde(default, with = "exact_opt", skip_serializing_if = "Option::is_none")]
        upper: Option<Decimal>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        overrides: Vec<BandOverride>,
    },
    /// Exactly `value` (e.g. 100% coverage).
    Equals {
        metric: Metric,
        #[serde(with = "exact")]
        value: Decimal,
    },
    /// Every listed function is present.
    AllFlags {
        flags: FlagSet,
    },
    /// Reported without a threshold.
    Report {
        metric: Metric,
    },
    /// An application material is uploaded (申报材料): `pass` when the
    /// proposal has one of this type, `missing` when a stored proposal is
    /// submitted without, `not_applicable` where no files can exist.
    Material {
        material: crate::domain::material::MaterialType,
    },
    /// The boundary's geodesic area against the declared planned area,
    /// within ± `tolerance_pct` (default 10).
    BoundaryArea {
        #[serde(default = "super::boundary::default_tolerance_pct", with = "exact")]
        tolerance_pct: Decimal,
    },
    /// No overlap of at least `min_area_m2` with the boundary of another
    /// town that is submitted, approved or on the list.
    BoundaryOverlap {
        #[serde(default, with = "exact")]
        min_area_m2: Decimal,
    },
    /// No intersection with the `forbidden` control-line layers (a hit fails
    /// whatever the severity); area outside the `within` layers is
    /// information. Areas below `min_area_m2` are not counted.
    BoundaryControlLines {
        forbidden: Vec<super::boundary::LayerKind>,
        #[serde(default)]
        within: Vec<super::boundary::LayerKind>,
        #[serde(default, with = "exact")]
        min_area_m2: Decimal,
    },
}

impl CriterionKind {
    /// Whether the criterion reads the proposal's boundary.
    pub fn is_boundary(&self) -> bool {
        matches!(
            self,
            CriterionKind::BoundaryArea { .. }
                | CriterionKind::BoundaryOverlap { .. }
                | CriterionKind::BoundaryControlLines { .. }
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NamedField {
    Developer,
}

/// A threshold with exceptions; the first matching override wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    #[serde(with = "exact")]
    pub default: Decimal,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<Override>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    pub when: When,
    #[serde(with = "exact")]
    pub value: Decimal,
}

/// The condition under which an override applies.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    Industries(IndustrySet),
    /// One of the standard's `exempt_industries`.
    ExemptIndustry,
    AcceleratedCounty,
}

/// Other band limits for some industries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandOverride {
    pub industries: IndustrySet,
    #[serde(with = "exact")]
    pub lower: Decimal,
    #[serde(default, with = "exact_opt", skip_serializing_if = "Option::is_none")]
    pub upper: Option<Decimal>,
}

/// A worked case: a proposal and the verdicts it must get.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub name: String,
    pub proposal: serde_json::Value,
    pub expected_overall: Overall,
    /// Verdicts by criterion id; criteria not listed are not checked.
    pub expected: BTreeMap<String, Verdict>,
    /// The materials the case's proposal has; absent, material criteria do
    /// not apply (never written out when absent, so that older versions keep
    /// their content hashes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub materials: Option<crate::domain::material::MaterialSet>,
    /// The case's boundary as measured (`{"state": "known", "area_m2": …}`)
    /// or `{"state": "missing"}`; absent, boundary criteria do not apply
    /// (never written out when absent, for older versions' content hashes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<super::boundary::BoundaryState>,
}

impl Example {
    /// What the case's proposal has beyond its figures (nothing when it sets
    /// no materials and no boundary).
    pub fn attachments(&self) -> super::evaluate::Attachments {
        super::evaluate::Attachments {
            materials: self.materials,
            boundary: self.boundary.clone().unwrap_or_default(),
        }
    }
}

/// Decimals in standard files: a JSON string or number, read from its exact
/// text (never through f64), written as a string.
pub(crate) mod exact {
    use rust_decimal::Decimal;
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn parse(v: &serde_json::Value) -> Result<Decimal, String> {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            other => return Err(format!("expected a decimal, found {other}")),
        };
        let parsed = if text.contains(['e', 'E']) {
            Decimal::from_scientific(&text)
        } else {
            Decimal::from_str_exact(text.trim())
        };
        parsed
            .map(|d| d.normalize())
            .map_err(|e| format!("invalid decimal {text:?}: {e}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        parse(&serde_json::Value::deserialize(d)?).map_err(D::Error::custom)
    }

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&d.normalize().to_string())
    }
}

pub(crate) mod exact_opt {
    use rust_decimal::Decimal;
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Null => Ok(None),
            v => super::exact::parse(&v).map(Some).map_err(D::Error::custom),
        }
    }

    pub fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::exact::serialize(d, s),
            None => s.serialize_none(),
        }
    }
}
