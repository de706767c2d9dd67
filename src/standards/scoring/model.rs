//! A scoring table (评分细则) as data: sections of lines, each line one kind
//! of rule with its parameters, grade bands over the total. Adding a kind of
//! line is one [`LineKind`] variant plus its arm in `score`; changing points
//! is editing JSON.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

use crate::domain::Lang;
use crate::domain::proposal::{Proposal, Unit};
use crate::standards::metric::Metric;
use crate::standards::model::{Citation, exact, exact_opt};
use crate::standards::sets::IndustrySet;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringTable {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub purpose: Purpose,
    /// The industries an "X" table is for; absent for the common table,
    /// which every town is scored on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industries: Option<IndustrySet>,
    pub sections: Vec<Section>,
    /// Only the common table has grades; they apply to the sum of the
    /// common table and the town's industry table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grades: Option<Grades>,
    /// Worked cases that must keep their totals, grades and vetoes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<ScoreExample>,
}

impl ScoringTable {
    pub fn name(&self, lang: Lang) -> &str {
        pick(lang, &self.name_zh, &self.name_en)
    }

    pub fn is_common(&self) -> bool {
        self.industries.is_none()
    }

    pub fn lines(&self) -> impl Iterator<Item = &Line> {
        self.sections.iter().flat_map(|s| s.lines.iter())
    }

    pub fn line(&self, code: &str) -> Option<&Line> {
        self.lines().find(|l| l.code == code)
    }
}

/// What a table is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// The review of a proposal for the creation list.
    CreationReview,
    /// A listed town's yearly assessment.
    AnnualAssessment,
    /// The acceptance at the end of the creation period.
    Acceptance,
}

impl Purpose {
    pub const ALL: [Purpose; 3] = [Purpose::CreationReview, Purpose::AnnualAssessment, Purpose::Acceptance];

    pub fn code(self) -> &'static str {
        match self {
            Purpose::CreationReview => "creation_review",
            Purpose::AnnualAssessment => "annual_assessment",
            Purpose::Acceptance => "acceptance",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Purpose::CreationReview, Lang::Zh) => "创建申报评审",
            (Purpose::CreationReview, Lang::En) => "Creation-list review",
            (Purpose::AnnualAssessment, Lang::Zh) => "年度考核",
            (Purpose::AnnualAssessment, Lang::En) => "Annual assessment",
            (Purpose::Acceptance, Lang::Zh) => "验收命名",
            (Purpose::Acceptance, Lang::En) => "Acceptance",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The most the section's lines can add up to.
    #[serde(with = "exact")]
    pub cap: Decimal,
    pub lines: Vec<Line>,
}

impl Section {
    pub fn name(&self, lang: Lang) -> &str {
        pick(lang, &self.name_zh, &self.name_en)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The most the line gives (0 for a veto).
    #[serde(with = "exact")]
    pub max: Decimal,
    /// 评分指导点: what a scorer looks at.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evidence_zh: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evidence_en: String,
    /// Material types the evidence rests on (judged lines).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub materials: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<Citation>,
    pub kind: LineKind,
}

impl Line {
    pub fn name(&self, lang: Lang) -> &str {
        pick(lang, &self.name_zh, &self.name_en)
    }

    pub fn evidence(&self, lang: Lang) -> &str {
        pick(lang, &self.evidence_zh, &self.evidence_en)
    }

    /// Whether a person gives this line's points or answer.
    pub fn is_judged(&self) -> bool {
        matches!(
            self.kind,
            LineKind::Judged { .. }
                | LineKind::Veto {
                    condition: VetoCondition::Judged
                }
        )
    }
}

/// One kind of line, with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum LineKind {
    /// Full points when a criterion of the same version passes (or does not
    /// apply), `warn_fraction` of them on `warn`, nothing otherwise.
    Criterion {
        criterion: String,
        #[serde(default, with = "exact")]
        warn_fraction: Decimal,
    },
    /// A figure against a target: `base` when met, `per_step_above` for
    /// each whole `step` beyond it (at most `above_cap` more), less
    /// `per_step_below` for each whole step short of it, down to 0.
    Target {
        figure: Figure,
        #[serde(default)]
        direction: Direction,
        #[serde(with = "exact")]
        target: Decimal,
        #[serde(with = "exact")]
        base: Decimal,
        #[serde(with = "exact")]
        step: Decimal,
        #[serde(default, with = "exact")]
        per_step_above: Decimal,
        #[serde(default, with = "exact")]
        above_cap: Decimal,
        #[serde(default, with = "exact")]
        per_step_below: Decimal,
    },
    /// Ranges of a figure → points: the first band whose `min` the figure
    /// reaches (bands listed from the highest `min` down); none → 0.
    Bands { figure: Figure, bands: Vec<PointBand> },
    /// 0..max in steps of `step`, given by a person with a comment.
    Judged {
        #[serde(with = "exact")]
        step: Decimal,
    },
    /// 一票否决: the whole result is the lowest grade when it holds.
    Veto { condition: VetoCondition },
}

impl LineKind {
    pub const CODES: [&'static str; 5] = ["criterion", "target", "bands", "judged", "veto"];

    pub fn code(&self) -> &'static str {
        match self {
            LineKind::Criterion { .. } => "criterion",
            LineKind::Target { .. } => "target",
            LineKind::Bands { .. } => "bands",
            LineKind::Judged { .. } => "judged",
            LineKind::Veto { .. } => "veto",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// More is better (investment, completion).
    #[default]
    Higher,
    /// Less is better (a residential share).
    Lower,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointBand {
    #[serde(with = "exact")]
    pub min: Decimal,
    #[serde(with = "exact")]
    pub points: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case", deny_unknown_fields)]
pub enum VetoCondition {
    /// A person answers yes or no.
    Judged,
    /// Holds when the figure is above `value`.
    Above {
        figure: Figure,
        #[serde(with = "exact")]
        value: Decimal,
    },
    /// Holds when the figure is below `value`.
    Below {
        figure: Figure,
        #[serde(with = "exact")]
        value: Decimal,
    },
}

/// The figure a computed line reads: one of the engine's metrics, or a
/// figure only scoring uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Figure {
    Metric(Metric),
    Scoring(ScoringFigure),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoringFigure {
    /// residential_yi / total_yi, in percent (房地产化倾向).
    ResidentialSharePct,
    /// The year's cumulative completion rate, in percent; given by the
    /// annual assessment that scores a report.
    CompletionPct,
}

impl Figure {
    /// The figure for a proposal; `None` when it cannot be known (an
    /// absent optional input, or a completion outside an assessment).
    pub fn value(self, p: &Proposal, completion_pct: Option<Decimal>) -> Option<Decimal> {
        match self {
            Figure::Metric(m) => m.value(p),
            Figure::Scoring(ScoringFigure::ResidentialSharePct) => {
                let i = p.investment();
                (i.residential_yi * dec!(100)).checked_div(i.total_yi)
            }
            Figure::Scoring(ScoringFigure::CompletionPct) => completion_pct,
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            Figure::Metric(m) => m.unit(),
            Figure::Scoring(_) => Unit::Pct,
        }
    }

    pub fn subject(self, lang: Lang) -> &'static str {
        match self {
            Figure::Metric(m) => m.subject(lang),
            Figure::Scoring(ScoringFigure::ResidentialSharePct) => pick(lang, "商品住宅投资占比", "Residential share"),
            Figure::Scoring(ScoringFigure::CompletionPct) => pick(lang, "投资完成率", "Completion"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grades {
    /// Best first: the first band the result reaches names the grade.
    pub bands: Vec<GradeBand>,
    /// The grade below every band, and the grade of a vetoed result.
    pub otherwise: GradeName,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeBand {
    pub grade: GradeName,
    #[serde(default, with = "exact")]
    pub min_total: Decimal,
    /// Minimum subtotals of named sections (Putian's 优秀: basic ≥ 85 and
    /// bonus ≥ 8).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub section_minimums: BTreeMap<String, DecimalValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeName {
    /// For an annual assessment, a grade code of the creation system
    /// (excellent, good, qualified, warning, demoted, eliminated).
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl GradeName {
    pub fn name(&self, lang: Lang) -> &str {
        pick(lang, &self.name_zh, &self.name_en)
    }
}

/// A decimal map value, read from its exact text like every decimal of a
/// standard file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DecimalValue(#[serde(with = "exact")] pub Decimal);

/// What a person gave one judged line.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Judgement {
    /// Points of a `judged` line.
    #[serde(default, with = "exact_opt", skip_serializing_if = "Option::is_none")]
    pub points: Option<Decimal>,
    /// The answer of a judged veto: true when the veto holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub veto: Option<bool>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
}

/// Judged lines by line code.
pub type Judgements = BTreeMap<String, Judgement>;

/// A worked case: a proposal, what people judged, and the result it must get.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreExample {
    pub name: String,
    pub proposal: serde_json::Value,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub judged: Judgements,
    #[serde(default, with = "exact_opt", skip_serializing_if = "Option::is_none")]
    pub completion_pct: Option<Decimal>,
    #[serde(with = "exact")]
    pub expected_total: Decimal,
    /// The grade's code.
    pub expected_grade: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expected_vetoes: Vec<String>,
}

fn pick<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}
