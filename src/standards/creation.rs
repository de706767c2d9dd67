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
