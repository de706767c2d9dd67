//! Turning findings into words, in the style of an official report. Figures
//! are shown exactly when they were typed; a quotient that must be rounded is
//! rounded towards failing, so a failing value never looks like a passing one.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::evaluate::{Basis, Detail, Evaluation, Finding, Requirement, StandardRef};
use super::figures::{Num, Qty, Req, Signed, Threshold, shown_quantity, shown_reported, sign};
use super::sets::{FlagSet, IndustrySet, LocationSet, Member, Set};
use super::verdict::{Overall, Severity, Verdict};
use crate::domain::Lang;
use crate::domain::proposal::Unit;

/// A finding in one language, ready for a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedFinding {
    pub criterion: String,
    pub verdict: Verdict,
    pub severity: Severity,
    pub actual: Option<String>,
    pub required: Option<String>,
    pub margin: Option<String>,
    pub message: String,
    pub citation: String,
}

/// A finding as the JSON API answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiFinding {
    pub criterion: String,
    pub verdict: Verdict,
    pub actual: Option<String>,
    pub required: Option<String>,
    pub margin: Option<String>,
    pub message_zh: String,
    pub message_en: String,
    pub citation: String,
}

/// `{standard:{code,version}, overall, findings:[…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiEvaluation {
    pub standard: StandardRef,
    pub overall: Overall,
    pub findings: Vec<ApiFinding>,
}

impl Evaluation {
    pub fn render(&self, lang: Lang) -> Vec<RenderedFinding> {
        self.findings.iter().map(|f| f.render(lang)).collect()
    }

    /// The API answer; `actual`, `required` and `margin` in `lang`, the
    /// message in both languages.
    pub fn to_api(&self, lang: Lang) -> ApiEvaluation {
        ApiEvaluation {
            standard: self.standard.clone(),
            overall: self.overall,
            findings: self
                .findings
                .iter()
                .map(|f| {
                    let judged = f.verdict.is_judged();
                    ApiFinding {
                        criterion: f.criterion.clone(),
                        verdict: f.verdict,
                        actual: f.actual(lang),
                        required: if judged { f.required(lang) } else { None },
                        margin: if judged { f.margin(lang) } else { None },
                        message_zh: f.message(Lang::Zh),
                        message_en: f.message(Lang::En),
                        citation: f.citation.text(),
                    }
                })
                .collect(),
        }
    }

    /// The API answer as JSON, with Chinese figures (the default language).
    pub fn to_api_json(&self) -> serde_json::Value {
        serde_json::to_value(self.to_api(Lang::Zh)).unwrap_or(serde_json::Value::Null)
    }
}

impl Finding {
    pub fn render(&self, lang: Lang) -> RenderedFinding {
        let judged = self.verdict.is_judged();
        RenderedFinding {
            criterion: self.criterion.clone(),
            verdict: self.verdict,
            severity: self.severity,
            actual: self.actual(lang),
            required: if judged { self.required(lang) } else { None },
            margin: if judged { self.margin(lang) } else { None },
            message: self.message(lang),
            citation: self.citation.text(),
        }
    }

    /// The unit of the figure, for quantity findings.
    pub fn unit(&self) -> Option<Unit> {
        match &self.detail {
            Detail::Quantity { metric, .. } | Detail::Reported { metric, .. } | Detail::Missing { metric } => {
                Some(metric.unit())
            }
            _ => None,
        }
    }

    /// What the proposal has ("52 亿元"); `None` when nothing was given or it does not apply.
    pub fn actual(&self, lang: Lang) -> Option<String> {
        Some(match &self.detail {
            Detail::Quantity {
                metric,
                actual,
                required,
                margin,
                ..
            } => shown_quantity(*actual, required, *margin, metric.unit(), lang)
                .0
                .to_string(),
            Detail::Reported { metric, actual } => shown_reported(*actual, metric.unit(), lang).to_string(),
            Detail::Flags { present, .. } => flag_list(*present, lang),
            Detail::Named { value, .. } if value.trim().is_empty() => none_given(lang).to_string(),
            Detail::Named { value, .. } => value.clone(),
            Detail::Industry { actual, .. } => actual.label(lang).to_string(),
            Detail::Location { actual, .. } => actual.label(lang).to_string(),
            Detail::Material { .. } if self.verdict == Verdict::Pass => match lang {
                Lang::Zh => "已上传".to_string(),
                Lang::En => "uploaded".to_string(),
            },
            Detail::Boundary(b) => return super::boundary::actual(b, lang),
            Detail::Missing { .. } | Detail::NotApplicable { .. } | Detail::Material { .. } => return None,
        })
    }

    /// What the criterion asks for ("≥ 50 亿元").
    pub fn required(&self, lang: Lang) -> Option<String> {
        Some(match &self.detail {
            Detail::Quantity { metric, required, .. } => Req(*required, metric.unit(), lang).to_string(),
            Detail::Flags { required, .. } => flag_list(*required, lang),
            Detail::Named { .. } => match lang {
                Lang::Zh => "明确投资建设主体".to_string(),
                Lang::En => "a named investment and construction entity".to_string(),
            },
            Detail::Industry { eligible, .. } => match lang {
                Lang::Zh => format!("{}之一", industry_list(*eligible, lang)),
                Lang::En => format!("one of: {}", industry_list(*eligible, lang)),
            },
            Detail::Location { preferred, .. } => location_list(*preferred, lang),
            Detail::Material { material } => match lang {
                Lang::Zh => format!("提交{}", material.label(lang)),
                Lang::En => format!("the {} uploaded", material.label(lang).to_lowercase()),
            },
            Detail::Boundary(b) => return super::boundary::required(b, lang),
            Detail::Reported { .. } | Detail::Missing { .. } | Detail::NotApplicable { .. } => return None,
        })
    }

    /// By how much it passes (+) or misses (−) ("+2 亿元", "−0.02 个百分点").
    pub fn margin(&self, lang: Lang) -> Option<String> {
        match &self.detail {
            Detail::Quantity {
                metric,
                actual,
                margin,
                required,
                ..
            } => Some(Signed(shown_quantity(*actual, required, *margin, metric.unit(), lang).1).to_string()),
            Detail::Flags { required, present } => {
                let missing = required.minus(*present).len();
                let n = Decimal::from(missing as i64);
                Some(match lang {
                    Lang::Zh => format!("{}{} 项", sign(-n), Num(n)),
                    Lang::En => format!("{}{} items", sign(-n), Num(n)),
                })
            }
            Detail::Boundary(b) => super::boundary::margin(b, lang),
            _ => None,
        }
    }

    /// One sentence saying what was found.
    pub fn message(&self, lang: Lang) -> String {
        let mut m = String::with_capacity(96);
        // Writing into a String cannot fail.
        let _ = write_message(&mut m, self, lang);
        m
    }
}

fn write_message(m: &mut String, f: &Finding, lang: Lang) -> std::fmt::Result {
    let zh = lang == Lang::Zh;
    match &f.detail {
        Detail::Quantity {
            metric,
            actual,
            required,
            margin,
            basis,
        } => {
            let unit = metric.unit();
            let subject = metric.subject(lang);
            let (a, by) = shown_quantity(*actual, required, *margin, unit, lang);
            let q = metric.qualifier(lang);
            let sign = margin.cmp(&Decimal::ZERO);
            use std::cmp::Ordering::{Equal, Greater, Less};
            // "低于 70%" is said by the comparison that follows.
            match (zh, a.is_beyond()) {
                (true, false) => write!(m, "{subject} {a}{q}，")?,
                (true, true) => write!(m, "{subject}{q}，")?,
                (false, false) => write!(m, "{subject} of {a}{q} ")?,
                (false, true) => write!(m, "{subject}{q} ")?,
            }
            match (*required, sign) {
                (Requirement::AtLeast { value }, s) => {
                    let r = Threshold(value, unit, lang);
                    match (s, zh) {
                        (Greater, true) => write!(m, "高于 {r}的标准 {by}"),
                        (Equal, true) => write!(m, "达到 {r}的标准"),
                        (Less, true) => write!(m, "低于 {r}的标准 {by}"),
                        (Greater, false) => write!(m, "exceeds the {r} threshold by {by}"),
                        (Equal, false) => write!(m, "meets the {r} threshold"),
                        (Less, false) => write!(m, "falls short of the {r} threshold by {by}"),
                    }?
                }
                (Requirement::AtMost { value }, s) => {
                    let r = Threshold(value, unit, lang);
                    match (s, zh) {
                        (Greater, true) => write!(m, "低于 {r}的上限 {by}"),
                        (Equal, true) => write!(m, "等于 {r}的上限"),
                        (Less, true) => write!(m, "超过 {r}的上限 {by}"),
                        (Greater, false) => write!(m, "is below the {r} limit by {by}"),
                        (Equal, false) => write!(m, "is at the {r} limit"),
                        (Less, false) => write!(m, "exceeds the {r} limit by {by}"),
                    }?
                }
                (Requirement::Equals { value }, s) => {
                    let r = Threshold(value, unit, lang);
                    let below = *actual < value;
                    match (s, zh, below) {
                        (Less, true, true) => write!(m, "未达到 {r}的要求，相差 {by}"),
                        (Less, true, false) => write!(m, "不符合 {r}的要求，相差 {by}"),
                        (_, true, _) => write!(m, "达到 {r}的要求"),
                        (Less, false, true) => write!(m, "falls short of the required {r} by {by}"),
                        (Less, false, false) => write!(m, "differs from the required {r} by {by}"),
                        (_, false, _) => write!(m, "meets the required {r}"),
                    }?
                }
                (Requirement::Between { lower, upper }, s) => {
                    let (lo, hi) = (Threshold(lower, unit, lang), Threshold(upper, unit, lang));
                    let range = if zh {
                        Req(*required, unit, lang).to_string()
                    } else {
                        format!("{}–{}", Threshold(lower, unit, lang), Threshold(upper, unit, lang))
                    };
                    match (s, zh, *actual < lower) {
                        (Less, true, true) => write!(m, "小于 {lo}的下限 {by}"),
                        (Less, true, false) => write!(m, "大于 {hi}的上限 {by}"),
                        (_, true, _) => write!(m, "在 {range}的范围内"),
                        (Less, false, true) => write!(m, "is below the {lo} lower bound by {by}"),
                        (Less, false, false) => write!(m, "is above the {hi} upper bound by {by}"),
                        (_, false, _) => write!(m, "is within the {range} range"),
                    }?
                }
            }
            write_basis(m, basis, lang)
        }
        Detail::Reported { metric, actual } => {
            let a = shown_reported(*actual, metric.unit(), lang);
            let q = metric.qualifier(lang);
            match lang {
                Lang::Zh => write!(m, "{} {a}{q}", metric.subject(lang)),
                Lang::En => write!(m, "{}: {a}{q}", metric.subject(lang)),
            }
        }
        Detail::Flags { required, present } => {
            let missing = required.minus(*present);
            match (missing.is_empty(), zh) {
                (true, true) => write!(m, "已具备{}", flag_list(*required, lang)),
                (true, false) => write!(m, "Provides the {}", flag_list(*required, lang)),
                (false, true) => write!(m, "缺少{}", flag_list(missing, lang)),
                (false, false) => write!(m, "Lacks the {}", flag_list(missing, lang)),
            }
        }
        Detail::Named { value, .. } => match (value.trim().is_empty(), zh) {
            (true, true) => write!(m, "未明确投资建设主体"),
            (true, false) => write!(m, "No investment and construction entity is named"),
            (false, true) => write!(m, "投资建设主体为{}", value.trim()),
            (false, false) => write!(m, "The investment and construction entity is {}", value.trim()),
        },
        Detail::Industry { actual, eligible } => {
            let label = actual.label(lang);
            let list = industry_list(*eligible, lang);
            match (eligible.contains(*actual), zh) {
                (true, true) => write!(m, "{label}产业属于可申报的产业"),
                (true, false) => write!(m, "{label} is an eligible industry"),
                (false, true) => write!(m, "{label}产业不属于可申报的产业（应为{list}之一）"),
                (false, false) => write!(m, "{label} is not an eligible industry (it must be one of: {list})"),
            }
        }
        Detail::Location { actual, preferred } => {
            let loc = actual.label(lang);
            let pref = location_list(*preferred, lang);
            match (f.verdict, zh) {
                (Verdict::Pass, true) => write!(m, "选址：{loc}，符合要求"),
                (Verdict::Pass, false) => write!(m, "Site: {loc}, as required"),
                (Verdict::Warn, true) => write!(m, "选址：{loc}，原则上应布局在{pref}"),
                (Verdict::Warn, false) => write!(m, "Site: {loc}; in principle the town should be on the {pref}"),
                (_, true) => write!(m, "选址：{loc}，不符合要求，原则上应布局在{pref}"),
                (_, false) => write!(
                    m,
                    "Site: {loc}, which is not allowed; in principle the town should be on the {pref}"
                ),
            }
        }
        Detail::Missing { metric } => match lang {
            Lang::Zh => write!(m, "未填写{}，本项无法评价", metric.subject(lang)),
            Lang::En => write!(
                m,
                "{} was not given, so this criterion could not be assessed",
                metric.subject(lang)
            ),
        },
        Detail::NotApplicable { applies_to } => match lang {
            Lang::Zh => write!(m, "本项只适用于{}产业小镇", industry_list(*applies_to, lang)),
            Lang::En => write!(m, "Applies only to towns in: {}", industry_list(*applies_to, lang)),
        },
        Detail::Material { material } => {
            let label = material.label(lang);
            match (f.verdict, zh) {
                (Verdict::Pass, true) => write!(m, "已上传{label}"),
                (Verdict::Pass, false) => write!(m, "The {} is uploaded", label.to_lowercase()),
                (Verdict::Missing, true) => write!(m, "未上传{label}"),
                (Verdict::Missing, false) => write!(m, "The {} was not uploaded", label.to_lowercase()),
                (_, true) => write!(m, "{label}：本次评估不含申报材料，本项不适用"),
                (_, false) => write!(
                    m,
                    "{}: this evaluation has no application materials, so the criterion does not apply",
                    label
                ),
            }
        }
        Detail::Boundary(b) => super::boundary::write_message(m, b, f.verdict, lang),
    }
}

fn write_basis(m: &mut String, basis: &Basis, lang: Lang) -> std::fmt::Result {
    match (basis, lang) {
        (Basis::Default, _) => Ok(()),
        (Basis::Industry { industry }, Lang::Zh) => write!(m, "（{}产业小镇适用的标准）", industry.label(lang)),
        (Basis::Industry { industry }, Lang::En) => {
            write!(m, " (the threshold for {} towns)", industry.label(lang).to_lowercase())
        }
        (Basis::ExemptIndustry, Lang::Zh) => m.write_str("（特定产业小镇放宽后的标准）"),
        (Basis::ExemptIndustry, Lang::En) => m.write_str(" (the relaxed threshold for exempt industries)"),
        (Basis::AcceleratedCounty, Lang::Zh) => m.write_str("（加快发展县放宽后的标准）"),
        (Basis::AcceleratedCounty, Lang::En) => {
            m.write_str(" (the relaxed threshold for accelerated-development counties)")
        }
    }
}

/// "1,234.5": the exact digits, grouped by thousands.
pub fn number(d: Decimal) -> String {
    Num(d).to_string()
}

/// A figure with its unit: "52 亿元", "72.5%", "3A级".
pub fn qty(d: Decimal, unit: Unit, lang: Lang) -> String {
    Qty(d, unit, lang).to_string()
}

fn none_given(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "未填写",
        Lang::En => "not given",
    }
}

/// "a、b、c" in Chinese; "a, b and c" in English.
fn join<T: Member>(set: Set<T>, label: impl Fn(T) -> &'static str, lang: Lang, last: &str) -> String {
    let n = set.len();
    if n == 0 {
        return none_given_list(lang).to_string();
    }
    let mut out = String::with_capacity(n * 16);
    for (i, item) in set.iter().map(label).enumerate() {
        match (lang, i) {
            (_, 0) => {}
            (Lang::Zh, _) => out.push('、'),
            (Lang::En, i) if i + 1 == n => {
                out.push(' ');
                out.push_str(last);
                out.push(' ');
            }
            (Lang::En, _) => out.push_str(", "),
        }
        out.push_str(item);
    }
    out
}

fn none_given_list(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "无",
        Lang::En => "none",
    }
}

fn flag_list(set: FlagSet, lang: Lang) -> String {
    join(set, |f| f.label(lang), lang, "and")
}

fn industry_list(set: IndustrySet, lang: Lang) -> String {
    join(set, |i| i.label(lang), lang, "or")
}

fn location_list(set: LocationSet, lang: Lang) -> String {
    match lang {
        Lang::Zh => set.iter().map(|l| l.label(lang)).collect::<Vec<_>>().join("或"),
        Lang::En => join(set, |l| l.label(lang), lang, "or"),
    }
}

/// The findings as they were shown, in both languages.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rendered {
    pub zh: Vec<RenderedFinding>,
    pub en: Vec<RenderedFinding>,
}

impl Rendered {
    pub fn of(evaluation: &Evaluation) -> Rendered {
        Self::of_findings(&evaluation.findings)
    }

    pub fn of_findings(findings: &[Finding]) -> Rendered {
        let render = |lang| findings.iter().map(|f| f.render(lang)).collect();
        Rendered {
            zh: render(Lang::Zh),
            en: render(Lang::En),
        }
    }

    pub fn get(&self, lang: Lang) -> &[RenderedFinding] {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}
