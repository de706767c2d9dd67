//! From a draft to a complete proposal: required fields, limits (again, since
//! a draft's fields are public) and the cross-field rules of STANDARDS.md §1.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::error::{ErrorCode, FieldError};
use super::fields::{self, DecimalLimit, FieldKind};
use super::number;
use super::{Benefits, Functions, Industry, Investment, Proposal, ProposalInput};

/// How far the yearly figures may drift from the total (rounding by hand).
const BY_YEAR_TOLERANCE: Decimal = dec!(0.01);

/// Collects the problems of one proposal while reading its fields.
struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    fn limit_of(name: &str) -> Option<&'static FieldKind> {
        fields::field(name).map(|f| &f.kind)
    }

    fn text(&mut self, name: &str, v: &Option<String>, required: bool) -> Option<String> {
        let max = match Self::limit_of(name) {
            Some(FieldKind::Text { max_chars, .. }) => *max_chars,
            _ => usize::MAX,
        };
        let t = v.as_deref().map(str::trim).unwrap_or("");
        if t.is_empty() {
            if required {
                self.errors.push(FieldError::new(name, ErrorCode::Required));
                return None;
            }
            return Some(String::new());
        }
        match super::form::text(name, t, max) {
            Ok(t) => Some(t),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    fn required<T: Copy>(&mut self, name: &str, v: Option<T>) -> Option<T> {
        if v.is_none() {
            self.errors.push(FieldError::new(name, ErrorCode::Required));
        }
        v
    }

    fn decimal_limit(name: &str) -> Option<DecimalLimit> {
        match Self::limit_of(name) {
            Some(FieldKind::Decimal(l) | FieldKind::DecimalList(l)) => Some(*l),
            _ => None,
        }
    }

    /// An optional decimal, checked against its limit when present.
    fn decimal_opt(&mut self, name: &str, v: Option<Decimal>) -> Option<Decimal> {
        let (d, limit) = (v?, Self::decimal_limit(name)?);
        match number::check_decimal(name, d, &limit) {
            Ok(d) => Some(d),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    fn decimal(&mut self, name: &str, v: Option<Decimal>) -> Option<Decimal> {
        self.required(name, v)?;
        self.decimal_opt(name, v)
    }

    fn count(&mut self, name: &str, v: Option<i32>) -> Option<i32> {
        let n = self.required(name, v)?;
        let max = match Self::limit_of(name) {
            Some(FieldKind::Count { max, .. }) => *max,
            _ => i32::MAX,
        };
        match number::check_count(name, Decimal::from(n), max) {
            Ok(n) => Some(n),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    fn fail(&mut self, e: FieldError) {
        self.errors.push(e);
    }
}

/// How many years a creation period has, by whether the county is an
/// accelerated one: a parameter of the standard version the proposal is
/// evaluated under (STANDARDS.md §5), 3 and 5 by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodYears {
    pub normal: u32,
    pub accelerated: u32,
}

impl Default for PeriodYears {
    fn default() -> PeriodYears {
        PeriodYears {
            normal: 3,
            accelerated: 5,
        }
    }
}

impl PeriodYears {
    pub fn for_county(self, accelerated: bool) -> usize {
        (if accelerated { self.accelerated } else { self.normal }) as usize
    }
}

pub(super) fn complete(input: &ProposalInput, periods: PeriodYears) -> Result<Proposal, Vec<FieldError>> {
    let mut c = Checker { errors: Vec::new() };
    let name = c.text("name", &input.name, true);
    let region = c.text("region", &input.region, true);
    let developer = c.text("developer", &input.developer, false);
    let industry = c.required("industry", input.industry);
    let location = c.required("location", input.location);
    if input.classic_trade.is_some() && industry.is_some_and(|i| i != Industry::HistoricClassic) {
        c.fail(FieldError::new("classic_trade", ErrorCode::ClassicTradeNotAllowed));
    }

    let planned = c.decimal("planned_area_km2", input.planned_area_km2);
    let built = c.decimal("built_area_km2", input.built_area_km2);
    if let (Some(p), Some(b)) = (planned, built)
        && b > p
    {
        c.fail(FieldError::new("built_area_km2", ErrorCode::BuiltExceedsPlanned));
    }

    let inv = &input.investment;
    let total = c.decimal("investment.total_yi", inv.total_yi);
    let residential = c.decimal("investment.residential_yi", inv.residential_yi);
    let commercial = c.decimal("investment.commercial_complex_yi", inv.commercial_complex_yi);
    let characteristic = c.decimal("investment.characteristic_yi", inv.characteristic_yi);
    if let (Some(t), Some(r), Some(m)) = (total, residential, commercial) {
        let eligible = t - r - m;
        if eligible < Decimal::ZERO {
            c.fail(
                FieldError::new("investment.residential_yi", ErrorCode::ExclusionsExceedTotal).with(|p| {
                    p.sum = Some(r + m);
                    p.total = Some(t);
                }),
            );
        } else if eligible.is_zero() {
            c.fail(FieldError::new("investment.total_yi", ErrorCode::EligibleZero));
        } else if characteristic.is_some_and(|ch| ch > eligible) {
            c.fail(
                FieldError::new("investment.characteristic_yi", ErrorCode::CharacteristicExceedsEligible)
                    .with(|p| p.limit = Some(eligible)),
            );
        }
    }
    let expected = periods.for_county(input.accelerated_county);
    let by_year = by_year(&mut c, &inv.by_year_yi, expected, total);

    let f = &input.functions;
    let scenic = c.count("functions.scenic_level", f.scenic_level);
    let wifi = c.decimal("functions.wifi_coverage_pct", f.wifi_coverage_pct);
    let digital = c.decimal("functions.digital_management_pct", f.digital_management_pct);

    let b = &input.benefits;
    let tax = c.decimal("benefits.new_tax_wan", b.new_tax_wan);
    let jobs = c.count("benefits.jobs", b.jobs);
    let visitors = c.count("benefits.annual_visitors", b.annual_visitors);
    let enterprises = c.count("benefits.enterprises", b.enterprises);
    let talents = c.count("benefits.talents", b.talents);

    let green = c.decimal_opt("green_coverage_pct", input.green_coverage_pct);
    let res_land = c.decimal_opt("residential_land_pct", input.residential_land_pct);
    let labour = c.decimal_opt("labour_productivity_wan", input.labour_productivity_wan);
    let new_economy = c.decimal_opt("new_economy_share_pct", input.new_economy_share_pct);
    let rd = c.decimal_opt("rd_intensity_pct", input.rd_intensity_pct);

    if !c.errors.is_empty() {
        return Err(sorted(c.errors));
    }
    // Every `None` above pushed an error, so this match only fails when
    // errors were already returned; it exists to satisfy the types.
    let (
        Some(name),
        Some(region),
        Some(developer),
        Some(industry),
        Some(location),
        Some(planned),
        Some(built),
        Some(total),
        Some(residential),
        Some(commercial),
        Some(characteristic),
        Some(by_year),
        Some(scenic),
        Some(wifi),
        Some(digital),
        Some(tax),
        Some(jobs),
        Some(visitors),
        Some(enterprises),
        Some(talents),
    ) = (
        name,
        region,
        developer,
        industry,
        location,
        planned,
        built,
        total,
        residential,
        commercial,
        characteristic,
        by_year,
        scenic,
        wifi,
        digital,
        tax,
        jobs,
        visitors,
        enterprises,
        talents,
    )
    else {
        return Err(vec![FieldError::new("", ErrorCode::Required)]);
    };
    Ok(Proposal {
        name,
        region,
        developer,
        industry,
        classic_trade: input.classic_trade,
        location,
        accelerated_county: input.accelerated_county,
        planned_area_km2: planned,
        built_area_km2: built,
        investment: Investment {
            total_yi: total,
            residential_yi: residential,
            commercial_complex_yi: commercial,
            characteristic_yi: characteristic,
            by_year_yi: by_year,
        },
        functions: Functions {
            industry: f.industry,
            culture: f.culture,
            tourism: f.tourism,
            community: f.community,
            public_service_app: f.public_service_app,
            town_living_room: f.town_living_room,
            scenic_level: scenic,
            wifi_coverage_pct: wifi,
            digital_management_pct: digital,
        },
        benefits: Benefits {
            new_tax_wan: tax,
            jobs,
            annual_visitors: visitors,
            enterprises,
            talents,
        },
        green_coverage_pct: green,
        residential_land_pct: res_land,
        labour_productivity_wan: labour,
        new_economy_share_pct: new_economy,
        rd_intensity_pct: rd,
    })
}

/// The yearly plan: one figure per year of the period, adding up to the total.
fn by_year(
    c: &mut Checker,
    years: &[Option<Decimal>],
    expected: usize,
    total: Option<Decimal>,
) -> Option<Vec<Decimal>> {
    const NAME: &str = "investment.by_year_yi";
    let used = years.iter().rposition(Option::is_some).map_or(0, |i| i + 1);
    let years = &years[..used];
    if years.is_empty() {
        c.fail(FieldError::new(NAME, ErrorCode::Required));
        return None;
    }
    if years.len() != expected {
        c.fail(FieldError::new(NAME, ErrorCode::ByYearLength).with(|p| {
            p.expected = Some(expected);
            p.count = Some(years.len());
        }));
        return None;
    }
    if let Some(gap) = years.iter().position(Option::is_none) {
        c.fail(FieldError::new(NAME, ErrorCode::ByYearGap).with(|p| p.position = Some(gap + 1)));
        return None;
    }
    let mut checked = Vec::with_capacity(expected);
    for d in years.iter().flatten() {
        checked.push(c.decimal_opt(NAME, Some(*d))?);
    }
    let sum = checked.iter().try_fold(Decimal::ZERO, |acc, d| acc.checked_add(*d))?;
    if let Some(t) = total
        && (sum - t).abs() > BY_YEAR_TOLERANCE
    {
        c.fail(FieldError::new(NAME, ErrorCode::ByYearSum).with(|p| {
            p.sum = Some(sum);
            p.total = Some(t);
        }));
        return None;
    }
    Some(checked)
}

/// Errors in form order, so pages and API answers list them predictably.
pub(super) fn sorted(mut errors: Vec<FieldError>) -> Vec<FieldError> {
    // The whole body and unknown names first: they usually explain the rest.
    let rank = |f: &str| fields::FIELDS.iter().position(|s| s.name == f).map_or(0, |i| i + 1);
    errors.sort_by_key(|e| rank(&e.field));
    errors
}

/// Joins parse errors with completeness errors. A field that could not be
/// read is absent from the draft; its format error says more than "required",
/// so the completeness error for that field is dropped.
pub(super) fn finish(
    input: &ProposalInput,
    parse_errors: Vec<FieldError>,
    periods: PeriodYears,
) -> Result<Proposal, Vec<FieldError>> {
    match complete(input, periods) {
        Ok(p) if parse_errors.is_empty() => Ok(p),
        Ok(_) => Err(sorted(parse_errors)),
        Err(more) => {
            let mut all = parse_errors;
            let known: Vec<String> = all.iter().map(|e| e.field.clone()).collect();
            // A group that was not an object ("investment": 5) covers its fields.
            // A body that is not an object covers everything.
            let covered = |f: &str| {
                known.iter().any(String::is_empty)
                    || known
                        .iter()
                        .any(|k| f == k || f.strip_prefix(k.as_str()).is_some_and(|rest| rest.starts_with('.')))
            };
            all.extend(more.into_iter().filter(|e| !covered(&e.field)));
            Err(sorted(all))
        }
    }
}
