//! Where each dotted field name lives in a [`ProposalInput`], so that the
//! form and JSON readers share one mapping instead of one `match` each.

use rust_decimal::Decimal;

use super::{ClassicTrade, Industry, Location, ProposalInput};

pub(crate) enum Slot<'a> {
    Text(&'a mut Option<String>),
    Industry(&'a mut Option<Industry>),
    ClassicTrade(&'a mut Option<ClassicTrade>),
    Location(&'a mut Option<Location>),
    Bool(&'a mut bool),
    Decimal(&'a mut Option<Decimal>),
    Count(&'a mut Option<i32>),
    List(&'a mut Vec<Option<Decimal>>),
}

/// A parsed value ready to be stored in its slot.
pub(crate) enum Value {
    Text(String),
    Choice(&'static str),
    Bool(bool),
    Decimal(Decimal),
    Count(i32),
    List(Vec<Option<Decimal>>),
}

impl ProposalInput {
    pub(crate) fn slot(&mut self, name: &str) -> Option<Slot<'_>> {
        let i = &mut self.investment;
        let f = &mut self.functions;
        let b = &mut self.benefits;
        Some(match name {
            "name" => Slot::Text(&mut self.name),
            "region" => Slot::Text(&mut self.region),
            "developer" => Slot::Text(&mut self.developer),
            "industry" => Slot::Industry(&mut self.industry),
            "classic_trade" => Slot::ClassicTrade(&mut self.classic_trade),
            "location" => Slot::Location(&mut self.location),
            "accelerated_county" => Slot::Bool(&mut self.accelerated_county),
            "planned_area_km2" => Slot::Decimal(&mut self.planned_area_km2),
            "built_area_km2" => Slot::Decimal(&mut self.built_area_km2),
            "investment.total_yi" => Slot::Decimal(&mut i.total_yi),
            "investment.residential_yi" => Slot::Decimal(&mut i.residential_yi),
            "investment.commercial_complex_yi" => Slot::Decimal(&mut i.commercial_complex_yi),
            "investment.characteristic_yi" => Slot::Decimal(&mut i.characteristic_yi),
            "investment.by_year_yi" => Slot::List(&mut i.by_year_yi),
            "functions.industry" => Slot::Bool(&mut f.industry),
            "functions.culture" => Slot::Bool(&mut f.culture),
            "functions.tourism" => Slot::Bool(&mut f.tourism),
            "functions.community" => Slot::Bool(&mut f.community),
            "functions.public_service_app" => Slot::Bool(&mut f.public_service_app),
            "functions.town_living_room" => Slot::Bool(&mut f.town_living_room),
            "functions.scenic_level" => Slot::Count(&mut f.scenic_level),
            "functions.wifi_coverage_pct" => Slot::Decimal(&mut f.wifi_coverage_pct),
            "functions.digital_management_pct" => Slot::Decimal(&mut f.digital_management_pct),
            "benefits.new_tax_wan" => Slot::Decimal(&mut b.new_tax_wan),
            "benefits.jobs" => Slot::Count(&mut b.jobs),
            "benefits.annual_visitors" => Slot::Count(&mut b.annual_visitors),
            "benefits.enterprises" => Slot::Count(&mut b.enterprises),
            "benefits.talents" => Slot::Count(&mut b.talents),
            "green_coverage_pct" => Slot::Decimal(&mut self.green_coverage_pct),
            "residential_land_pct" => Slot::Decimal(&mut self.residential_land_pct),
            "labour_productivity_wan" => Slot::Decimal(&mut self.labour_productivity_wan),
            "new_economy_share_pct" => Slot::Decimal(&mut self.new_economy_share_pct),
            "rd_intensity_pct" => Slot::Decimal(&mut self.rd_intensity_pct),
            _ => return None,
        })
    }

    /// Stores a value parsed for `name`. The parsers produce the value kind
    /// the field's spec asks for, so a mismatch cannot happen; it is ignored.
    pub(crate) fn set(&mut self, name: &str, value: Value) {
        match (self.slot(name), value) {
            (Some(Slot::Text(s)), Value::Text(v)) => *s = Some(v),
            (Some(Slot::Industry(s)), Value::Choice(c)) => *s = Industry::from_code(c),
            (Some(Slot::ClassicTrade(s)), Value::Choice(c)) => *s = ClassicTrade::from_code(c),
            (Some(Slot::Location(s)), Value::Choice(c)) => *s = Location::from_code(c),
            (Some(Slot::Bool(s)), Value::Bool(v)) => *s = v,
            (Some(Slot::Decimal(s)), Value::Decimal(v)) => *s = Some(v),
            (Some(Slot::Count(s)), Value::Count(v)) => *s = Some(v),
            (Some(Slot::List(s)), Value::List(v)) => *s = v,
            _ => {}
        }
    }
}
