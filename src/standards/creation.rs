//! The creation system's parameters in a standard version (STANDARDS.md §5):
//! an optional `creation` section. Absent (as in the built-in versions), the
//! defaults of [`CreationRules`] apply; present, it may state only what
//! differs.

use super::model::Standard;
pub use crate::domain::creation::{CreationRules, GradeBands, Period, RewardRules};

impl Standard {
    /// The grade bands and reward parameters this version applies.
    pub fn creation_rules(&self) -> CreationRules {
        self.creation.clone().unwrap_or_default()
    }

    /// P: this version's period for a town, by whether its county is an
    /// accelerated one.
    pub fn period_for(&self, accelerated: bool) -> u32 {
        if accelerated {
            self.accelerated_period_years
        } else {
            self.period_years
        }
    }

    /// This version's creation periods, which a proposal's by-year list
    /// must match.
    pub fn periods(&self) -> crate::domain::proposal::PeriodYears {
        crate::domain::proposal::PeriodYears {
            normal: self.period_years,
            accelerated: self.accelerated_period_years,
        }
    }

    /// The creation period of a town listed in `listing_year` under this
    /// version.
    pub fn creation_period(&self, accelerated: bool, listing_year: i32) -> Period {
        let years = self.period_for(accelerated);
        let rebate = self.creation_rules().reward.tax_rebate_by_year.len() as u32;
        Period {
            listing_year,
            years,
            rebate_years: rebate.max(years),
        }
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::domain::creation::{AnnualFigures, as_built};
    use crate::domain::proposal::sample_proposal;
    use crate::standards::{builtin, evaluate};

    #[test]
    fn built_in_versions_use_the_defaults_and_serialise_unchanged() {
        for s in builtin() {
            assert_eq!(s.creation_rules(), CreationRules::default());
            let json = serde_json::to_value(s).unwrap();
            assert!(
                json.get("creation").is_none(),
                "{} would change its content hash",
                s.code
            );
        }
    }

    fn year(total: &str, residential: &str, complex: &str, characteristic: &str) -> AnnualFigures {
        let d = |v: &str| v.parse::<rust_decimal::Decimal>().unwrap();
        AnnualFigures {
            total_yi: d(total),
            residential_yi: d(residential),
            commercial_complex_yi: d(complex),
            characteristic_yi: d(characteristic),
            land_used_mu: dec!(100),
            new_tax_wan: dec!(16000),
            province_tax_wan: dec!(4000),
            jobs: 5200,
            annual_visitors: 650000,
            enterprises: 120,
            public_service_app: true,
            town_living_room: true,
            scenic_level: 3,
            wifi_coverage_pct: dec!(100),
            digital_management_pct: dec!(100),
        }
    }

    #[test]
    fn a_town_built_exactly_as_planned_is_evaluated_exactly_as_planned() {
        // The sample plan: 62 亿元 (14 / 22 / 26), of which 6 housing, 4
        // complexes, 40.5 characteristic; its benefits and functions.
        let plan = sample_proposal();
        let reports = [
            year("14", "6", "4", "4"),
            year("22", "0", "0", "22"),
            year("26", "0", "0", "14.5"),
        ];
        let built = as_built(&plan, &reports).unwrap();
        assert_eq!(built, plan, "the actual figures take the plan's place one for one");
        for standard in builtin() {
            assert_eq!(
                evaluate(&built, standard),
                evaluate(&plan, standard),
                "{}",
                standard.code
            );
        }
        // One figure short changes exactly the criteria that read it: WiFi
        // coverage of 95% instead of 100 (the last year's counts).
        let mut short = reports.clone();
        short[2].wifi_coverage_pct = dec!(95);
        let built = as_built(&plan, &short).unwrap();
        let standard = &builtin()[0];
        let (planned, actual) = (evaluate(&plan, standard), evaluate(&built, standard));
        let changed: Vec<&str> = planned
            .findings
            .iter()
            .filter(|f| actual.verdict(&f.criterion) != Some(f.verdict))
            .map(|f| f.criterion.as_str())
            .collect();
        assert!(!changed.is_empty(), "the WiFi criterion fails as built");
        assert!(changed.iter().all(|c| c.contains("wifi")), "{changed:?}");
        // So does the investment: a year reported short lowers the total.
        let mut behind = reports.clone();
        behind[2] = year("6", "0", "0", "6");
        let built = as_built(&plan, &behind).unwrap();
        assert_eq!(built.investment().total_yi, dec!(42));
        assert_eq!(built.investment().by_year_yi, vec![dec!(14), dec!(22), dec!(6)]);
        assert_ne!(evaluate(&built, standard).overall, planned.overall);
    }

    #[test]
    fn a_version_may_state_its_own_bands() {
        let mut json = serde_json::to_value(&builtin()[0]).unwrap();
        json["creation"] = serde_json::json!({"bands": {"excellent_pct": "130"}, "reward": {"factor": "0.4"}});
        let s: Standard = serde_json::from_value(json).unwrap();
        let rules = s.creation_rules();
        assert_eq!(rules.bands.excellent_pct, dec!(130));
        assert_eq!(rules.bands.good_pct, dec!(100));
        assert_eq!(rules.reward.factor, dec!(0.4));
        assert_eq!(rules.reward.high_factor, dec!(0.6));
    }
}
