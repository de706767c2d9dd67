//! The figures criteria compare: read from the proposal or derived from it,
//! each with its unit and the words used for it in messages.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

use crate::domain::Lang;
use crate::domain::proposal::{Proposal, Unit};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    PlannedAreaKm2,
    BuiltAreaKm2,
    BuiltMu,
    TotalYi,
    EligibleYi,
    CharacteristicYi,
    /// characteristic_yi / eligible_yi, in percent.
    CharacteristicSharePct,
    FirstYearYi,
    ScenicLevel,
    WifiCoveragePct,
    DigitalManagementPct,
    NewTaxWan,
    Jobs,
    AnnualVisitors,
    Enterprises,
    Talents,
    GreenCoveragePct,
    ResidentialLandPct,
    LabourProductivityWan,
    NewEconomySharePct,
    RdIntensityPct,
    /// eligible_yi × 10,000 / built_mu, in 万元 per 亩.
    InvestmentPerMuWan,
    /// new_tax_wan / built_mu, in 万元 per 亩.
    TaxPerMuWan,
    /// characteristic_yi / total_yi, in percent: the national guideline's
    /// base (特色产业投资占总投资比例).
    CharacteristicShareOfTotalPct,
    /// total_yi × 10,000 / built_mu, in 万元 per 亩: the national
    /// guideline's base (建设用地亩均累计投资额).
    TotalInvestmentPerMuWan,
}

impl Metric {
    /// The figure for a proposal; `None` when an optional input is absent.
    pub fn value(self, p: &Proposal) -> Option<Decimal> {
        let i = p.investment();
        let f = p.functions();
        let b = p.benefits();
        match self {
            Metric::PlannedAreaKm2 => Some(p.planned_area_km2()),
            Metric::BuiltAreaKm2 => Some(p.built_area_km2()),
            Metric::BuiltMu => Some(p.built_mu()),
            Metric::TotalYi => Some(i.total_yi),
            Metric::EligibleYi => Some(p.eligible_yi()),
            Metric::CharacteristicYi => Some(i.characteristic_yi),
            Metric::CharacteristicSharePct => (i.characteristic_yi * dec!(100)).checked_div(p.eligible_yi()),
            Metric::FirstYearYi => i.by_year_yi.first().copied(),
            Metric::ScenicLevel => Some(Decimal::from(f.scenic_level)),
            Metric::WifiCoveragePct => Some(f.wifi_coverage_pct),
            Metric::DigitalManagementPct => Some(f.digital_management_pct),
            Metric::NewTaxWan => Some(b.new_tax_wan),
            Metric::Jobs => Some(Decimal::from(b.jobs)),
            Metric::AnnualVisitors => Some(Decimal::from(b.annual_visitors)),
            Metric::Enterprises => Some(Decimal::from(b.enterprises)),
            Metric::Talents => Some(Decimal::from(b.talents)),
            Metric::GreenCoveragePct => p.green_coverage_pct(),
            Metric::ResidentialLandPct => p.residential_land_pct(),
            Metric::LabourProductivityWan => p.labour_productivity_wan(),
            Metric::NewEconomySharePct => p.new_economy_share_pct(),
            Metric::RdIntensityPct => p.rd_intensity_pct(),
            Metric::InvestmentPerMuWan => (p.eligible_yi() * dec!(10000)).checked_div(p.built_mu()),
            Metric::TaxPerMuWan => b.new_tax_wan.checked_div(p.built_mu()),
            Metric::CharacteristicShareOfTotalPct => (i.characteristic_yi * dec!(100)).checked_div(i.total_yi),
            Metric::TotalInvestmentPerMuWan => (i.total_yi * dec!(10000)).checked_div(p.built_mu()),
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            Metric::PlannedAreaKm2 | Metric::BuiltAreaKm2 => Unit::Km2,
            Metric::BuiltMu => Unit::Mu,
            Metric::TotalYi | Metric::EligibleYi | Metric::CharacteristicYi | Metric::FirstYearYi => Unit::Yi,
            Metric::CharacteristicSharePct
            | Metric::CharacteristicShareOfTotalPct
            | Metric::WifiCoveragePct
            | Metric::DigitalManagementPct
            | Metric::GreenCoveragePct
            | Metric::ResidentialLandPct
            | Metric::NewEconomySharePct
            | Metric::RdIntensityPct => Unit::Pct,
            Metric::ScenicLevel => Unit::Grade,
            Metric::NewTaxWan => Unit::Wan,
            Metric::Jobs | Metric::Talents => Unit::People,
            Metric::AnnualVisitors => Unit::Visits,
            Metric::Enterprises => Unit::Firms,
            Metric::LabourProductivityWan => Unit::WanPerPerson,
            Metric::InvestmentPerMuWan | Metric::TaxPerMuWan | Metric::TotalInvestmentPerMuWan => Unit::WanPerMu,
        }
    }

    /// Whether the figure is a quotient, which may need rounding to show.
    pub fn is_ratio(self) -> bool {
        matches!(
            self,
            Metric::CharacteristicSharePct
                | Metric::InvestmentPerMuWan
                | Metric::TaxPerMuWan
                | Metric::CharacteristicShareOfTotalPct
                | Metric::TotalInvestmentPerMuWan
        )
    }

    /// What the figure is called at the start of a sentence.
    pub fn subject(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            Metric::PlannedAreaKm2 => ("规划面积", "Planned area"),
            Metric::BuiltAreaKm2 => ("建设面积", "Built area"),
            Metric::BuiltMu => ("建设用地", "Built land"),
            Metric::TotalYi => ("计划投资总额", "Total planned investment"),
            Metric::EligibleYi => ("计划投资", "Planned investment"),
            Metric::CharacteristicYi => ("特色产业投资", "Characteristic-industry investment"),
            Metric::CharacteristicSharePct => ("特色产业投资占比", "Characteristic-industry share"),
            Metric::FirstYearYi => ("第一年计划投资", "First-year planned investment"),
            Metric::ScenicLevel => ("景区规划等级", "Planned scenic-area grade"),
            Metric::WifiCoveragePct => ("WiFi覆盖率", "WiFi coverage"),
            Metric::DigitalManagementPct => ("数字化管理覆盖率", "Digital management coverage"),
            Metric::NewTaxWan => ("年新增税收", "New annual tax"),
            Metric::Jobs => ("就业人数", "Job count"),
            Metric::AnnualVisitors => ("年接待游客", "Annual visitor count"),
            Metric::Enterprises => ("入驻企业", "Enterprise count"),
            Metric::Talents => ("引进人才", "Talent count"),
            Metric::GreenCoveragePct => ("绿化覆盖率", "Green coverage"),
            Metric::ResidentialLandPct => ("住宅用地占比", "Residential land share"),
            Metric::LabourProductivityWan => ("全员劳动生产率", "Labour productivity"),
            Metric::NewEconomySharePct => ("新经济占比", "New-economy share"),
            Metric::RdIntensityPct => ("研发经费投入强度", "R&D intensity"),
            Metric::InvestmentPerMuWan => ("亩均投资", "Investment per mu"),
            Metric::TaxPerMuWan => ("亩均税收", "Tax per mu"),
            Metric::CharacteristicShareOfTotalPct => (
                "特色产业投资占总投资比例",
                "Characteristic-industry share of total investment",
            ),
            Metric::TotalInvestmentPerMuWan => ("亩均投资", "Investment per mu"),
        };
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// A qualifier written after the figure, e.g. what was excluded.
    pub fn qualifier(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Metric::EligibleYi, Lang::Zh) => "（扣除商品住宅和商业综合体后）",
            (Metric::EligibleYi, Lang::En) => " (excluding commercial housing and commercial complexes)",
            (Metric::InvestmentPerMuWan, Lang::Zh) => "（扣除商品住宅和商业综合体后）",
            (Metric::InvestmentPerMuWan, Lang::En) => " (excluding commercial housing and commercial complexes)",
            (Metric::TotalInvestmentPerMuWan, Lang::Zh) => "（按总投资计，含商品住宅和商业综合体）",
            (Metric::TotalInvestmentPerMuWan, Lang::En) => {
                " (of total investment, commercial housing and complexes included)"
            }
            _ => "",
        }
    }
}
