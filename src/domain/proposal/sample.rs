//! A realistic proposal for tests, demos and benchmarks.

use rust_decimal_macros::dec;

use super::{Benefits, Functions, Industry, Investment, Location, Proposal};

/// 诸城市's 健康美食小镇 (from the study report): a health-industry town that
/// passes every ZJ-2015 criterion with ordinary margins.
pub fn sample_proposal() -> Proposal {
    Proposal {
        name: "健康美食小镇".to_string(),
        region: "诸城市".to_string(),
        developer: "诸城市健康美食小镇建设发展有限公司".to_string(),
        industry: Industry::Health,
        classic_trade: None,
        location: Location::UrbanRuralFringe,
        accelerated_county: false,
        planned_area_km2: dec!(3.2),
        built_area_km2: dec!(1.05),
        investment: Investment {
            total_yi: dec!(62),
            residential_yi: dec!(6),
            commercial_complex_yi: dec!(4),
            characteristic_yi: dec!(40.5),
            by_year_yi: vec![dec!(14), dec!(22), dec!(26)],
        },
        functions: Functions {
            industry: true,
            culture: true,
            tourism: true,
            community: true,
            public_service_app: true,
            town_living_room: true,
            scenic_level: 3,
            wifi_coverage_pct: dec!(100),
            digital_management_pct: dec!(100),
        },
        benefits: Benefits {
            new_tax_wan: dec!(16000),
            jobs: 5200,
            annual_visitors: 650000,
            enterprises: 120,
            talents: 800,
        },
        green_coverage_pct: Some(dec!(35)),
        residential_land_pct: Some(dec!(18)),
        labour_productivity_wan: Some(dec!(26.5)),
        new_economy_share_pct: Some(dec!(24)),
        rd_intensity_pct: Some(dec!(1.8)),
    }
}
