//! Checking a version's scoring tables before it is saved: anything that
//! would make a score meaningless is reported with the table, section or
//! line it concerns.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::Serialize;

use super::model::{Direction, Grades, LineKind, Purpose, ScoringTable};
use super::score::fits_steps;
use crate::domain::Lang;
use crate::domain::creation::Grade;
use crate::standards::model::Standard;
use crate::standards::validate::{StandardError, StandardErrorCode};
use crate::standards::verdict::Severity;

/// What is wrong with a table; the error's `criterion` holds where
/// (`table`, `table/section` or `table/line`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableProblem {
    EmptyCode,
    DuplicateCode,
    NegativePoints,
    /// A criterion line names no criterion of the version.
    UnknownCriterion,
    /// A criterion line names an `info` criterion, which never passes.
    InfoCriterion,
    FractionOutOfRange,
    BadStep,
    /// Base plus the bonus cap exceeds the line's maximum.
    TargetAboveMax,
    BandsOutOfOrder,
    /// A band gives more than the line's maximum.
    BandAboveMax,
    /// A veto carries points.
    VetoWithPoints,
    /// A judged line's maximum is not a whole number of steps.
    MaxNotInSteps,
    /// Two common tables for one purpose, or an industry table without one.
    CommonTable,
    /// Two industry tables of one purpose share an industry.
    IndustryOverlap,
    EmptyIndustries,
    /// Only the common table has grades, and it must have them.
    GradesPlacement,
    /// A band names a section the table does not have.
    UnknownSection,
    /// An annual assessment's grade is not a creation-system grade.
    NotAnnualGrade,
}

impl TableProblem {
    pub fn text(self, detail: &str, lang: Lang) -> String {
        use TableProblem as P;
        let zh = lang == Lang::Zh;
        let d = detail;
        match (self, zh) {
            (P::EmptyCode, true) => "编号不能为空".into(),
            (P::EmptyCode, false) => "A code is needed".into(),
            (P::DuplicateCode, true) => format!("编号“{d}”重复"),
            (P::DuplicateCode, false) => format!("The code “{d}” is used twice"),
            (P::NegativePoints, true) => format!("分值 {d} 不能为负数"),
            (P::NegativePoints, false) => format!("The points {d} cannot be negative"),
            (P::UnknownCriterion, true) => format!("本版本没有指标“{d}”"),
            (P::UnknownCriterion, false) => format!("This version has no criterion “{d}”"),
            (P::InfoCriterion, true) => format!("指标“{d}”是参考指标，不能据以计分"),
            (P::InfoCriterion, false) => format!("The criterion “{d}” is for information and cannot earn points"),
            (P::FractionOutOfRange, true) => format!("预警得分比例 {d} 应在 0 到 1 之间"),
            (P::FractionOutOfRange, false) => format!("The warning fraction {d} must be between 0 and 1"),
            (P::BadStep, true) => format!("步长 {d} 应大于 0"),
            (P::BadStep, false) => format!("The step {d} must be above 0"),
            (P::TargetAboveMax, true) => format!("基本分加最高加分（{d}）超过该项满分"),
            (P::TargetAboveMax, false) => format!("Base plus the bonus cap ({d}) exceeds the line's maximum"),
            (P::BandsOutOfOrder, true) => "分档下限应从高到低严格排列".into(),
            (P::BandsOutOfOrder, false) => "Bands must be listed from the highest minimum down, strictly".into(),
            (P::BandAboveMax, true) => format!("分档分值 {d} 超过该项满分"),
            (P::BandAboveMax, false) => format!("A band's points ({d}) exceed the line's maximum"),
            (P::VetoWithPoints, true) => "否决项的满分应为 0".into(),
            (P::VetoWithPoints, false) => "A veto line's maximum must be 0".into(),
            (P::MaxNotInSteps, true) => format!("满分应为步长 {d} 的整数倍"),
            (P::MaxNotInSteps, false) => format!("The maximum must be a whole number of steps of {d}"),
            (P::CommonTable, true) => format!("“{d}”用途应有且只有一张通用评分表"),
            (P::CommonTable, false) => format!("The purpose “{d}” needs exactly one common table"),
            (P::IndustryOverlap, true) => format!("产业“{d}”出现在同一用途的两张产业评分表中"),
            (P::IndustryOverlap, false) => format!("The industry “{d}” is in two industry tables of one purpose"),
            (P::EmptyIndustries, true) => "产业评分表的产业列表不能为空".into(),
            (P::EmptyIndustries, false) => "An industry table needs at least one industry".into(),
            (P::GradesPlacement, true) => "通用评分表应设等级，产业评分表不设等级".into(),
            (P::GradesPlacement, false) => "The common table needs grades; industry tables have none".into(),
            (P::UnknownSection, true) => format!("等级条件中的部分“{d}”不存在"),
            (P::UnknownSection, false) => format!("The grade names a section “{d}” that does not exist"),
            (P::NotAnnualGrade, true) => format!("年度考核的等级“{d}”不是创建制的等级"),
            (P::NotAnnualGrade, false) => format!("The annual grade “{d}” is not a creation-system grade"),
        }
    }
}

/// Every problem with the version's tables; empty when they are sound.
pub fn check_tables(s: &Standard) -> Vec<StandardError> {
    let mut out = Vec::new();
    let mut push = |at: &str, problem: TableProblem, detail: String| {
        out.push(StandardError::table(at, problem, detail));
    };
    let mut table_codes = BTreeSet::new();
    // Judgements are keyed by line code, and a town is scored on two
    // tables at once: line codes are unique across the version.
    let mut line_codes = BTreeSet::new();
    for t in &s.tables {
        if t.code.trim().is_empty() {
            push("", TableProblem::EmptyCode, String::new());
        }
        if !table_codes.insert(t.code.as_str()) {
            push(&t.code, TableProblem::DuplicateCode, t.code.clone());
        }
        if t.industries.is_some_and(|i| i.is_empty()) {
            push(&t.code, TableProblem::EmptyIndustries, String::new());
        }
        if t.is_common() != t.grades.is_some() {
            push(&t.code, TableProblem::GradesPlacement, String::new());
        }
        let mut section_codes = BTreeSet::new();
        for section in &t.sections {
            let at = format!("{}/{}", t.code, section.code);
            if section.code.trim().is_empty() {
                push(&at, TableProblem::EmptyCode, String::new());
            }
            if !section_codes.insert(section.code.as_str()) {
                push(&at, TableProblem::DuplicateCode, section.code.clone());
            }
            if section.cap < Decimal::ZERO {
                push(&at, TableProblem::NegativePoints, shown(section.cap));
            }
            for line in &section.lines {
                let at = format!("{}/{}", t.code, line.code);
                if line.code.trim().is_empty() {
                    push(&at, TableProblem::EmptyCode, String::new());
                }
                if !line_codes.insert(line.code.as_str()) {
                    push(&at, TableProblem::DuplicateCode, line.code.clone());
                }
                for (problem, detail) in check_line(s, line.max, &line.kind) {
                    push(&at, problem, detail);
                }
            }
        }
        if let Some(grades) = &t.grades {
            for (problem, detail) in check_grades(t, grades) {
                push(&t.code, problem, detail);
            }
        }
    }
    for purpose in Purpose::ALL {
        let of_purpose: Vec<&ScoringTable> = s.tables.iter().filter(|t| t.purpose == purpose).collect();
        let commons = of_purpose.iter().filter(|t| t.is_common()).count();
        if !of_purpose.is_empty() && commons != 1 {
            push("", TableProblem::CommonTable, purpose.code().to_string());
        }
        let sets: Vec<_> = of_purpose.iter().filter_map(|t| t.industries).collect();
        for (n, a) in sets.iter().enumerate() {
            for b in &sets[n + 1..] {
                if let Some(i) = a.intersect(*b).iter().next() {
                    push("", TableProblem::IndustryOverlap, i.code().to_string());
                }
            }
        }
    }
    out
}

fn check_line(s: &Standard, max: Decimal, kind: &LineKind) -> Vec<(TableProblem, String)> {
    use TableProblem as P;
    let mut out = Vec::new();
    let non_negative = |d: Decimal, out: &mut Vec<(P, String)>| {
        if d < Decimal::ZERO {
            out.push((P::NegativePoints, shown(d)));
        }
    };
    non_negative(max, &mut out);
    match kind {
        LineKind::Criterion {
            criterion,
            warn_fraction,
        } => {
            match s.criterion(criterion) {
                None => out.push((P::UnknownCriterion, criterion.clone())),
                Some(c) if c.severity == Severity::Info => out.push((P::InfoCriterion, criterion.clone())),
                Some(_) => {}
            }
            if *warn_fraction < Decimal::ZERO || *warn_fraction > Decimal::ONE {
                out.push((P::FractionOutOfRange, shown(*warn_fraction)));
            }
        }
        LineKind::Target {
            base,
            step,
            per_step_above,
            above_cap,
            per_step_below,
            direction: Direction::Higher | Direction::Lower,
            ..
        } => {
            for d in [*base, *per_step_above, *above_cap, *per_step_below] {
                non_negative(d, &mut out);
            }
            if *step <= Decimal::ZERO {
                out.push((P::BadStep, shown(*step)));
            }
            if base.checked_add(*above_cap).is_none_or(|top| top > max) {
                out.push((P::TargetAboveMax, shown(base.saturating_add(*above_cap))));
            }
        }
        LineKind::Bands { bands, .. } => {
            if bands.is_empty() || bands.windows(2).any(|w| w[0].min <= w[1].min) {
                out.push((P::BandsOutOfOrder, String::new()));
            }
            for b in bands {
                non_negative(b.points, &mut out);
                if b.points > max {
                    out.push((P::BandAboveMax, shown(b.points)));
                }
            }
        }
        LineKind::Judged { step } => {
            if *step <= Decimal::ZERO {
                out.push((P::BadStep, shown(*step)));
            } else if !fits_steps(max, max, *step) {
                out.push((P::MaxNotInSteps, shown(*step)));
            }
        }
        LineKind::Veto { .. } => {
            if !max.is_zero() {
                out.push((P::VetoWithPoints, String::new()));
            }
        }
    }
    out
}

fn check_grades(t: &ScoringTable, grades: &Grades) -> Vec<(TableProblem, String)> {
    let mut out = Vec::new();
    let names = grades
        .bands
        .iter()
        .map(|b| &b.grade)
        .chain(std::iter::once(&grades.otherwise));
    for g in names {
        if t.purpose == Purpose::AnnualAssessment && Grade::from_code(&g.code).is_none() {
            out.push((TableProblem::NotAnnualGrade, g.code.clone()));
        }
    }
    for b in &grades.bands {
        if b.min_total < Decimal::ZERO {
            out.push((TableProblem::NegativePoints, shown(b.min_total)));
        }
        for code in b.section_minimums.keys() {
            if !t.sections.iter().any(|s| &s.code == code) {
                out.push((TableProblem::UnknownSection, code.clone()));
            }
        }
    }
    out
}

fn shown(d: Decimal) -> String {
    d.normalize().to_string()
}

impl StandardError {
    fn table(at: &str, problem: TableProblem, detail: String) -> StandardError {
        StandardError {
            criterion: (!at.is_empty()).then(|| at.to_string()),
            code: StandardErrorCode::Table(problem),
            detail: Some(detail),
        }
    }
}
