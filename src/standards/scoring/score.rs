//! Scoring a proposal on a table: points per line with how they were
//! reached, capped section subtotals, the total, vetoes and the grade. Pure,
//! exact (decimals only) and never panicking: every product and quotient is
//! checked.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::model::{Direction, Figure, GradeName, Judgements, Line, LineKind, Purpose, ScoringTable, VetoCondition};
use crate::domain::Lang;
use crate::domain::proposal::{Industry, Proposal};
use crate::standards::boundary::{BoundaryDetail, BoundaryFacts, BoundaryState, LayerKind};
use crate::standards::evaluate::{Attachments, Detail, Evaluation, StandardRef, evaluate, evaluate_with};
use crate::standards::model::{CriterionKind, Standard};
use crate::standards::verdict::Verdict;

/// Everything besides the proposal that a score depends on.
#[derive(Debug, Clone, Default)]
pub struct ScoreInputs<'a> {
    /// What people judged, by line code.
    pub judged: Option<&'a Judgements>,
    /// A reviewer's final verdicts, by criterion id (the evaluation's own
    /// verdict where absent).
    pub overrides: Option<&'a BTreeMap<String, Verdict>>,
    /// The cumulative completion of an assessed year, in percent.
    pub completion_pct: Option<Decimal>,
    /// The judged points are a panel's means (see [`super::aggregate`]):
    /// within 0..max, but not whole steps.
    pub means: bool,
    /// The boundary as measured (frozen with the evaluation scored): the
    /// boundary criteria are judged on it, and the control-line vetoes
    /// (see [`veto_control_line`]) are computed from `boundary.control_lines`
    /// rather than judged. Without it they are judged by hand.
    pub boundary: Option<&'a BoundaryFacts>,
}

/// The control line a judged veto asks about, known by its code as the
/// built-in tables name it: `v.redline` (占用生态保护红线) and `v.farmland`
/// (占用永久基本农田). When the version has a `boundary.control_lines`
/// criterion forbidding that line and the boundary was checked against a
/// layer of it, the veto is that check's result; otherwise it stays judged.
pub fn veto_control_line(code: &str) -> Option<LayerKind> {
    match code {
        "v.redline" => Some(LayerKind::EcologicalRedLine),
        "v.farmland" => Some(LayerKind::PermanentBasicFarmland),
        _ => None,
    }
}

/// The criterion of `s` that forbids control line `kind`, if any.
pub fn control_lines_criterion(s: &Standard, kind: LayerKind) -> Option<&str> {
    s.criteria.iter().find_map(|c| match &c.kind {
        CriterionKind::BoundaryControlLines { forbidden, .. } if forbidden.contains(&kind) => Some(c.id.as_str()),
        _ => None,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreResult {
    pub standard: StandardRef,
    /// The common table's code, then the industry table's, if any.
    pub tables: Vec<String>,
    pub sections: Vec<SectionScore>,
    pub total: Decimal,
    /// The sum of the caps of the sections scored.
    pub maximum: Decimal,
    /// Codes of the veto lines that hold.
    pub vetoes: Vec<String>,
    /// None only when the table has no grades.
    pub grade: Option<GradeName>,
    /// Judged lines no one has given yet: the result is provisional.
    pub pending: Vec<String>,
}

impl ScoreResult {
    pub fn line(&self, code: &str) -> Option<&LineScore> {
        self.sections
            .iter()
            .flat_map(|s| s.lines.iter())
            .find(|l| l.code == code)
    }

    pub fn section(&self, code: &str) -> Option<&SectionScore> {
        self.sections.iter().find(|s| s.code == code)
    }

    pub fn is_complete(&self) -> bool {
        self.pending.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionScore {
    pub table: String,
    pub code: String,
    pub cap: Decimal,
    /// The lines' points added up, before the cap.
    pub sum: Decimal,
    pub subtotal: Decimal,
    pub lines: Vec<LineScore>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineScore {
    pub code: String,
    pub kind: &'static str,
    pub max: Decimal,
    pub points: Decimal,
    pub how: How,
}

/// A line of a stored result (a result is kept with an annual assessment
/// and shown from the record), its kind read back as the engine's code.
#[derive(Deserialize)]
struct StoredLine {
    code: String,
    kind: String,
    max: Decimal,
    points: Decimal,
    how: How,
}

impl<'de> Deserialize<'de> for LineScore {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<LineScore, D::Error> {
        let l = StoredLine::deserialize(d)?;
        let kind = LineKind::CODES
            .iter()
            .copied()
            .find(|c| *c == l.kind)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown line kind {}", l.kind)))?;
        Ok(LineScore {
            code: l.code,
            kind,
            max: l.max,
            points: l.points,
            how: l.how,
        })
    }
}

/// How a line's points were reached, as values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum How {
    Criterion {
        criterion: String,
        verdict: Verdict,
        /// The share of the line's maximum the verdict earns.
        fraction: Decimal,
    },
    /// `steps` whole steps beyond the target (negative: short of it).
    Target {
        figure: Figure,
        value: Decimal,
        target: Decimal,
        steps: Decimal,
        base: Decimal,
    },
    /// `min` of the band reached; none reached when absent.
    Band {
        figure: Figure,
        value: Decimal,
        min: Option<Decimal>,
    },
    Judged {
        points: Decimal,
        comment: String,
    },
    /// A judged line or veto no one has given yet.
    Pending,
    /// The figure cannot be known: no points, and a veto does not hold.
    FigureMissing {
        figure: Figure,
    },
    Veto {
        holds: bool,
        /// The figure a computed veto read.
        value: Option<Decimal>,
        comment: String,
    },
    /// A control-line veto computed from the boundary's check
    /// (`criterion`): it holds when the boundary takes part of line `kind`.
    ControlLines {
        criterion: String,
        kind: LayerKind,
        holds: bool,
        /// The boundary's area inside the line, m².
        inside_m2: Decimal,
    },
}

/// Why a request to score cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ScoreError {
    UnknownTable {
        table: String,
    },
    /// Scoring starts from a common table, which brings the industry's own.
    NotCommon {
        table: String,
    },
    UnknownLine {
        line: String,
    },
    /// Points given to a line no person judges.
    NotJudged {
        line: String,
    },
    /// Points outside 0..max or not a whole number of steps.
    BadPoints {
        line: String,
        max: Decimal,
        step: Decimal,
    },
    /// A veto answer for a line that is not a judged veto, or points for one.
    BadVetoAnswer {
        line: String,
    },
}

impl ScoreError {
    /// The line it concerns; empty for a table error.
    pub fn line(&self) -> String {
        match self {
            ScoreError::UnknownTable { .. } | ScoreError::NotCommon { .. } => String::new(),
            ScoreError::UnknownLine { line }
            | ScoreError::NotJudged { line }
            | ScoreError::BadPoints { line, .. }
            | ScoreError::BadVetoAnswer { line } => line.clone(),
        }
    }

    /// The input field it concerns, as the API names it.
    pub fn field(&self) -> String {
        match self {
            ScoreError::UnknownTable { .. } | ScoreError::NotCommon { .. } => "table".to_string(),
            ScoreError::UnknownLine { line }
            | ScoreError::NotJudged { line }
            | ScoreError::BadPoints { line, .. }
            | ScoreError::BadVetoAnswer { line } => format!("judged.{line}"),
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            ScoreError::UnknownTable { table } if zh => format!("该标准版本没有评分表“{table}”"),
            ScoreError::UnknownTable { table } => format!("This standard version has no scoring table “{table}”"),
            ScoreError::NotCommon { table } if zh => format!("“{table}”是产业评分表，请选择通用评分表"),
            ScoreError::NotCommon { table } => format!("“{table}” is an industry table; name the common table"),
            ScoreError::UnknownLine { line } if zh => format!("评分表中没有评分项“{line}”"),
            ScoreError::UnknownLine { line } => format!("The table has no line “{line}”"),
            ScoreError::NotJudged { line } if zh => format!("评分项“{line}”由系统计算，不能人工打分"),
            ScoreError::NotJudged { line } => format!("The line “{line}” is computed, not judged"),
            ScoreError::BadPoints { max, step, .. } if zh => format!(
                "分值应在 0 到 {} 之间，且为 {} 的整数倍",
                max.normalize(),
                step.normalize()
            ),
            ScoreError::BadPoints { max, step, .. } => format!(
                "Points must be between 0 and {} in steps of {}",
                max.normalize(),
                step.normalize()
            ),
            ScoreError::BadVetoAnswer { .. } if zh => "否决项只能回答“是”或“否”，不能打分".to_string(),
            ScoreError::BadVetoAnswer { .. } => "A veto takes a yes or no, not points".to_string(),
        }
    }
}

/// The common table `table` plus the table of the proposal's industry for
/// the same purpose, if the version has one.
pub fn tables_for<'s>(
    s: &'s Standard,
    table: &str,
    p: &Proposal,
) -> Result<(&'s ScoringTable, Option<&'s ScoringTable>), ScoreError> {
    let common = s.table(table).ok_or_else(|| ScoreError::UnknownTable {
        table: table.to_string(),
    })?;
    if !common.is_common() {
        return Err(ScoreError::NotCommon {
            table: table.to_string(),
        });
    }
    Ok((common, industry_table(s, common.purpose, p)))
}

fn industry_table<'s>(s: &'s Standard, purpose: Purpose, p: &Proposal) -> Option<&'s ScoringTable> {
    table_of_industry(s, purpose, Some(p.industry()))
}

fn table_of_industry(s: &Standard, purpose: Purpose, industry: Option<Industry>) -> Option<&ScoringTable> {
    let industry = industry?;
    s.tables
        .iter()
        .find(|t| t.purpose == purpose && t.industries.is_some_and(|set| set.contains(industry)))
}

/// The version's common table for `purpose`, if it has one.
pub fn common_table(s: &Standard, purpose: Purpose) -> Option<&ScoringTable> {
    s.tables.iter().find(|t| t.is_common() && t.purpose == purpose)
}

/// The common table plus the industry's own, for a town whose industry may
/// not be chosen yet (a draft).
pub fn tables_of<'s>(s: &'s Standard, common: &'s ScoringTable, industry: Option<Industry>) -> Vec<&'s ScoringTable> {
    std::iter::once(common)
        .chain(table_of_industry(s, common.purpose, industry))
        .collect()
}

/// Scores `p` on the common table `table` of `s` (and its industry's table).
/// Judged input that does not fit the table is refused, every problem at once.
pub fn score(p: &Proposal, s: &Standard, table: &str, inputs: &ScoreInputs) -> Result<ScoreResult, Vec<ScoreError>> {
    let (common, industry) = tables_for(s, table, p).map_err(|e| vec![e])?;
    let tables: Vec<&ScoringTable> = std::iter::once(common).chain(industry).collect();
    let errors = check_judgements(&tables, inputs.judged, !inputs.means);
    if !errors.is_empty() {
        return Err(errors);
    }
    let evaluation = match inputs.boundary {
        Some(facts) => evaluate_with(
            p,
            s,
            &Attachments {
                materials: None,
                boundary: BoundaryState::Known(facts.clone()),
            },
        ),
        None => evaluate(p, s),
    };
    let ctx = Ctx {
        p,
        s,
        evaluation: &evaluation,
        inputs,
    };

    let mut result = ScoreResult {
        standard: evaluation.standard.clone(),
        tables: tables.iter().map(|t| t.code.clone()).collect(),
        sections: Vec::with_capacity(tables.iter().map(|t| t.sections.len()).sum()),
        total: Decimal::ZERO,
        maximum: Decimal::ZERO,
        vetoes: Vec::new(),
        grade: None,
        pending: Vec::new(),
    };
    for t in &tables {
        for section in &t.sections {
            let lines: Vec<LineScore> = section.lines.iter().map(|l| ctx.line(l)).collect();
            for l in &lines {
                match &l.how {
                    How::Pending => result.pending.push(l.code.clone()),
                    How::Veto { holds: true, .. } | How::ControlLines { holds: true, .. } => {
                        result.vetoes.push(l.code.clone())
                    }
                    _ => {}
                }
            }
            let sum = lines
                .iter()
                .try_fold(Decimal::ZERO, |acc, l| acc.checked_add(l.points))
                .unwrap_or(section.cap);
            let subtotal = sum.min(section.cap).max(Decimal::ZERO);
            result.total = result.total.checked_add(subtotal).unwrap_or(result.total);
            result.maximum = result.maximum.checked_add(section.cap).unwrap_or(result.maximum);
            result.sections.push(SectionScore {
                table: t.code.clone(),
                code: section.code.clone(),
                cap: section.cap,
                sum,
                subtotal,
                lines,
            });
        }
    }
    result.grade = common.grades.as_ref().map(|g| {
        if !result.vetoes.is_empty() {
            return g.otherwise.clone();
        }
        g.bands
            .iter()
            .find(|b| {
                result.total >= b.min_total
                    && b.section_minimums.iter().all(|(code, min)| {
                        // Checked: an admin's caps may be as large as a
                        // decimal holds, and `sum` would panic past that.
                        result
                            .sections
                            .iter()
                            .filter(|s| &s.code == code)
                            .try_fold(Decimal::ZERO, |acc, s| acc.checked_add(s.subtotal))
                            .unwrap_or(Decimal::MAX)
                            >= min.0
                    })
            })
            .map_or_else(|| g.otherwise.clone(), |b| b.grade.clone())
    });
    Ok(result)
}

/// Every judgement must name a judged line of the tables and fit it.
pub fn check_judged(tables: &[&ScoringTable], judged: Option<&Judgements>) -> Vec<ScoreError> {
    check_judgements(tables, judged, true)
}

/// [`check_judged`], where `whole_steps` is false for a panel's means:
/// within 0..=max, but a mean of whole steps need not be one.
fn check_judgements(tables: &[&ScoringTable], judged: Option<&Judgements>, whole_steps: bool) -> Vec<ScoreError> {
    let mut errors = Vec::new();
    for (code, j) in judged.into_iter().flatten() {
        let line = || code.to_string();
        let Some(l) = tables.iter().find_map(|t| t.line(code)) else {
            errors.push(ScoreError::UnknownLine { line: line() });
            continue;
        };
        match &l.kind {
            LineKind::Judged { step } => {
                if j.veto.is_some() {
                    errors.push(ScoreError::BadVetoAnswer { line: line() });
                } else if let Some(points) = j.points
                    && !(if whole_steps {
                        fits_steps(points, l.max, *step)
                    } else {
                        points >= Decimal::ZERO && points <= l.max
                    })
                {
                    errors.push(ScoreError::BadPoints {
                        line: line(),
                        max: l.max,
                        step: *step,
                    });
                }
            }
            LineKind::Veto {
                condition: VetoCondition::Judged,
            } => {
                if j.points.is_some() {
                    errors.push(ScoreError::BadVetoAnswer { line: line() });
                }
            }
            _ => errors.push(ScoreError::NotJudged { line: line() }),
        }
    }
    errors
}

/// Within 0..=max and a whole number of steps.
pub fn fits_steps(points: Decimal, max: Decimal, step: Decimal) -> bool {
    points >= Decimal::ZERO && points <= max && !step.is_zero() && points.checked_rem(step).is_some_and(|r| r.is_zero())
}

struct Ctx<'a> {
    p: &'a Proposal,
    s: &'a Standard,
    evaluation: &'a Evaluation,
    inputs: &'a ScoreInputs<'a>,
}

impl Ctx<'_> {
    fn line(&self, l: &Line) -> LineScore {
        let (points, how) = match &l.kind {
            LineKind::Criterion {
                criterion,
                warn_fraction,
            } => {
                let verdict = self
                    .inputs
                    .overrides
                    .and_then(|o| o.get(criterion).copied())
                    .or_else(|| self.evaluation.verdict(criterion))
                    .unwrap_or(Verdict::Missing);
                let fraction = match verdict {
                    Verdict::Pass | Verdict::NotApplicable => Decimal::ONE,
                    Verdict::Warn => *warn_fraction,
                    Verdict::Fail | Verdict::Missing | Verdict::Info => Decimal::ZERO,
                };
                let how = How::Criterion {
                    criterion: criterion.clone(),
                    verdict,
                    fraction,
                };
                (l.max.checked_mul(fraction).unwrap_or_default(), how)
            }
            LineKind::Target {
                figure,
                direction,
                target,
                base,
                step,
                per_step_above,
                above_cap,
                per_step_below,
            } => match self.figure(*figure) {
                None => (Decimal::ZERO, How::FigureMissing { figure: *figure }),
                Some(value) => {
                    let beyond = match direction {
                        Direction::Higher => value.checked_sub(*target),
                        Direction::Lower => target.checked_sub(value),
                    }
                    .unwrap_or_default();
                    // Partial steps earn nothing: 97.2% against 100% is two
                    // whole points short, not 2.8.
                    let whole = beyond.abs().checked_div(*step).map(|q| q.floor()).unwrap_or_default();
                    let points = if beyond >= Decimal::ZERO {
                        let bonus = whole.checked_mul(*per_step_above).unwrap_or(*above_cap);
                        base.checked_add(bonus.min(*above_cap)).unwrap_or(*base)
                    } else {
                        let deduction = whole.checked_mul(*per_step_below).unwrap_or(*base);
                        base.checked_sub(deduction).unwrap_or_default().max(Decimal::ZERO)
                    };
                    let steps = if beyond >= Decimal::ZERO { whole } else { -whole };
                    let how = How::Target {
                        figure: *figure,
                        value,
                        target: *target,
                        steps,
                        base: *base,
                    };
                    (points.min(l.max), how)
                }
            },
            LineKind::Bands { figure, bands } => match self.figure(*figure) {
                None => (Decimal::ZERO, How::FigureMissing { figure: *figure }),
                Some(value) => {
                    let band = bands.iter().find(|b| value >= b.min);
                    let how = How::Band {
                        figure: *figure,
                        value,
                        min: band.map(|b| b.min),
                    };
                    (band.map_or(Decimal::ZERO, |b| b.points.min(l.max)), how)
                }
            },
            LineKind::Judged { .. } => match self.judgement(&l.code).and_then(|j| j.points.map(|p| (p, j))) {
                None => (Decimal::ZERO, How::Pending),
                Some((points, j)) => (
                    points,
                    How::Judged {
                        points,
                        comment: j.comment.clone(),
                    },
                ),
            },
            LineKind::Veto { condition } => (Decimal::ZERO, self.veto(&l.code, condition)),
        };
        LineScore {
            code: l.code.clone(),
            kind: l.kind.code(),
            max: l.max,
            points,
            how,
        }
    }

    /// A control-line veto computed from the boundary's check, when there
    /// is one for its line.
    fn control_line_veto(&self, code: &str) -> Option<How> {
        let kind = veto_control_line(code)?;
        self.inputs.boundary?;
        let criterion = control_lines_criterion(self.s, kind)?;
        let finding = self.evaluation.findings.iter().find(|f| f.criterion == criterion)?;
        let Detail::Boundary(BoundaryDetail::ControlLines { crossed, unchecked, .. }) = &finding.detail else {
            return None;
        };
        if unchecked.contains(&kind) {
            // No layer of this line: a person judges.
            return None;
        }
        let hit = crossed.iter().find(|l| l.kind == kind);
        // A reviewer who overrode the check to a verdict other than a fail
        // found the line not taken.
        let overridden = self
            .inputs
            .overrides
            .and_then(|o| o.get(criterion))
            .is_some_and(|v| *v != Verdict::Fail);
        Some(How::ControlLines {
            criterion: criterion.to_string(),
            kind,
            holds: hit.is_some() && !overridden,
            inside_m2: hit.map_or(Decimal::ZERO, |l| l.inside_m2),
        })
    }

    fn veto(&self, code: &str, condition: &VetoCondition) -> How {
        let (figure, value, above) = match condition {
            VetoCondition::Judged => {
                if let Some(how) = self.control_line_veto(code) {
                    return how;
                }
                return match self.judgement(code).and_then(|j| j.veto.map(|v| (v, j))) {
                    None => How::Pending,
                    Some((holds, j)) => How::Veto {
                        holds,
                        value: None,
                        comment: j.comment.clone(),
                    },
                };
            }
            VetoCondition::Above { figure, value } => (*figure, *value, true),
            VetoCondition::Below { figure, value } => (*figure, *value, false),
        };
        match self.figure(figure) {
            None => How::FigureMissing { figure },
            Some(v) => How::Veto {
                holds: if above { v > value } else { v < value },
                value: Some(v),
                comment: String::new(),
            },
        }
    }

    fn figure(&self, f: Figure) -> Option<Decimal> {
        f.value(self.p, self.inputs.completion_pct)
    }

    fn judgement(&self, code: &str) -> Option<&super::model::Judgement> {
        self.inputs.judged.and_then(|j| j.get(code))
    }
}
