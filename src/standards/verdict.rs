//! A criterion's severity, a finding's verdict and an evaluation's overall
//! verdict: the engine's words for an outcome, with the codes they are
//! stored under.

use serde::{Deserialize, Serialize};

use crate::domain::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Not met: `fail`.
    Hard,
    /// Not met: `warn` (unless the rule names a `fail` case).
    Soft,
    /// Reported only.
    Info,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Hard, Severity::Soft, Severity::Info];

    pub fn code(self) -> &'static str {
        match self {
            Severity::Hard => "hard",
            Severity::Soft => "soft",
            Severity::Info => "info",
        }
    }

    /// The severity of a code as written in a standard (`hard`…).
    pub fn from_code(code: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Severity::Hard, Lang::Zh) => "硬性指标",
            (Severity::Hard, Lang::En) => "Hard",
            (Severity::Soft, Lang::Zh) => "引导性指标",
            (Severity::Soft, Lang::En) => "Soft",
            (Severity::Info, Lang::Zh) => "参考指标",
            (Severity::Info, Lang::En) => "Info",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
    Info,
    NotApplicable,
    Missing,
}

impl Verdict {
    /// The verdict of a code as stored (`pass`, `not_applicable`…).
    pub fn from_code(code: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.code() == code)
    }

    pub const ALL: [Verdict; 6] = [
        Verdict::Pass,
        Verdict::Warn,
        Verdict::Fail,
        Verdict::Info,
        Verdict::NotApplicable,
        Verdict::Missing,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
            Verdict::Info => "info",
            Verdict::NotApplicable => "not_applicable",
            Verdict::Missing => "missing",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Verdict::Pass, Lang::Zh) => "符合",
            (Verdict::Pass, Lang::En) => "Pass",
            (Verdict::Warn, Lang::Zh) => "预警",
            (Verdict::Warn, Lang::En) => "Warning",
            (Verdict::Fail, Lang::Zh) => "不符合",
            (Verdict::Fail, Lang::En) => "Fail",
            (Verdict::Info, Lang::Zh) => "参考",
            (Verdict::Info, Lang::En) => "Info",
            (Verdict::NotApplicable, Lang::Zh) => "不适用",
            (Verdict::NotApplicable, Lang::En) => "Not applicable",
            (Verdict::Missing, Lang::Zh) => "缺项",
            (Verdict::Missing, Lang::En) => "Missing",
        }
    }

    /// Whether `required` and `margin` are shown (they are null otherwise).
    pub fn is_judged(self) -> bool {
        matches!(self, Verdict::Pass | Verdict::Warn | Verdict::Fail)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overall {
    Pass,
    PassWithWarnings,
    Fail,
}

impl Overall {
    /// STANDARDS.md §2: `fail` if any finding fails or a hard criterion is
    /// missing; else `pass_with_warnings` if any warns or a soft criterion is
    /// missing; else `pass`. Takes plain pairs so the web layer can recompute
    /// the outcome after a reviewer overrides a finding.
    pub fn from_findings<I: IntoIterator<Item = (Verdict, Severity)>>(findings: I) -> Overall {
        let mut overall = Overall::Pass;
        for (verdict, severity) in findings {
            match (verdict, severity) {
                (Verdict::Fail, _) | (Verdict::Missing, Severity::Hard) => return Overall::Fail,
                (Verdict::Warn, _) | (Verdict::Missing, Severity::Soft) => overall = Overall::PassWithWarnings,
                _ => {}
            }
        }
        overall
    }

    pub const ALL: [Overall; 3] = [Overall::Pass, Overall::PassWithWarnings, Overall::Fail];

    /// The overall verdict of a code as stored (`pass_with_warnings`…).
    pub fn from_code(code: &str) -> Option<Overall> {
        Overall::ALL.into_iter().find(|o| o.code() == code)
    }

    pub fn code(self) -> &'static str {
        match self {
            Overall::Pass => "pass",
            Overall::PassWithWarnings => "pass_with_warnings",
            Overall::Fail => "fail",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Overall::Pass, Lang::Zh) => "合格",
            (Overall::Pass, Lang::En) => "Passed",
            (Overall::PassWithWarnings, Lang::Zh) => "基本合格（有预警）",
            (Overall::PassWithWarnings, Lang::En) => "Passed with warnings",
            (Overall::Fail, Lang::Zh) => "不合格",
            (Overall::Fail, Lang::En) => "Failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_back_and_unknown_codes_do_not() {
        for v in Verdict::ALL {
            assert_eq!(Verdict::from_code(v.code()), Some(v));
        }
        for o in Overall::ALL {
            assert_eq!(Overall::from_code(o.code()), Some(o));
        }
        assert_eq!(Verdict::from_code("passed"), None);
        assert_eq!(Overall::from_code("warn"), None);
    }
}
