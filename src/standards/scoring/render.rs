//! A line's points put into words, for the report, the forms and the API:
//! "完成率 103.7%，目标 100%，超出 3 档：基本分 10 + 3 = 12 分（封顶）".

use rust_decimal::Decimal;

use super::model::{Direction, Line, LineKind, VetoCondition};
use super::score::{How, LineScore};
use crate::domain::Lang;
use crate::standards::model::Standard;
use crate::standards::render::{number, qty};

impl LineScore {
    /// How the line's points were reached, in one sentence.
    pub fn explain(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let pts = number(self.points);
        match &self.how {
            How::Criterion {
                criterion,
                verdict,
                fraction,
            } => {
                if zh {
                    format!(
                        "指标 {criterion} 结论为“{}”，得满分的 {}%：{pts} 分",
                        verdict.label(lang),
                        number(*fraction * Decimal::ONE_HUNDRED)
                    )
                } else {
                    format!(
                        "Criterion {criterion} is “{}”, earning {}% of the maximum: {pts} points",
                        verdict.label(lang),
                        number(*fraction * Decimal::ONE_HUNDRED)
                    )
                }
            }
            How::Target {
                figure,
                value,
                target,
                steps,
                base,
            } => {
                let unit = figure.unit();
                let (value, target) = (qty(*value, unit, lang), qty(*target, unit, lang));
                let subject = figure.subject(lang);
                let whole = number(steps.abs());
                match (zh, steps.is_sign_negative() && !steps.is_zero()) {
                    (true, false) => format!(
                        "{subject} {value}，目标 {target}，超出 {whole} 档：基本分 {} 起计，得 {pts} 分",
                        number(*base)
                    ),
                    (true, true) => format!(
                        "{subject} {value}，目标 {target}，差 {whole} 档（不足一档不计）：基本分 {} 起扣，得 {pts} 分",
                        number(*base)
                    ),
                    (false, false) => format!(
                        "{subject} {value} against a target of {target}, {whole} whole steps above: from a base of {}, {pts} points",
                        number(*base)
                    ),
                    (false, true) => format!(
                        "{subject} {value} against a target of {target}, {whole} whole steps short (part steps do not count): from a base of {}, {pts} points",
                        number(*base)
                    ),
                }
            }
            How::Band { figure, value, min } => {
                let unit = figure.unit();
                let subject = figure.subject(lang);
                let value = qty(*value, unit, lang);
                match (min, zh) {
                    (Some(min), true) => format!("{subject} {value}，达到 {} 一档：{pts} 分", qty(*min, unit, lang)),
                    (Some(min), false) => {
                        format!(
                            "{subject} {value} reaches the band from {}: {pts} points",
                            qty(*min, unit, lang)
                        )
                    }
                    (None, true) => format!("{subject} {value}，未达到最低一档：0 分"),
                    (None, false) => format!("{subject} {value} reaches no band: 0 points"),
                }
            }
            How::Judged { comment, .. } => match (comment.is_empty(), zh) {
                (true, true) => format!("评分 {pts} 分"),
                (true, false) => format!("Scored {pts} points"),
                (false, true) => format!("评分 {pts} 分：{comment}"),
                (false, false) => format!("Scored {pts} points: {comment}"),
            },
            How::Pending if zh => "尚未评分".to_string(),
            How::Pending => "Not yet scored".to_string(),
            How::FigureMissing { figure } if zh => format!("未填报{}，不得分", figure.subject(lang)),
            How::FigureMissing { figure } => format!("{} is not given: no points", figure.subject(lang)),
            How::ControlLines {
                kind, holds, inside_m2, ..
            } => {
                let line = kind.label(lang);
                let area = crate::standards::boundary::area_text(*inside_m2, lang);
                match (holds, zh) {
                    (true, true) => format!("四至范围核查：占用{line} {area}，触发一票否决"),
                    (true, false) => format!("Boundary check: {area} of the {line} taken; the veto holds"),
                    (false, true) => format!("四至范围核查：未占用{line}，未触发"),
                    (false, false) => format!("Boundary check: no {line} taken; the veto does not hold"),
                }
            }
            How::Veto { holds, value, comment } => {
                let figure = value.map(number).unwrap_or_default();
                let mut text = match (holds, zh) {
                    (true, true) => "触发一票否决".to_string(),
                    (true, false) => "The veto holds".to_string(),
                    (false, true) => "未触发".to_string(),
                    (false, false) => "The veto does not hold".to_string(),
                };
                if !figure.is_empty() {
                    text.push_str(if zh { "（数值 " } else { " (figure " });
                    text.push_str(&figure);
                    text.push_str(if zh { "）" } else { ")" });
                }
                if !comment.is_empty() {
                    text.push_str(if zh { "：" } else { ": " });
                    text.push_str(comment);
                }
                text
            }
        }
    }
}

impl Line {
    /// The line's rule in words, for the standards pages.
    pub fn describe(&self, s: &Standard, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let n = |d: Decimal| number(d);
        match &self.kind {
            LineKind::Criterion {
                criterion,
                warn_fraction,
            } => {
                let label = s.criterion_label(criterion, lang);
                let pct = n(*warn_fraction * Decimal::ONE_HUNDRED);
                if zh {
                    format!("指标“{label}”符合或不适用得满分，预警得 {pct}%，不符合或缺项 0 分")
                } else {
                    format!("“{label}” passed or not applicable: full points; warning: {pct}%; fail or missing: 0")
                }
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
            } => {
                let unit = figure.unit();
                let (target, step) = (qty(*target, unit, lang), qty(*step, unit, lang));
                let subject = figure.subject(lang);
                let better = match (direction, zh) {
                    (Direction::Higher, true) => "达到",
                    (Direction::Lower, true) => "不超过",
                    (Direction::Higher, false) => "at least",
                    (Direction::Lower, false) => "at most",
                };
                if zh {
                    format!(
                        "{subject}{better} {target} 得基本分 {}；每好于目标 {step} 加 {} 分（最多加 {} 分），每差 {step} 扣 {} 分，扣完为止；不足一档不计",
                        n(*base),
                        n(*per_step_above),
                        n(*above_cap),
                        n(*per_step_below)
                    )
                } else {
                    format!(
                        "{subject} {better} {target}: {} points; +{} per {step} better (at most +{}), −{} per {step} worse, down to 0; part steps do not count",
                        n(*base),
                        n(*per_step_above),
                        n(*above_cap),
                        n(*per_step_below)
                    )
                }
            }
            LineKind::Bands { figure, bands } => {
                let unit = figure.unit();
                let parts: Vec<String> = bands
                    .iter()
                    .map(|b| {
                        if zh {
                            format!("≥ {} 得 {} 分", qty(b.min, unit, lang), n(b.points))
                        } else {
                            format!("≥ {}: {} points", qty(b.min, unit, lang), n(b.points))
                        }
                    })
                    .collect();
                let sep = if zh { "；" } else { "; " };
                format!(
                    "{}{}{}",
                    figure.subject(lang),
                    if zh { "：" } else { ": " },
                    parts.join(sep)
                )
            }
            LineKind::Judged { step } if zh => format!("人工评分，0 至 {} 分，步长 {}", n(self.max), n(*step)),
            LineKind::Judged { step } => format!("Judged by a person: 0 to {} in steps of {}", n(self.max), n(*step)),
            LineKind::Veto {
                condition: VetoCondition::Judged,
            } if super::score::veto_control_line(&self.code)
                .and_then(|k| super::score::control_lines_criterion(s, k))
                .is_some() =>
            {
                let line = super::score::veto_control_line(&self.code).map_or("", |k| k.label(lang));
                if zh {
                    format!("一票否决：有四至范围时按其管控线核查（是否占用{line}）判定，没有时由评审人员判断")
                } else {
                    format!(
                        "Veto: read from the boundary's control-line check (any {line} taken) when there is a boundary; judged by a person otherwise"
                    )
                }
            }
            LineKind::Veto { condition } => match (condition, zh) {
                (VetoCondition::Judged, true) => "一票否决，由评审人员判断".to_string(),
                (VetoCondition::Judged, false) => "Veto, judged by a person".to_string(),
                (VetoCondition::Above { figure, value }, true) => format!(
                    "一票否决：{} 超过 {}",
                    figure.subject(lang),
                    qty(*value, figure.unit(), lang)
                ),
                (VetoCondition::Above { figure, value }, false) => format!(
                    "Veto: {} above {}",
                    figure.subject(lang),
                    qty(*value, figure.unit(), lang)
                ),
                (VetoCondition::Below { figure, value }, true) => format!(
                    "一票否决：{} 低于 {}",
                    figure.subject(lang),
                    qty(*value, figure.unit(), lang)
                ),
                (VetoCondition::Below { figure, value }, false) => format!(
                    "Veto: {} below {}",
                    figure.subject(lang),
                    qty(*value, figure.unit(), lang)
                ),
            },
        }
    }
}
