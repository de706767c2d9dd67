//! A line's points put into words, for the report, the forms and the API:
//! "完成率 103.7%，目标 100%，超出 3 档：基本分 10 + 3 = 12 分（封顶）".

use rust_decimal::Decimal;

use super::score::{How, LineScore};
use crate::domain::Lang;
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
