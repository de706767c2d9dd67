//! Per-field errors: structured (field, code, parameters) so that the form,
//! the JSON API and tests can each use them, rendered to a message only when
//! shown.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use serde::Serialize;

use super::fields::{self, FieldKind};
use crate::domain::Lang;

/// Why a field was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Required,
    TooLong,
    /// Not a plain decimal, with no more specific hint.
    InvalidNumber,
    /// "3,6" or "1,000".
    CommaInNumber,
    /// "70%".
    PercentSign,
    /// "30万", "3.6亿元", "3km2".
    UnitInNumber,
    NotWholeNumber,
    /// "NaN", "Infinity".
    NotFinite,
    Negative,
    NotPositive,
    TooLarge,
    TooManyDecimals,
    InvalidChoice,
    InvalidBoolean,
    /// JSON: a value of the wrong JSON type.
    WrongType,
    UnknownField,
    /// JSON: the body is not an object (field is empty).
    NotAnObject,
    BuiltExceedsPlanned,
    ExclusionsExceedTotal,
    EligibleZero,
    CharacteristicExceedsEligible,
    ByYearLength,
    ByYearGap,
    ByYearSum,
    ClassicTradeNotAllowed,
}

/// The figures a message quotes. Only those relevant to the code are set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ErrorParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<usize>,
    /// 1-based position in a list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sum: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<Decimal>,
    /// JSON: the type that was expected ("string", "number", …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_type: Option<&'static str>,
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The dotted field name (`investment.by_year_yi`); empty for the whole body.
    pub field: String,
    pub code: ErrorCode,
    pub params: ErrorParams,
}

/// The shape the JSON API answers with: `{"field": …, "message": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiFieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: ErrorCode) -> FieldError {
        FieldError {
            field: field.into(),
            code,
            params: ErrorParams::default(),
        }
    }

    pub fn with(mut self, f: impl FnOnce(&mut ErrorParams)) -> FieldError {
        f(&mut self.params);
        self
    }

    pub fn to_api(&self, lang: Lang) -> ApiFieldError {
        ApiFieldError {
            field: self.field.clone(),
            message: self.message(lang),
        }
    }

    /// The message shown beside the field or in the API answer.
    pub fn message(&self, lang: Lang) -> String {
        let spec = fields::field(&self.field);
        self.message_as(lang, spec.map_or(self.field.as_str(), |s| s.label(lang)))
    }

    /// [`FieldError::message`] naming the field `label` (another form's
    /// label for a field it shares with the proposal, e.g. an annual
    /// report's actual figure rather than the plan's).
    pub fn message_as(&self, lang: Lang, label: &str) -> String {
        let spec = fields::field(&self.field);
        let unit = spec.and_then(|s| s.unit()).map(|u| u.label(lang));
        let example = spec.map_or("3.6", example_of);
        let p = &self.params;
        let n = |d: Option<Decimal>| d.map(|d| d.normalize().to_string()).unwrap_or_default();
        let zh = lang == Lang::Zh;
        let mut m = String::new();
        // Writing into a String cannot fail; the results are ignored for that reason.
        let _ = match self.code {
            ErrorCode::Required => match spec.map(|s| s.kind) {
                Some(FieldKind::Choice(_)) if zh => write!(m, "请选择{label}"),
                _ if zh => write!(m, "请填写{label}"),
                _ => write!(m, "{label} is required"),
            },
            ErrorCode::TooLong if zh => write!(
                m,
                "{label}不能超过 {} 个字（现为 {} 个字）",
                p.expected.unwrap_or(0),
                p.count.unwrap_or(0)
            ),
            ErrorCode::TooLong => write!(
                m,
                "{label} must be at most {} characters (it has {})",
                p.expected.unwrap_or(0),
                p.count.unwrap_or(0)
            ),
            ErrorCode::InvalidNumber if zh => {
                write!(m, "请填写数字，例如 {example}（不要带单位或逗号）")
            }
            ErrorCode::InvalidNumber => {
                write!(m, "Enter a number such as {example}, without units or commas")
            }
            ErrorCode::CommaInNumber if zh => write!(m, "请不要使用逗号：小数点用“.”，千位不加分隔符，例如 {example}"),
            ErrorCode::CommaInNumber => write!(
                m,
                "Do not use commas: write the decimal point as “.” and no thousands separators, e.g. {example}"
            ),
            ErrorCode::PercentSign if zh => {
                write!(m, "请只填写数字，不要带 % 号，例如 {example}")
            }
            ErrorCode::PercentSign => {
                write!(m, "Enter the number without the % sign, e.g. {example}")
            }
            ErrorCode::UnitInNumber if zh => match unit {
                Some(u) => write!(m, "请只填写数字，不要带单位（本栏单位为{u}），例如 {example}"),
                None => write!(m, "请只填写数字，不要带单位，例如 {example}"),
            },
            ErrorCode::UnitInNumber => match unit {
                Some(u) => write!(
                    m,
                    "Enter the number only, without units (this field is in {u}), e.g. {example}"
                ),
                None => write!(m, "Enter the number only, without units, e.g. {example}"),
            },
            ErrorCode::NotWholeNumber if zh => write!(m, "请填写整数，例如 {example}"),
            ErrorCode::NotWholeNumber => write!(m, "Enter a whole number such as {example}"),
            ErrorCode::NotFinite if zh => {
                write!(m, "请填写有效的数字（不能是 NaN 或无穷大），例如 {example}")
            }
            ErrorCode::NotFinite => write!(m, "Enter a real number such as {example} (not NaN or infinity)"),
            ErrorCode::Negative if zh => write!(m, "{label}不能为负数"),
            ErrorCode::Negative => write!(m, "{label} cannot be negative"),
            ErrorCode::NotPositive if zh => write!(m, "{label}必须大于 0"),
            ErrorCode::NotPositive => write!(m, "{label} must be greater than 0"),
            ErrorCode::TooLarge if zh => {
                write!(m, "{label}不能大于 {}{}", n(p.limit), unit_suffix(unit))
            }
            ErrorCode::TooLarge => {
                write!(m, "{label} cannot be more than {}{}", n(p.limit), unit_suffix(unit))
            }
            ErrorCode::TooManyDecimals if zh => write!(m, "{label}最多保留 {} 位小数", p.expected.unwrap_or(0)),
            ErrorCode::TooManyDecimals => {
                write!(m, "{label} allows at most {} decimal places", p.expected.unwrap_or(0))
            }
            ErrorCode::InvalidChoice => {
                let codes = match spec.map(|s| s.kind) {
                    Some(FieldKind::Choice(c)) => c.codes().join(" | "),
                    _ => String::new(),
                };
                if zh {
                    write!(m, "{label}的取值无效，请从以下选择：{codes}")
                } else {
                    write!(m, "{label} must be one of: {codes}")
                }
            }
            ErrorCode::InvalidBoolean if zh => write!(m, "{label}应为 true 或 false"),
            ErrorCode::InvalidBoolean => write!(m, "{label} must be true or false"),
            ErrorCode::WrongType => {
                let t = p.expected_type.unwrap_or("value");
                if zh {
                    write!(m, "{label}的类型不对，应为{}", type_zh(t))
                } else {
                    write!(m, "{label} has the wrong type: expected {t}")
                }
            }
            ErrorCode::UnknownField if zh => write!(m, "未知字段“{}”", self.field),
            ErrorCode::UnknownField => write!(m, "Unknown field “{}”", self.field),
            ErrorCode::NotAnObject if zh => write!(m, "申报内容应为一个 JSON 对象"),
            ErrorCode::NotAnObject => write!(m, "The proposal must be a JSON object"),
            ErrorCode::BuiltExceedsPlanned if zh => write!(m, "建设面积不能大于规划面积"),
            ErrorCode::BuiltExceedsPlanned => {
                write!(m, "The built area cannot be larger than the planned area")
            }
            ErrorCode::ExclusionsExceedTotal if zh => write!(
                m,
                "商品住宅与商业综合体投资之和（{} 亿元）不能大于投资总额（{} 亿元）",
                n(p.sum),
                n(p.total)
            ),
            ErrorCode::ExclusionsExceedTotal => write!(
                m,
                "Commercial housing plus commercial complexes ({}) cannot exceed the total investment ({})",
                n(p.sum),
                n(p.total)
            ),
            ErrorCode::EligibleZero if zh => write!(m, "扣除商品住宅和商业综合体后的投资为零，请检查投资总额"),
            ErrorCode::EligibleZero => write!(
                m,
                "The investment excluding commercial housing and commercial complexes is zero; check the total"
            ),
            ErrorCode::CharacteristicExceedsEligible if zh => write!(
                m,
                "特色产业投资不能大于扣除商品住宅和商业综合体后的投资（{} 亿元）",
                n(p.limit)
            ),
            ErrorCode::CharacteristicExceedsEligible => write!(
                m,
                "The characteristic-industry investment cannot exceed the investment excluding commercial housing and commercial complexes ({})",
                n(p.limit)
            ),
            ErrorCode::ByYearLength if zh => write!(
                m,
                "请逐年填写创建期 {} 年的投资（创建期年数以所用标准为准），现填写了 {} 年",
                p.expected.unwrap_or(0),
                p.count.unwrap_or(0)
            ),
            ErrorCode::ByYearLength => write!(
                m,
                "Enter one figure for each of the {} years of the creation period (as the standard in force sets it); {} given",
                p.expected.unwrap_or(0),
                p.count.unwrap_or(0)
            ),
            ErrorCode::ByYearGap if zh => {
                write!(m, "第 {} 年的投资未填写", p.position.unwrap_or(0))
            }
            ErrorCode::ByYearGap => {
                write!(m, "Year {} has no figure", p.position.unwrap_or(0))
            }
            ErrorCode::ByYearSum if zh => write!(
                m,
                "逐年投资合计 {} 亿元，与投资总额 {} 亿元不符（允许相差 0.01 亿元）",
                n(p.sum),
                n(p.total)
            ),
            ErrorCode::ByYearSum => write!(
                m,
                "The yearly figures add up to {}, not the total of {} (tolerance 0.01)",
                n(p.sum),
                n(p.total)
            ),
            ErrorCode::ClassicTradeNotAllowed if zh => {
                write!(m, "只有历史经典产业小镇才填写历史经典产业")
            }
            ErrorCode::ClassicTradeNotAllowed => {
                write!(m, "A classic trade is given only for historic classic towns")
            }
        };
        // A list item's error says which item (a gap already names its year).
        if let Some(pos) = p.position.filter(|_| self.code != ErrorCode::ByYearGap) {
            let _ = if zh {
                write!(m, "（第 {pos} 项）")
            } else {
                write!(m, " (item {pos})")
            };
        }
        m
    }
}

/// "%" sticks to its number; other units follow a space.
fn unit_suffix(unit: Option<&str>) -> String {
    match unit {
        Some("%") => "%".to_string(),
        Some(u) => format!(" {u}"),
        None => String::new(),
    }
}

fn example_of(spec: &fields::FieldSpec) -> &'static str {
    match spec.kind {
        FieldKind::Decimal(l) | FieldKind::DecimalList(l) => l.example,
        FieldKind::Count { example, .. } => example,
        _ => "3.6",
    }
}

fn type_zh(t: &str) -> &'static str {
    match t {
        "string" => "文本",
        "number" => "数字（或数字文本）",
        "integer" => "整数",
        "boolean" => "true 或 false",
        "object" => "JSON 对象",
        "array" => "数组",
        _ => "其他类型",
    }
}
