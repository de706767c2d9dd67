//! The creation system's parameters in a standard version (STANDARDS.md §5):
//! an optional `creation` section. Absent (as in the built-in versions), the
//! defaults of [`CreationRules`] apply; present, it may state only what
//! differs.

use super::model::Standard;
pub use crate::domain::creation::{CreationRules, GradeBands, RewardRules};

impl Standard {
    /// The grade bands and reward parameters this version applies.
    pub fn creation_rules(&self) -> CreationRules {
        self.creation.clone().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::standards::builtin;

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
