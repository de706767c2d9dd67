//! Checking a standard's parameters before it is saved (the admin editor):
//! anything that would make `evaluate` meaningless is reported, in both
//! languages, with the criterion it concerns.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::Serialize;

use super::metric::Metric;
use super::model::{CriterionKind, Standard, Threshold, When};
use super::verdict::Severity;
use crate::domain::Lang;
use crate::domain::proposal::Unit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StandardErrorCode {
    /// The JSON could not be read (detail holds the parser's words).
    Syntax,
    EmptyCode,
    BadVersion,
    BadPeriod,
    NoEligibleIndustries,
    ExemptNotEligible,
    EmptyId,
    DuplicateId,
    NegativeThreshold,
    PercentOutOfRange,
    GradeOutOfRange,
    BandInverted,
    EmptyIndustries,
    LocationConflict,
    NoFlags,
    ReportNotInfo,
    /// A material criterion with severity info (a material is required or
    /// not listed).
    MaterialInfo,
    /// Two criteria ask for the same material.
    DuplicateMaterial,
    /// A scoring line names a material type that does not exist.
    UnknownMaterial,
    /// A boundary criterion with severity info.
    BoundaryInfo,
    /// A boundary area tolerance outside (0, 100) percent.
    BoundaryTolerance,
    /// A negative least counted area.
    BoundaryMinArea,
    /// A control-lines criterion naming no layer, a layer twice, or one
    /// both forbidden and to be within.
    BoundaryLayers,
    /// A scoring table's problem; `criterion` says where in the table.
    Table(super::scoring::TableProblem),
    /// The creation section's grade bands are not strictly decreasing
    /// (优秀 > 良好 > 合格 > 警告 ≥ 0), or no warnings make a demotion.
    CreationBands,
    /// A rebate rate outside 0–1.
    CreationRate,
    /// r (or the penalty multiple) not above 0.
    CreationFactor,
    /// A report deadline that is not a day of every year.
    CreationDeadline,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StandardError {
    /// The criterion concerned, if any.
    pub criterion: Option<String>,
    pub code: StandardErrorCode,
    /// A figure or parser message the text quotes.
    pub detail: Option<String>,
}

impl StandardError {
    fn new(criterion: Option<&str>, code: StandardErrorCode, detail: Option<String>) -> StandardError {
        StandardError {
            criterion: criterion.map(str::to_string),
            code,
            detail,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        use StandardErrorCode as C;
        let d = self.detail.as_deref().unwrap_or("");
        let zh = lang == Lang::Zh;
        let text = match (self.code, zh) {
            (C::Syntax, true) => format!("标准文件无法读取：{d}"),
            (C::Syntax, false) => format!("The standard cannot be read: {d}"),
            (C::EmptyCode, true) => "标准代码不能为空".to_string(),
            (C::EmptyCode, false) => "The standard needs a code".to_string(),
            (C::BadVersion, true) => "版本号应为正整数".to_string(),
            (C::BadVersion, false) => "The version must be a positive whole number".to_string(),
            (C::BadPeriod, true) => "创建期年数应在 1 到 5 年之间".to_string(),
            (C::BadPeriod, false) => "The creation period must be from 1 to 5 years".to_string(),
            (C::NoEligibleIndustries, true) => "至少要有一个可申报产业".to_string(),
            (C::NoEligibleIndustries, false) => "At least one industry must be eligible".to_string(),
            (C::ExemptNotEligible, true) => format!("放宽标准的产业“{d}”不在可申报产业中"),
            (C::ExemptNotEligible, false) => format!("The exempt industry “{d}” is not eligible"),
            (C::EmptyId, true) => "指标编号不能为空".to_string(),
            (C::EmptyId, false) => "Every criterion needs an id".to_string(),
            (C::DuplicateId, true) => "指标编号重复".to_string(),
            (C::DuplicateId, false) => "The criterion id is used twice".to_string(),
            (C::NegativeThreshold, true) => format!("标准值 {d} 不能为负数"),
            (C::NegativeThreshold, false) => format!("The threshold {d} cannot be negative"),
            (C::PercentOutOfRange, true) => format!("百分比 {d} 应在 0 到 100 之间"),
            (C::PercentOutOfRange, false) => format!("The percentage {d} must be between 0 and 100"),
            (C::GradeOutOfRange, true) => format!("景区等级 {d} 应在 0 到 5 之间"),
            (C::GradeOutOfRange, false) => format!("The scenic grade {d} must be between 0 and 5"),
            (C::BandInverted, true) => format!("范围的下限应小于上限（{d}）"),
            (C::BandInverted, false) => format!("The lower bound must be below the upper bound ({d})"),
            (C::EmptyIndustries, true) => "产业列表不能为空".to_string(),
            (C::EmptyIndustries, false) => "The list of industries cannot be empty".to_string(),
            (C::LocationConflict, true) => "同一选址不能既“符合”又“预警”".to_string(),
            (C::LocationConflict, false) => "A site cannot both pass and warn".to_string(),
            (C::NoFlags, true) => "至少要列出一项功能".to_string(),
            (C::NoFlags, false) => "List at least one function".to_string(),
            (C::ReportNotInfo, true) => "只报告数值的指标应为参考指标（info）".to_string(),
            (C::ReportNotInfo, false) => "A criterion that only reports a figure must have severity info".to_string(),
            (C::MaterialInfo, true) => "申报材料指标应为硬性或引导性指标".to_string(),
            (C::MaterialInfo, false) => "A material criterion must be hard or soft".to_string(),
            (C::DuplicateMaterial, true) => format!("申报材料“{d}”被多个指标要求"),
            (C::DuplicateMaterial, false) => format!("The material “{d}” is asked for by more than one criterion"),
            (C::UnknownMaterial, true) => format!(
                "评分项的材料类型“{d}”不存在（应为 concept_plan、investment_plan、developer_profile、support_policy、basic_info 之一）"
            ),
            (C::UnknownMaterial, false) => format!(
                "The scoring line's material type “{d}” does not exist (one of concept_plan, investment_plan, developer_profile, support_policy, basic_info)"
            ),
            (C::BoundaryInfo, true) => "四至范围指标应为硬性或引导性指标".to_string(),
            (C::BoundaryInfo, false) => "A boundary criterion must be hard or soft".to_string(),
            (C::BoundaryTolerance, true) => format!("面积允许偏差 {d}% 应大于 0 且小于 100"),
            (C::BoundaryTolerance, false) => format!("The area tolerance {d}% must be above 0 and below 100"),
            (C::BoundaryMinArea, true) => format!("计入的最小面积 {d} 平方米不能为负数"),
            (C::BoundaryMinArea, false) => format!("The least counted area {d} m² cannot be negative"),
            (C::BoundaryLayers, true) => {
                "控制线指标应至少列出一类图层，每类只列一次，且不能既禁止占用又要求位于其内".to_string()
            }
            (C::BoundaryLayers, false) => {
                "A control-lines criterion lists at least one kind of layer, each once, none both forbidden and required to contain the town".to_string()
            }
            (C::Table(problem), _) => {
                let text = problem.text(d, lang);
                return match &self.criterion {
                    Some(at) if zh => format!("评分表 {at}：{text}"),
                    Some(at) => format!("Scoring table {at}: {text}"),
                    None if zh => format!("评分表：{text}"),
                    None => format!("Scoring tables: {text}"),
                };
            }
            (C::CreationBands, true) => format!("创建制考核等次的完成率界限应从优秀到警告依次递减且不为负数（{d}）"),
            (C::CreationBands, false) => {
                format!(
                    "The creation grades' completion bands must fall strictly from excellent to warning, none negative ({d})"
                )
            }
            (C::CreationRate, true) => format!("财政返还比例 {d} 应在 0 到 1 之间"),
            (C::CreationRate, false) => format!("The tax rebate rate {d} must be between 0 and 1"),
            (C::CreationFactor, true) => format!("用地奖励系数和倒扣倍数应大于 0（{d}）"),
            (C::CreationFactor, false) => format!("The land factor r and the penalty multiple must be above 0 ({d})"),
            (C::CreationDeadline, true) => format!("报送截止日期 {d} 不是每年都有的日期"),
            (C::CreationDeadline, false) => format!("The report deadline {d} is not a day of every year"),
        };
        match &self.criterion {
            Some(id) if zh => format!("指标 {id}：{text}"),
            Some(id) => format!("Criterion {id}: {text}"),
            None => text,
        }
    }
}

impl Standard {
    /// Reads and checks a standard from JSON text, for the admin editor.
    pub fn parse_checked(text: &str) -> Result<Standard, Vec<StandardError>> {
        let s = Standard::from_json(text)
            .map_err(|e| vec![StandardError::new(None, StandardErrorCode::Syntax, Some(e.to_string()))])?;
        let errors = s.validate();
        if errors.is_empty() { Ok(s) } else { Err(errors) }
    }

    /// Every problem with the standard's parameters; empty when it is sound.
    pub fn validate(&self) -> Vec<StandardError> {
        use StandardErrorCode as C;
        let mut errors = Vec::new();
        let mut push =
            |id: Option<&str>, code, detail: Option<String>| errors.push(StandardError::new(id, code, detail));
        if self.code.trim().is_empty() {
            push(None, C::EmptyCode, None);
        }
        if self.version < 1 {
            push(None, C::BadVersion, None);
        }
        // The tax rebate runs five years from the listing year: a longer
        // period has no meaning in the creation system.
        let years = 1..=5;
        if !years.contains(&self.period_years) || !years.contains(&self.accelerated_period_years) {
            push(None, C::BadPeriod, None);
        }
        if let Some(rules) = &self.creation {
            for (code, detail) in creation_problems(rules) {
                push(None, code, Some(detail));
            }
        }
        if self.eligible_industries.is_empty() {
            push(None, C::NoEligibleIndustries, None);
        }
        for i in self.exempt_industries.minus(self.eligible_industries).iter() {
            push(None, C::ExemptNotEligible, Some(i.code().to_string()));
        }
        for (n, c) in self.criteria.iter().enumerate() {
            let id = Some(c.id.as_str());
            if c.id.trim().is_empty() {
                push(None, C::EmptyId, None);
            }
            if self.criteria[..n].iter().any(|o| o.id == c.id) {
                push(id, C::DuplicateId, None);
            }
            if c.applies_to.is_some_and(|s| s.is_empty()) {
                push(id, C::EmptyIndustries, None);
            }
            let mut figure = |metric: Metric, d: Decimal| {
                if let Some((code, detail)) = check_figure(metric, d) {
                    push(id, code, Some(detail));
                }
            };
            match &c.kind {
                CriterionKind::AtLeast { metric, threshold } | CriterionKind::AtMost { metric, threshold } => {
                    for d in threshold_values(threshold) {
                        figure(*metric, d);
                    }
                }
                CriterionKind::Band {
                    metric,
                    lower,
                    upper,
                    overrides,
                } => {
                    let bands = std::iter::once((*lower, *upper)).chain(overrides.iter().map(|o| (o.lower, o.upper)));
                    for (lo, hi) in bands {
                        figure(*metric, lo);
                        if let Some(hi) = hi {
                            figure(*metric, hi);
                        }
                    }
                }
                CriterionKind::Equals { metric, value } => figure(*metric, *value),
                _ => {}
            }
            match &c.kind {
                CriterionKind::Band {
                    lower,
                    upper,
                    overrides,
                    ..
                } => {
                    let bands = std::iter::once((*lower, *upper)).chain(overrides.iter().map(|o| (o.lower, o.upper)));
                    for (lo, hi) in bands {
                        if let Some(hi) = hi.filter(|hi| lo >= *hi) {
                            let mut d = String::new();
                            let _ = write!(d, "{} ≥ {}", lo.normalize(), hi.normalize());
                            push(id, C::BandInverted, Some(d));
                        }
                    }
                    if overrides.iter().any(|o| o.industries.is_empty()) {
                        push(id, C::EmptyIndustries, None);
                    }
                }
                CriterionKind::AtLeast { threshold, .. } | CriterionKind::AtMost { threshold, .. }
                    if threshold
                        .overrides
                        .iter()
                        .any(|o| matches!(o.when, When::Industries(s) if s.is_empty())) =>
                {
                    push(id, C::EmptyIndustries, None);
                }
                CriterionKind::Location { pass, warn } if !pass.intersect(*warn).is_empty() => {
                    push(id, C::LocationConflict, None);
                }
                CriterionKind::AllFlags { flags } if flags.is_empty() => push(id, C::NoFlags, None),
                CriterionKind::Report { .. } if c.severity != Severity::Info => push(id, C::ReportNotInfo, None),
                CriterionKind::Material { .. } if c.severity == Severity::Info => push(id, C::MaterialInfo, None),
                k if k.is_boundary() && c.severity == Severity::Info => push(id, C::BoundaryInfo, None),
                CriterionKind::Material { material }
                    if self.criteria[..n]
                        .iter()
                        .any(|o| matches!(o.kind, CriterionKind::Material { material: m } if m == *material)) =>
                {
                    push(id, C::DuplicateMaterial, Some(material.code().to_string()));
                }
                _ => {}
            }
            match &c.kind {
                CriterionKind::BoundaryArea { tolerance_pct }
                    if *tolerance_pct <= Decimal::ZERO || *tolerance_pct >= dec!(100) =>
                {
                    push(id, C::BoundaryTolerance, Some(tolerance_pct.normalize().to_string()));
                }
                CriterionKind::BoundaryOverlap { min_area_m2 } if *min_area_m2 < Decimal::ZERO => {
                    push(id, C::BoundaryMinArea, Some(min_area_m2.normalize().to_string()));
                }
                CriterionKind::BoundaryControlLines {
                    forbidden,
                    within,
                    min_area_m2,
                } => {
                    if *min_area_m2 < Decimal::ZERO {
                        push(id, C::BoundaryMinArea, Some(min_area_m2.normalize().to_string()));
                    }
                    let all: Vec<_> = forbidden.iter().chain(within).collect();
                    let repeated = all.iter().enumerate().any(|(i, k)| all[..i].contains(k));
                    if all.is_empty() || repeated {
                        push(id, C::BoundaryLayers, None);
                    }
                }
                _ => {}
            }
        }
        for line in self.tables.iter().flat_map(|t| t.lines()) {
            for m in &line.materials {
                if crate::domain::material::MaterialType::from_code(m).is_none() {
                    push(Some(line.code.as_str()), C::UnknownMaterial, Some(m.clone()));
                }
            }
        }
        errors.extend(super::scoring::check_tables(self));
        errors
    }
}

/// What is wrong with a creation section (STANDARDS.md §5: bands strictly
/// ordered, rates 0–1, r > 0).
fn creation_problems(rules: &crate::domain::creation::CreationRules) -> Vec<(StandardErrorCode, String)> {
    use StandardErrorCode as C;
    let mut problems = Vec::new();
    let b = &rules.bands;
    let bands = [b.excellent_pct, b.good_pct, b.pass_pct, b.warning_pct];
    if bands.windows(2).any(|w| w[0] <= w[1]) || b.warning_pct < Decimal::ZERO || b.warnings_to_demote == 0 {
        let shown: Vec<String> = bands.iter().map(|d| d.normalize().to_string()).collect();
        problems.push((C::CreationBands, shown.join(" > ")));
    }
    let r = &rules.reward;
    for rate in &r.tax_rebate_by_year {
        if *rate < Decimal::ZERO || *rate > Decimal::ONE {
            problems.push((C::CreationRate, rate.normalize().to_string()));
        }
    }
    for factor in [r.high_factor, r.factor, r.penalty_multiple] {
        if factor <= Decimal::ZERO {
            problems.push((C::CreationFactor, factor.normalize().to_string()));
        }
    }
    if !rules.deadline.is_valid() {
        problems.push((
            C::CreationDeadline,
            format!("{}-{}", rules.deadline.month, rules.deadline.day),
        ));
    }
    problems
}

fn threshold_values(t: &Threshold) -> impl Iterator<Item = Decimal> + '_ {
    std::iter::once(t.default).chain(t.overrides.iter().map(|o| o.value))
}

fn check_figure(metric: Metric, d: Decimal) -> Option<(StandardErrorCode, String)> {
    let shown = d.normalize().to_string();
    if d < Decimal::ZERO {
        return Some((StandardErrorCode::NegativeThreshold, shown));
    }
    match metric.unit() {
        Unit::Pct if d > dec!(100) => Some((StandardErrorCode::PercentOutOfRange, shown)),
        Unit::Grade if d > dec!(5) => Some((StandardErrorCode::GradeOutOfRange, shown)),
        _ => None,
    }
}
