//! A town proposal, in two shapes (parse, don't validate):
//!
//! - [`ProposalInput`] is a draft exactly as typed: every field optional,
//!   each value already parsed to its type and within its limits.
//! - [`Proposal`] is complete and consistent (STANDARDS.md §1): the only
//!   shape the rule engine scores. It is obtained from
//!   [`ProposalInput::complete`] or [`Proposal::from_json`], never built
//!   field by field, so its invariants hold wherever it is used.

// Field errors are the cold path and carry the figures their messages quote;
// boxing them would only make every constructor noisier.
#![allow(clippy::result_large_err)]

mod complete;
mod enums;
mod error;
mod fields;
mod form;
mod json;
mod number;
mod sample;
mod slot;
#[cfg(test)]
mod tests;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

pub use complete::PeriodYears;
pub use enums::{ClassicTrade, Industry, Location};
pub use error::{ApiFieldError, ErrorCode, ErrorParams, FieldError};
pub use fields::{Choice, DecimalLimit, FIELDS, FieldKind, FieldSpec, Unit, field};
/// A plain decimal as typed in a form (full-width digits folded).
pub(crate) use number::read_decimal;
/// Exact number reading, shared with the annual reports (`domain::creation`).
pub(crate) use number::{count_field, decimal_field};
pub use sample::sample_proposal;

/// 1 km² = 1,500 亩.
pub const MU_PER_KM2: Decimal = dec!(1500);

/// A draft proposal: what the official has typed so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalInput {
    pub name: Option<String>,
    pub region: Option<String>,
    pub developer: Option<String>,
    pub industry: Option<Industry>,
    pub classic_trade: Option<ClassicTrade>,
    pub location: Option<Location>,
    pub accelerated_county: bool,
    pub planned_area_km2: Option<Decimal>,
    pub built_area_km2: Option<Decimal>,
    pub investment: InvestmentInput,
    pub functions: FunctionsInput,
    pub benefits: BenefitsInput,
    pub green_coverage_pct: Option<Decimal>,
    pub residential_land_pct: Option<Decimal>,
    pub labour_productivity_wan: Option<Decimal>,
    pub new_economy_share_pct: Option<Decimal>,
    pub rd_intensity_pct: Option<Decimal>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvestmentInput {
    pub total_yi: Option<Decimal>,
    pub residential_yi: Option<Decimal>,
    pub commercial_complex_yi: Option<Decimal>,
    pub characteristic_yi: Option<Decimal>,
    /// In year order; a blank year in the middle stays `None` so its
    /// position is kept.
    pub by_year_yi: Vec<Option<Decimal>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionsInput {
    pub industry: bool,
    pub culture: bool,
    pub tourism: bool,
    pub community: bool,
    pub public_service_app: bool,
    pub town_living_room: bool,
    pub scenic_level: Option<i32>,
    pub wifi_coverage_pct: Option<Decimal>,
    pub digital_management_pct: Option<Decimal>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenefitsInput {
    pub new_tax_wan: Option<Decimal>,
    pub jobs: Option<i32>,
    pub annual_visitors: Option<i32>,
    pub enterprises: Option<i32>,
    pub talents: Option<i32>,
}

/// A complete, consistent proposal. Serialises to the canonical JSON of
/// STANDARDS.md §1 (decimals as normalised strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    name: String,
    region: String,
    developer: String,
    industry: Industry,
    #[serde(skip_serializing_if = "Option::is_none")]
    classic_trade: Option<ClassicTrade>,
    location: Location,
    accelerated_county: bool,
    planned_area_km2: Decimal,
    built_area_km2: Decimal,
    investment: Investment,
    functions: Functions,
    benefits: Benefits,
    #[serde(skip_serializing_if = "Option::is_none")]
    green_coverage_pct: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    residential_land_pct: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    labour_productivity_wan: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_economy_share_pct: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rd_intensity_pct: Option<Decimal>,
}

/// Planned fixed-asset investment over the creation period, in 亿元.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Investment {
    pub total_yi: Decimal,
    pub residential_yi: Decimal,
    pub commercial_complex_yi: Decimal,
    pub characteristic_yi: Decimal,
    /// 3 years, or 5 for an accelerated county; sums to the total (±0.01).
    pub by_year_yi: Vec<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Functions {
    pub industry: bool,
    pub culture: bool,
    pub tourism: bool,
    pub community: bool,
    pub public_service_app: bool,
    pub town_living_room: bool,
    /// Planned A-level of the scenic area, 0 (none) to 5.
    pub scenic_level: i32,
    pub wifi_coverage_pct: Decimal,
    pub digital_management_pct: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Benefits {
    pub new_tax_wan: Decimal,
    pub jobs: i32,
    pub annual_visitors: i32,
    pub enterprises: i32,
    pub talents: i32,
}

impl Proposal {
    /// Parses the canonical JSON (STANDARDS.md §1), reporting every problem.
    pub fn from_json(value: &serde_json::Value) -> Result<Proposal, Vec<FieldError>> {
        Proposal::from_json_under(value, PeriodYears::default())
    }

    /// [`Proposal::from_json`] for a standard version whose creation
    /// period is `periods`: the by-year list must have that many years.
    pub fn from_json_under(value: &serde_json::Value, periods: PeriodYears) -> Result<Proposal, Vec<FieldError>> {
        let (input, errors) = ProposalInput::from_json(value);
        complete::finish(&input, errors, periods)
    }

    /// Parses a submitted form, reporting format and completeness problems together.
    pub fn from_form(pairs: &[(String, String)]) -> Result<Proposal, Vec<FieldError>> {
        let (input, errors) = ProposalInput::from_form(pairs);
        complete::finish(&input, errors, PeriodYears::default())
    }

    /// The canonical JSON.
    pub fn to_json(&self) -> serde_json::Value {
        // Serialising plain strings, decimals and numbers cannot fail.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    pub fn to_input(&self) -> ProposalInput {
        ProposalInput::from_proposal(self)
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn region(&self) -> &str {
        &self.region
    }
    /// Blank when none is named (then `operation.developer` fails).
    pub fn developer(&self) -> &str {
        &self.developer
    }
    pub fn industry(&self) -> Industry {
        self.industry
    }
    pub fn classic_trade(&self) -> Option<ClassicTrade> {
        self.classic_trade
    }
    pub fn location(&self) -> Location {
        self.location
    }
    pub fn accelerated_county(&self) -> bool {
        self.accelerated_county
    }
    pub fn planned_area_km2(&self) -> Decimal {
        self.planned_area_km2
    }
    pub fn built_area_km2(&self) -> Decimal {
        self.built_area_km2
    }
    pub fn investment(&self) -> &Investment {
        &self.investment
    }
    pub fn functions(&self) -> &Functions {
        &self.functions
    }
    pub fn benefits(&self) -> &Benefits {
        &self.benefits
    }
    pub fn green_coverage_pct(&self) -> Option<Decimal> {
        self.green_coverage_pct
    }
    pub fn residential_land_pct(&self) -> Option<Decimal> {
        self.residential_land_pct
    }
    pub fn labour_productivity_wan(&self) -> Option<Decimal> {
        self.labour_productivity_wan
    }
    pub fn new_economy_share_pct(&self) -> Option<Decimal> {
        self.new_economy_share_pct
    }
    pub fn rd_intensity_pct(&self) -> Option<Decimal> {
        self.rd_intensity_pct
    }

    /// Investment excluding commercial housing and commercial complexes;
    /// always above zero in a complete proposal.
    pub fn eligible_yi(&self) -> Decimal {
        let i = &self.investment;
        i.total_yi - i.residential_yi - i.commercial_complex_yi
    }

    /// characteristic_yi / eligible_yi, as a fraction (0.7 = 70%).
    pub fn characteristic_share(&self) -> Decimal {
        self.investment
            .characteristic_yi
            .checked_div(self.eligible_yi())
            .unwrap_or(Decimal::ZERO)
    }

    pub fn built_mu(&self) -> Decimal {
        self.built_area_km2 * MU_PER_KM2
    }

    /// The first year's planned investment.
    pub fn first_year_yi(&self) -> Decimal {
        self.investment.by_year_yi.first().copied().unwrap_or(Decimal::ZERO)
    }
}

impl ProposalInput {
    pub fn from_proposal(p: &Proposal) -> ProposalInput {
        let i = &p.investment;
        let f = &p.functions;
        let b = &p.benefits;
        ProposalInput {
            name: Some(p.name.clone()),
            region: Some(p.region.clone()),
            developer: Some(p.developer.clone()).filter(|d| !d.is_empty()),
            industry: Some(p.industry),
            classic_trade: p.classic_trade,
            location: Some(p.location),
            accelerated_county: p.accelerated_county,
            planned_area_km2: Some(p.planned_area_km2),
            built_area_km2: Some(p.built_area_km2),
            investment: InvestmentInput {
                total_yi: Some(i.total_yi),
                residential_yi: Some(i.residential_yi),
                commercial_complex_yi: Some(i.commercial_complex_yi),
                characteristic_yi: Some(i.characteristic_yi),
                by_year_yi: i.by_year_yi.iter().copied().map(Some).collect(),
            },
            functions: FunctionsInput {
                industry: f.industry,
                culture: f.culture,
                tourism: f.tourism,
                community: f.community,
                public_service_app: f.public_service_app,
                town_living_room: f.town_living_room,
                scenic_level: Some(f.scenic_level),
                wifi_coverage_pct: Some(f.wifi_coverage_pct),
                digital_management_pct: Some(f.digital_management_pct),
            },
            benefits: BenefitsInput {
                new_tax_wan: Some(b.new_tax_wan),
                jobs: Some(b.jobs),
                annual_visitors: Some(b.annual_visitors),
                enterprises: Some(b.enterprises),
                talents: Some(b.talents),
            },
            green_coverage_pct: p.green_coverage_pct,
            residential_land_pct: p.residential_land_pct,
            labour_productivity_wan: p.labour_productivity_wan,
            new_economy_share_pct: p.new_economy_share_pct,
            rd_intensity_pct: p.rd_intensity_pct,
        }
    }

    /// Checks completeness and every cross-field rule; all problems at once.
    pub fn complete(&self) -> Result<Proposal, Vec<FieldError>> {
        complete::complete(self, PeriodYears::default())
    }

    /// [`Self::complete`] under a standard version whose creation period is
    /// `periods` (its `period_years` / `accelerated_period_years`).
    pub fn complete_under(&self, periods: PeriodYears) -> Result<Proposal, Vec<FieldError>> {
        complete::complete(self, periods)
    }

    /// What a draft needs to be saved: a name.
    pub fn draft_errors(&self) -> Vec<FieldError> {
        match &self.name {
            Some(n) if !n.trim().is_empty() => Vec::new(),
            _ => vec![FieldError::new("name", ErrorCode::Required)],
        }
    }

    /// Reads a submitted form (format and limit errors only).
    pub fn from_form(pairs: &[(String, String)]) -> (ProposalInput, Vec<FieldError>) {
        form::from_form(pairs)
    }

    /// Reads canonical JSON into a draft (format, type and limit errors only).
    pub fn from_json(value: &serde_json::Value) -> (ProposalInput, Vec<FieldError>) {
        json::from_json(value)
    }

    /// A scalar field's value as the form shows it ("" when absent or unticked;
    /// "true" for a ticked box). For `investment.by_year_yi` see [`Self::form_values`].
    pub fn form_value(&self, field: &str) -> String {
        form::values(self, field).into_iter().next().unwrap_or_default()
    }

    /// A field's values as the form shows them: one per year for a list.
    pub fn form_values(&self, field: &str) -> Vec<String> {
        form::values(self, field)
    }

    /// Every non-empty field as form pairs, in form order; `from_form` reads them back.
    pub fn to_form_pairs(&self) -> Vec<(String, String)> {
        FIELDS
            .iter()
            .flat_map(|f| {
                form::values(self, f.name)
                    .into_iter()
                    // A blank year keeps its place; other blanks are simply absent.
                    .filter(move |v| f.is_list() || !v.is_empty())
                    .map(move |v| (f.name.to_string(), v))
            })
            .collect()
    }
}
