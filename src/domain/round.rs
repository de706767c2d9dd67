//! Rounds (申报批次) and the stages a submitted proposal passes through in
//! one (DESIGN.md "Review as provinces run it"): county submission → city
//! pre-review → formal review → expert review → joint decision. A round
//! switches stages off; a proposal skips the stages that are off, and the
//! city stage when its county has no city yet.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Lang;

/// Where a submitted proposal is in its round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 市级初审推荐
    City,
    /// 形式审查
    Formal,
    /// 专家评审
    Expert,
    /// 联审
    Joint,
}

impl Stage {
    /// In the order a proposal passes through them.
    pub const ALL: [Stage; 4] = [Stage::City, Stage::Formal, Stage::Expert, Stage::Joint];

    pub fn code(self) -> &'static str {
        match self {
            Stage::City => "city",
            Stage::Formal => "formal",
            Stage::Expert => "expert",
            Stage::Joint => "joint",
        }
    }

    pub fn from_code(code: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Stage::City, Lang::Zh) => "市级初审推荐",
            (Stage::Formal, Lang::Zh) => "形式审查",
            (Stage::Expert, Lang::Zh) => "专家评审",
            (Stage::Joint, Lang::Zh) => "联审决定",
            (Stage::City, Lang::En) => "City pre-review",
            (Stage::Formal, Lang::En) => "Formal review",
            (Stage::Expert, Lang::En) => "Expert review",
            (Stage::Joint, Lang::En) => "Joint decision",
        }
    }
}

/// Which optional stages a round has on. The joint decision is always on:
/// with everything else off it is today's single-reviewer decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Stages {
    pub city: bool,
    pub formal: bool,
    pub expert: bool,
    pub notice: bool,
}

impl Stages {
    fn is_on(self, stage: Stage, county_has_city: bool) -> bool {
        match stage {
            Stage::City => self.city && county_has_city,
            Stage::Formal => self.formal,
            Stage::Expert => self.expert,
            Stage::Joint => true,
        }
    }

    /// Where a (re)submitted proposal enters: the first stage that is on.
    /// A returned proposal re-enters here too.
    pub fn first(self, county_has_city: bool) -> Stage {
        Stage::ALL
            .into_iter()
            .find(|s| self.is_on(*s, county_has_city))
            .unwrap_or(Stage::Joint)
    }

    /// The stage after `current` once it is passed (recommended by the
    /// city, found complete, scored); `None` after the joint decision.
    pub fn after(self, current: Stage, county_has_city: bool) -> Option<Stage> {
        Stage::ALL
            .into_iter()
            .filter(|s| *s > current)
            .find(|s| self.is_on(*s, county_has_city))
    }
}

/// Why a submission cannot enter a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryRefusal {
    Closed,
    PastDeadline,
}

/// Whether a proposal may be submitted into a round at `now`: nothing
/// enters after the deadline or once the round is closed.
pub fn may_enter(deadline: Option<DateTime<Utc>>, closed: bool, now: DateTime<Utc>) -> Result<(), EntryRefusal> {
    if closed {
        return Err(EntryRefusal::Closed);
    }
    match deadline {
        Some(d) if now > d => Err(EntryRefusal::PastDeadline),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn codes_round_trip() {
        for s in Stage::ALL {
            assert_eq!(Stage::from_code(s.code()), Some(s));
        }
        assert_eq!(Stage::from_code("notice"), None);
    }

    #[test]
    fn with_every_stage_off_a_submission_goes_straight_to_the_decision() {
        let off = Stages::default();
        assert_eq!(off.first(true), Stage::Joint);
        assert_eq!(off.after(Stage::Joint, true), None);
    }

    #[test]
    fn a_full_round_passes_every_stage_in_order() {
        let all = Stages {
            city: true,
            formal: true,
            expert: true,
            notice: true,
        };
        assert_eq!(all.first(true), Stage::City);
        assert_eq!(all.after(Stage::City, true), Some(Stage::Formal));
        assert_eq!(all.after(Stage::Formal, true), Some(Stage::Expert));
        assert_eq!(all.after(Stage::Expert, true), Some(Stage::Joint));
        assert_eq!(all.after(Stage::Joint, true), None);
    }

    #[test]
    fn a_county_without_a_city_skips_the_city_stage() {
        let all = Stages {
            city: true,
            formal: true,
            expert: true,
            notice: false,
        };
        assert_eq!(all.first(false), Stage::Formal);
        let city_only = Stages {
            city: true,
            ..Stages::default()
        };
        assert_eq!(city_only.first(false), Stage::Joint);
        assert_eq!(city_only.first(true), Stage::City);
        assert_eq!(city_only.after(Stage::City, true), Some(Stage::Joint));
    }

    #[test]
    fn stages_that_are_off_are_skipped() {
        let s = Stages {
            city: true,
            formal: false,
            expert: true,
            notice: false,
        };
        assert_eq!(s.after(Stage::City, true), Some(Stage::Expert));
    }

    #[test]
    fn nothing_enters_after_the_deadline_or_a_closed_round() {
        let deadline = Utc.with_ymd_and_hms(2027, 3, 31, 16, 0, 0).unwrap();
        let before = Utc.with_ymd_and_hms(2027, 3, 31, 15, 59, 59).unwrap();
        let after = Utc.with_ymd_and_hms(2027, 3, 31, 16, 0, 1).unwrap();
        assert_eq!(may_enter(Some(deadline), false, before), Ok(()));
        assert_eq!(may_enter(Some(deadline), false, deadline), Ok(()));
        assert_eq!(may_enter(Some(deadline), false, after), Err(EntryRefusal::PastDeadline));
        assert_eq!(may_enter(None, false, after), Ok(()));
        assert_eq!(may_enter(None, true, before), Err(EntryRefusal::Closed));
    }
}
