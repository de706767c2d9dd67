//! The creation system (STANDARDS.md §5): a listed town's annual report of
//! actual figures, the annual assessment against its own plan with a
//! suggested grade, and the reward or penalty at the end of the period.
//! Pure: no I/O. Every figure is an exact decimal.

// Field errors are the cold path, as in the proposal module.
#![allow(clippy::result_large_err)]

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};

use crate::domain::proposal::{
    DecimalLimit, ErrorCode, FieldError, Industry, Proposal, ProposalInput, Unit, count_field, decimal_field,
};
use crate::domain::{Lang, Status};

mod period;
pub use period::{Period, ReportDeadline, ReportYear, YearRefusal, china_time, china_today, china_year};

/// Report field names. Those shared with the proposal keep its names (and
/// its number rules), not its labels: see [`field_label`]. The land used and
/// the province's part of the new tax are the report's own.
pub const TOTAL: &str = "investment.total_yi";
pub const RESIDENTIAL: &str = "investment.residential_yi";
pub const COMPLEX: &str = "investment.commercial_complex_yi";
pub const CHARACTERISTIC: &str = "investment.characteristic_yi";
pub const LAND: &str = "land_used_mu";
pub const TAX: &str = "benefits.new_tax_wan";
/// Of the new tax, the part paid to the province (新增财政收入上交省财政部分):
/// what the province returns (STANDARDS.md §5).
pub const PROVINCE_TAX: &str = "province_tax_wan";
pub const JOBS: &str = "benefits.jobs";
pub const VISITORS: &str = "benefits.annual_visitors";
pub const ENTERPRISES: &str = "benefits.enterprises";
pub const APP: &str = "functions.public_service_app";
pub const LIVING_ROOM: &str = "functions.town_living_room";
pub const SCENIC: &str = "functions.scenic_level";
pub const WIFI: &str = "functions.wifi_coverage_pct";
pub const DIGITAL: &str = "functions.digital_management_pct";

/// Every report field, in form order.
pub const REPORT_FIELDS: &[&str] = &[
    TOTAL,
    RESIDENTIAL,
    COMPLEX,
    CHARACTERISTIC,
    LAND,
    TAX,
    PROVINCE_TAX,
    JOBS,
    VISITORS,
    ENTERPRISES,
    APP,
    LIVING_ROOM,
    SCENIC,
    WIFI,
    DIGITAL,
];

const YI: DecimalLimit = DecimalLimit {
    unit: Unit::Yi,
    positive: false,
    max: dec!(100000),
    max_scale: 4,
    example: "3.6",
};
const WAN: DecimalLimit = DecimalLimit {
    unit: Unit::Wan,
    positive: false,
    max: dec!(1000000000),
    max_scale: 2,
    example: "8000",
};
/// New construction land in 亩: at most 1,000 km² (1,500,000 亩), 4 decimals.
const MU: DecimalLimit = DecimalLimit {
    unit: Unit::Mu,
    positive: false,
    max: dec!(1500000),
    max_scale: 4,
    example: "120",
};
const PCT: DecimalLimit = DecimalLimit {
    unit: Unit::Pct,
    positive: false,
    max: dec!(100),
    max_scale: 2,
    example: "70",
};

/// What a report field holds, with the limits [`AnnualFigures::from_form`]
/// applies (the import template states the same ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFieldKind {
    Decimal(&'static DecimalLimit),
    /// A whole number from 0 to `max`.
    Count {
        max: i32,
    },
    /// A tick box (是/否).
    Flag,
}

/// The kind of each of [`REPORT_FIELDS`].
pub fn field_kind(field: &str) -> ReportFieldKind {
    match field {
        TOTAL | RESIDENTIAL | COMPLEX | CHARACTERISTIC => ReportFieldKind::Decimal(&YI),
        LAND => ReportFieldKind::Decimal(&MU),
        TAX | PROVINCE_TAX => ReportFieldKind::Decimal(&WAN),
        WIFI | DIGITAL => ReportFieldKind::Decimal(&PCT),
        SCENIC => ReportFieldKind::Count { max: 5 },
        APP | LIVING_ROOM => ReportFieldKind::Flag,
        _ => ReportFieldKind::Count { max: i32::MAX },
    }
}

/// A report field's unit, if it has one.
pub fn field_unit(field: &str) -> Option<Unit> {
    match field_kind(field) {
        ReportFieldKind::Decimal(limit) => Some(limit.unit),
        _ => crate::domain::proposal::field(field).and_then(|s| s.unit()),
    }
}

/// One year's actual figures, complete and consistent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualFigures {
    pub total_yi: Decimal,
    pub residential_yi: Decimal,
    pub commercial_complex_yi: Decimal,
    pub characteristic_yi: Decimal,
    pub land_used_mu: Decimal,
    pub new_tax_wan: Decimal,
    /// Of `new_tax_wan`, the part paid to the province (0 ≤ it ≤ new tax).
    #[serde(default)]
    pub province_tax_wan: Decimal,
    pub jobs: i32,
    pub annual_visitors: i32,
    pub enterprises: i32,
    pub public_service_app: bool,
    pub town_living_room: bool,
    pub scenic_level: i32,
    pub wifi_coverage_pct: Decimal,
    pub digital_management_pct: Decimal,
}

impl AnnualFigures {
    /// Investment excluding commercial housing and complexes.
    pub fn eligible_yi(&self) -> Decimal {
        self.total_yi - self.residential_yi - self.commercial_complex_yi
    }

    /// The figures as form pairs (booleans only when ticked).
    pub fn to_form_pairs(&self) -> Vec<(String, String)> {
        let d = |v: Decimal| v.normalize().to_string();
        let mut pairs = vec![
            (TOTAL, d(self.total_yi)),
            (RESIDENTIAL, d(self.residential_yi)),
            (COMPLEX, d(self.commercial_complex_yi)),
            (CHARACTERISTIC, d(self.characteristic_yi)),
            (LAND, d(self.land_used_mu)),
            (TAX, d(self.new_tax_wan)),
            (PROVINCE_TAX, d(self.province_tax_wan)),
            (JOBS, self.jobs.to_string()),
            (VISITORS, self.annual_visitors.to_string()),
            (ENTERPRISES, self.enterprises.to_string()),
        ];
        if self.public_service_app {
            pairs.push((APP, "true".into()));
        }
        if self.town_living_room {
            pairs.push((LIVING_ROOM, "true".into()));
        }
        pairs.push((SCENIC, self.scenic_level.to_string()));
        pairs.push((WIFI, d(self.wifi_coverage_pct)));
        pairs.push((DIGITAL, d(self.digital_management_pct)));
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    /// Reads a submitted report form, reporting every problem at once.
    pub fn from_form(pairs: &[(String, String)]) -> Result<AnnualFigures, Vec<FieldError>> {
        let value = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
        };
        let mut errors = Vec::new();
        let mut dec_of = |name: &str| match (value(name), field_kind(name)) {
            (None, _) => {
                errors.push(FieldError::new(name, ErrorCode::Required));
                Decimal::ZERO
            }
            (Some(raw), ReportFieldKind::Decimal(limit)) => decimal_field(name, raw, limit).unwrap_or_else(|e| {
                errors.push(e);
                Decimal::ZERO
            }),
            // Every name passed here is a decimal field.
            (Some(_), _) => Decimal::ZERO,
        };
        let total_yi = dec_of(TOTAL);
        let residential_yi = dec_of(RESIDENTIAL);
        let commercial_complex_yi = dec_of(COMPLEX);
        let characteristic_yi = dec_of(CHARACTERISTIC);
        let land_used_mu = dec_of(LAND);
        let new_tax_wan = dec_of(TAX);
        let province_tax_wan = dec_of(PROVINCE_TAX);
        let wifi_coverage_pct = dec_of(WIFI);
        let digital_management_pct = dec_of(DIGITAL);
        let mut count_of = |name: &str| match (value(name), field_kind(name)) {
            (None, _) => {
                errors.push(FieldError::new(name, ErrorCode::Required));
                0
            }
            (Some(raw), ReportFieldKind::Count { max }) => count_field(name, raw, max).unwrap_or_else(|e| {
                errors.push(e);
                0
            }),
            // Every name passed here is a count field.
            (Some(_), _) => 0,
        };
        let jobs = count_of(JOBS);
        let annual_visitors = count_of(VISITORS);
        let enterprises = count_of(ENTERPRISES);
        let scenic_level = count_of(SCENIC);
        let mut flag = |name: &str| match value(name) {
            None => false,
            Some("true") | Some("on") => true,
            Some(_) => {
                errors.push(FieldError::new(name, ErrorCode::InvalidBoolean));
                false
            }
        };
        let public_service_app = flag(APP);
        let town_living_room = flag(LIVING_ROOM);
        let figures = AnnualFigures {
            total_yi,
            residential_yi,
            commercial_complex_yi,
            characteristic_yi,
            land_used_mu,
            new_tax_wan,
            province_tax_wan,
            jobs,
            annual_visitors,
            enterprises,
            public_service_app,
            town_living_room,
            scenic_level,
            wifi_coverage_pct,
            digital_management_pct,
        };
        let numbers_ok = |names: &[&str]| !errors.iter().any(|e| names.contains(&e.field.as_str()));
        let taxes_ok = numbers_ok(&[TAX, PROVINCE_TAX]);
        if numbers_ok(&[TOTAL, RESIDENTIAL, COMPLEX]) {
            let sum = residential_yi + commercial_complex_yi;
            if sum > total_yi {
                errors.push(
                    FieldError::new(RESIDENTIAL, ErrorCode::ExclusionsExceedTotal).with(|p| {
                        p.sum = Some(sum);
                        p.total = Some(total_yi);
                    }),
                );
            } else if numbers_ok(&[CHARACTERISTIC]) && characteristic_yi > figures.eligible_yi() {
                let limit = figures.eligible_yi();
                errors.push(
                    FieldError::new(CHARACTERISTIC, ErrorCode::CharacteristicExceedsEligible)
                        .with(|p| p.limit = Some(limit)),
                );
            }
        }
        if taxes_ok && province_tax_wan > new_tax_wan {
            // `total` marks this as the comparison with the new tax (a bare
            // `TooLarge` is the field's own maximum): see `error_message`.
            errors.push(FieldError::new(PROVINCE_TAX, ErrorCode::TooLarge).with(|p| {
                p.limit = Some(new_tax_wan);
                p.sum = Some(province_tax_wan);
                p.total = Some(new_tax_wan);
            }));
        }
        if errors.is_empty() { Ok(figures) } else { Err(errors) }
    }
}

/// The limits of the report's own fields (the others are the proposal's).
fn own_limit(field: &str) -> Option<&'static DecimalLimit> {
    match field {
        LAND => Some(&MU),
        PROVINCE_TAX => Some(&WAN),
        _ => None,
    }
}

/// A report field's label. A report holds the year's *actual* figures, so
/// it has labels of its own even where it shares the proposal's field name
/// (whose labels read as the plan: "计划固定资产投资总额", "建成后就业人数").
pub fn field_label(field: &str, lang: Lang) -> &'static str {
    let zh = lang == Lang::Zh;
    match field {
        TOTAL if zh => "本年完成固定资产投资",
        TOTAL => "Fixed-asset investment completed this year",
        RESIDENTIAL if zh => "其中：商品住宅投资",
        RESIDENTIAL => "Of which commercial housing",
        COMPLEX if zh => "其中：商业综合体投资",
        COMPLEX => "Of which commercial complexes",
        CHARACTERISTIC if zh => "其中：特色产业投资",
        CHARACTERISTIC => "Of which characteristic-industry investment",
        LAND if zh => "本年使用新增建设用地",
        LAND => "New construction land used this year",
        TAX if zh => "本年新增税收",
        TAX => "New tax this year",
        PROVINCE_TAX if zh => "其中：上交省财政部分",
        PROVINCE_TAX => "Of which paid to the province",
        JOBS if zh => "年末就业人数",
        JOBS => "Jobs at the year's end",
        VISITORS if zh => "本年接待游客",
        VISITORS => "Visitors this year",
        ENTERPRISES if zh => "年末入驻企业数",
        ENTERPRISES => "Enterprises at the year's end",
        APP if zh => "公共服务APP已建成",
        APP => "Public-service app built",
        LIVING_ROOM if zh => "小镇客厅已建成",
        LIVING_ROOM => "Town living room built",
        SCENIC if zh => "已创建景区等级",
        SCENIC => "Scenic-area grade attained",
        WIFI if zh => "年末WiFi覆盖率",
        WIFI => "WiFi coverage at the year's end",
        DIGITAL if zh => "年末数字化管理覆盖率",
        DIGITAL => "Digital management coverage at the year's end",
        _ => "",
    }
}

/// A report field's label with its unit, as a form, a table header or the
/// import template shows it: "本年完成固定资产投资（亿元）", "Fixed-asset
/// investment completed this year (hundred-million yuan)". A tick box has
/// no unit.
pub fn field_heading(field: &str, lang: Lang) -> String {
    let label = field_label(field, lang);
    let unit = match field_kind(field) {
        ReportFieldKind::Flag => None,
        _ => field_unit(field),
    };
    match (unit, lang) {
        (Some(u), Lang::Zh) => format!("{label}（{}）", u.label(lang)),
        (Some(u), Lang::En) => format!("{label} ({})", u.label(lang)),
        (None, _) => label.to_string(),
    }
}

/// The label the report used before it had its own (the proposal's where
/// shared): a file filled in from an older template still imports.
pub fn former_label(field: &str, lang: Lang) -> &'static str {
    match (field, lang) {
        (LAND, Lang::Zh) => "新增建设用地",
        (LAND, Lang::En) => "New construction land used",
        (PROVINCE_TAX, Lang::Zh) => "上交省财政部分",
        (PROVINCE_TAX, Lang::En) => "Paid to the province",
        _ => crate::domain::proposal::field(field).map_or("", |s| s.label(lang)),
    }
}

/// The field as a message names it: its label without "其中：" / "Of
/// which" ("商品住宅投资不能为负数", "Paid to the province is required").
fn subject(field: &str, lang: Lang) -> String {
    let label = field_label(field, lang);
    if let Some(rest) = label.strip_prefix("其中：") {
        return rest.to_string();
    }
    match label.strip_prefix("Of which ") {
        Some(rest) => {
            let mut chars = rest.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
        None => label.to_string(),
    }
}

/// A report error's message, shown beside its field (or its column, in an
/// import), naming the field by the report's own label.
pub fn error_message(error: &FieldError, lang: Lang) -> String {
    let label = subject(&error.field, lang);
    let Some(limit) = own_limit(&error.field) else {
        return error.message_as(lang, &label);
    };
    let n = |d: Option<Decimal>| d.map(|d| d.normalize().to_string()).unwrap_or_default();
    // The report's own fields are not proposal fields: their unit and
    // example here.
    let unit = limit.unit.label(lang);
    match (error.code, lang) {
        (ErrorCode::TooLarge, Lang::Zh) if error.params.total.is_some() => format!(
            "上交省财政部分（{} 万元）不能大于本年新增税收（{} 万元）",
            n(error.params.sum),
            n(error.params.total)
        ),
        (ErrorCode::TooLarge, Lang::En) if error.params.total.is_some() => format!(
            "The part paid to the province ({} ten-thousand yuan) cannot exceed the year's new tax ({} ten-thousand yuan)",
            n(error.params.sum),
            n(error.params.total)
        ),
        (ErrorCode::UnitInNumber, Lang::Zh) => {
            format!("请只填写数字，不要带单位（本栏单位为{unit}），例如 {}", limit.example)
        }
        (ErrorCode::UnitInNumber, Lang::En) => format!(
            "Enter the number only, without units (this field is in {unit}), e.g. {}",
            limit.example
        ),
        _ => error.message_as(lang, &label).replace("3.6", limit.example),
    }
}

/// The annual grade (年度考核等次). 淘汰 (`Removed`) is a cultivation
/// town's grade below 合格: it ends the town's creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Excellent,
    Good,
    Pass,
    Warning,
    Demoted,
    Removed,
}

impl Grade {
    pub const ALL: &'static [Grade] = &[
        Grade::Excellent,
        Grade::Good,
        Grade::Pass,
        Grade::Warning,
        Grade::Demoted,
        Grade::Removed,
    ];

    /// The grades of a town on the creation list (not demoted).
    pub const LISTED: &'static [Grade] = &[
        Grade::Excellent,
        Grade::Good,
        Grade::Pass,
        Grade::Warning,
        Grade::Demoted,
    ];

    /// The grades of a cultivation town (demoted in an earlier year): below
    /// 合格 it is removed, never warned or demoted again.
    pub const CULTIVATION: &'static [Grade] = &[Grade::Excellent, Grade::Good, Grade::Pass, Grade::Removed];

    /// The grades a reviewer may give a town, by whether it is a
    /// cultivation town.
    pub fn allowed(cultivation: bool) -> &'static [Grade] {
        if cultivation { Grade::CULTIVATION } else { Grade::LISTED }
    }

    pub fn code(self) -> &'static str {
        match self {
            Grade::Excellent => "excellent",
            Grade::Good => "good",
            Grade::Pass => "pass",
            Grade::Warning => "warning",
            Grade::Demoted => "demoted",
            Grade::Removed => "removed",
        }
    }

    pub fn from_code(code: &str) -> Option<Grade> {
        Grade::ALL.iter().copied().find(|g| g.code() == code)
    }

    /// 警告, 降格 and 淘汰.
    pub fn is_below_pass(self) -> bool {
        matches!(self, Grade::Warning | Grade::Demoted | Grade::Removed)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Grade::Excellent, Lang::Zh) => "优秀",
            (Grade::Good, Lang::Zh) => "良好",
            (Grade::Pass, Lang::Zh) => "合格",
            (Grade::Warning, Lang::Zh) => "警告",
            (Grade::Demoted, Lang::Zh) => "降格",
            (Grade::Removed, Lang::Zh) => "淘汰",
            (Grade::Excellent, Lang::En) => "Excellent",
            (Grade::Good, Lang::En) => "Good",
            (Grade::Pass, Lang::En) => "Pass",
            (Grade::Warning, Lang::En) => "Warning",
            (Grade::Demoted, Lang::En) => "Demoted",
            (Grade::Removed, Lang::En) => "Removed",
        }
    }
}

/// Where a town stands after its grades (oldest year first): on the
/// creation list, demoted to a cultivation town (降格为培育小镇) or removed
/// (淘汰). A 降格 demotes a listed town; a cultivation town graded below
/// 合格 (淘汰, or a 警告/降格 given to it all the same) is removed. Nothing
/// brings a town back.
pub fn standing(grades: &[Grade]) -> Status {
    let mut standing = Status::Listed;
    for g in grades {
        standing = match (standing, g) {
            (Status::Removed, _) => Status::Removed,
            (_, Grade::Removed) => Status::Removed,
            (Status::Demoted, g) if g.is_below_pass() => Status::Removed,
            (Status::Listed, Grade::Demoted) => Status::Demoted,
            (s, _) => s,
        };
    }
    standing
}

/// The status label of a town removed by its grade (淘汰) rather than
/// withdrawn by a batch (both are `removed`).
pub fn eliminated_label(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "已淘汰（退出创建名单）",
        Lang::En => "Removed by its annual grade",
    }
}

/// A town is a cultivation town in a year when an earlier year's final
/// grade demoted it.
pub fn is_cultivation(earlier: &[Grade]) -> bool {
    standing(earlier) == Status::Demoted
}

/// The number of years of a plan's year-by-year investment. The period
/// itself is the standard version's (`Period::years`); proposal validation
/// holds the two together.
pub fn period_years(plan: &Proposal) -> u32 {
    plan.investment().by_year_yi.len() as u32
}

/// Whether acceptance (验收命名) may be decided for a town.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptanceState {
    /// Every year of the period is graded and published. A cultivation
    /// town (`may_name` false) can only fail: 宽进严定.
    Open { may_name: bool },
    /// Too early: `published` of the `period` years' grades are published.
    TooEarly { period: u32, published: u32 },
    /// Already decided (named or not named).
    Decided,
    /// Removed from the list (淘汰 or withdrawn): no acceptance.
    Removed,
}

/// Acceptance may be decided once the grade of every year of the period is
/// published (and so the town's status reflects its last grade).
pub fn acceptance_state(status: Status, period: u32, published_years: u32) -> AcceptanceState {
    match status {
        Status::Named | Status::NotNamed => AcceptanceState::Decided,
        Status::Listed | Status::Demoted if published_years >= period => AcceptanceState::Open {
            may_name: status == Status::Listed,
        },
        Status::Listed | Status::Demoted => AcceptanceState::TooEarly {
            period,
            published: published_years,
        },
        _ => AcceptanceState::Removed,
    }
}

/// Grade bands on the cumulative investment completion rate, in percent:
/// at or above `excellent_pct` 优秀, … , below `warning_pct` 降格.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GradeBands {
    pub excellent_pct: Decimal,
    pub good_pct: Decimal,
    pub pass_pct: Decimal,
    pub warning_pct: Decimal,
    /// This many 警告 in a row suggest 降格.
    pub warnings_to_demote: u32,
}

impl Default for GradeBands {
    fn default() -> GradeBands {
        GradeBands {
            excellent_pct: dec!(120),
            good_pct: dec!(100),
            pass_pct: dec!(80),
            warning_pct: dec!(60),
            warnings_to_demote: 2,
        }
    }
}

/// Reward and penalty parameters (期权激励制, 追惩制).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RewardRules {
    /// r for the industries in `high_industries`.
    pub high_factor: Decimal,
    pub high_industries: Vec<Industry>,
    /// r for every other industry.
    pub factor: Decimal,
    /// The deduction is this many times the reward.
    pub penalty_multiple: Decimal,
    /// Share of the town's new tax returned, year by year (1.0 = in full).
    pub tax_rebate_by_year: Vec<Decimal>,
}

impl Default for RewardRules {
    fn default() -> RewardRules {
        RewardRules {
            high_factor: dec!(0.6),
            high_industries: vec![
                Industry::InformationEconomy,
                Industry::EnvironmentalProtection,
                Industry::HighEndEquipment,
            ],
            factor: dec!(0.5),
            penalty_multiple: dec!(2),
            tax_rebate_by_year: vec![dec!(1), dec!(1), dec!(1), dec!(0.5), dec!(0.5)],
        }
    }
}

/// The creation system's parameters, as a standard version may state them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CreationRules {
    pub bands: GradeBands,
    pub reward: RewardRules,
    /// When each year's reports are due (left out of the JSON when it is
    /// the default, so that versions written before it keep their hash).
    #[serde(skip_serializing_if = "ReportDeadline::is_default")]
    pub deadline: ReportDeadline,
}

impl GradeBands {
    /// The band a cumulative completion (actual against plan) falls in.
    /// Compared without division: `actual × 100 ≥ band × plan`. A plan of
    /// zero is met by any figure.
    pub fn band(&self, actual_yi: Decimal, plan_yi: Decimal) -> Grade {
        let reached = |pct: Decimal| actual_yi * dec!(100) >= pct * plan_yi;
        if reached(self.excellent_pct) {
            Grade::Excellent
        } else if reached(self.good_pct) {
            Grade::Good
        } else if reached(self.pass_pct) {
            Grade::Pass
        } else if reached(self.warning_pct) {
            Grade::Warning
        } else {
            Grade::Demoted
        }
    }

    /// The suggested grade, given the earlier years' grades (oldest first):
    /// a 警告 that completes `warnings_to_demote` in a row becomes 降格; a
    /// cultivation town (demoted earlier) below 合格 gets 淘汰.
    pub fn suggest(&self, actual_yi: Decimal, plan_yi: Decimal, earlier: &[Grade]) -> Grade {
        self.suggest_from(self.band(actual_yi, plan_yi), earlier)
    }

    /// The suggestion for a year with no report when its grades are
    /// published: 警告 (未按时报送), which counts for the two-warnings rule
    /// like any other (and is 淘汰 for a cultivation town).
    pub fn suggest_missing(&self, earlier: &[Grade]) -> Grade {
        self.suggest_from(Grade::Warning, earlier)
    }

    /// The suggestion from a grade reached some other way (an annual
    /// scoring table's bands): the same rules of runs of 警告 and of
    /// cultivation towns apply to it.
    pub fn suggest_from(&self, grade: Grade, earlier: &[Grade]) -> Grade {
        if is_cultivation(earlier) {
            return if grade.is_below_pass() { Grade::Removed } else { grade };
        }
        if grade != Grade::Warning {
            return grade;
        }
        let run = earlier.iter().rev().take_while(|g| **g == Grade::Warning).count() + 1;
        if self.warnings_to_demote > 0 && run >= self.warnings_to_demote as usize {
            Grade::Demoted
        } else {
            Grade::Warning
        }
    }
}

/// `part / whole` in percent as shown; `None` when the whole is zero. Cut
/// down to 2 places (never to the nearest): a completion is graded against
/// minimums, and 79.995% must not read as reaching an 80% band.
pub fn pct(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole.is_zero() {
        return None;
    }
    use crate::standards::{Against, shown_pct};
    (part * dec!(100))
        .checked_div(whole)
        .map(|d| shown_pct(d, Against::SomeMinimum).figure)
}

/// One year's assessment of a town against its own plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// The year of the creation period, from 1.
    pub period_year: u32,
    pub year_plan_yi: Decimal,
    pub year_actual_yi: Decimal,
    pub year_rate_pct: Option<Decimal>,
    pub cumulative_plan_yi: Decimal,
    pub cumulative_actual_yi: Decimal,
    pub cumulative_rate_pct: Option<Decimal>,
    /// This year's characteristic investment over its eligible investment.
    pub characteristic_share_pct: Option<Decimal>,
    pub visitors: i32,
    pub planned_visitors: i32,
    pub visitors_rate_pct: Option<Decimal>,
    pub suggested: Grade,
    /// A cultivation town's year (demoted earlier): graded 优秀/良好/合格/淘汰.
    #[serde(default)]
    pub cultivation: bool,
    /// The rules that made it: assessments stored before the calendar
    /// years and the eligible base read as [`Basis::Reports`].
    #[serde(default)]
    pub basis: Basis,
    /// No report of the year when it was graded: 未按时报送.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub missing_report: bool,
    /// The standard version whose creation rules made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard: Option<StandardRef>,
}

/// A standard version named by code and number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardRef {
    pub code: String,
    pub version: i32,
}

/// Under which rules an assessment was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The first rules: the period year was the number of reports so far,
    /// and completion compared total investment.
    #[default]
    Reports,
    /// STANDARDS.md §5 as corrected: the period year from the calendar and
    /// the listing year, completion of eligible investment against the
    /// plan's eligible share.
    Eligible,
}

impl Basis {
    /// A few words, for a list.
    pub fn short_label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Basis::Reports, Lang::Zh) => "原规则（按报送次数、总投资）",
            (Basis::Reports, Lang::En) => "Earlier rules (years by reports, total investment)",
            (Basis::Eligible, Lang::Zh) => "现行规则（按日历年、有效投资）",
            (Basis::Eligible, Lang::En) => "Current rules (calendar years, eligible investment)",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Basis::Reports, Lang::Zh) => "按原规则评定：按报送次数计年度，按总投资计完成率",
            (Basis::Reports, Lang::En) => {
                "Made under the earlier rules: years counted by reports, completion of total investment"
            }
            (Basis::Eligible, Lang::Zh) => {
                "按现行规则评定：按日历年计年度，按有效投资（不含商品住宅、商业综合体）计完成率"
            }
            (Basis::Eligible, Lang::En) => {
                "Made under the current rules: calendar years, completion of eligible investment (without housing and complexes)"
            }
        }
    }
}

/// The plan's investment for a period year (1-based); zero beyond the plan.
pub fn plan_for_year(plan: &Proposal, period_year: u32) -> Decimal {
    let by_year = &plan.investment().by_year_yi;
    (period_year as usize)
        .checked_sub(1)
        .and_then(|i| by_year.get(i))
        .copied()
        .unwrap_or(Decimal::ZERO)
}

/// The plan's cumulative investment up to a period year (1-based).
pub fn plan_up_to(plan: &Proposal, period_year: u32) -> Decimal {
    plan.investment().by_year_yi.iter().take(period_year as usize).sum()
}

/// `by_year × eligible ÷ total`: a planned amount's eligible part, for
/// display (4 places; the grade itself never divides, see [`completion`]).
fn eligible_part(plan: &Proposal, amount: Decimal) -> Decimal {
    let total = plan.investment().total_yi;
    (amount * plan.eligible_yi())
        .checked_div(total)
        .map_or(Decimal::ZERO, |d| d.round_dp(4).normalize())
}

/// The cumulative completion of eligible investment as the fraction
/// `actual_eligible × total ÷ (plan_up_to × eligible)`, returned as its
/// numerator and denominator so that the bands compare exactly.
pub fn completion(plan: &Proposal, period_year: u32, actual_eligible_yi: Decimal) -> (Decimal, Decimal) {
    (
        actual_eligible_yi * plan.investment().total_yi,
        plan_up_to(plan, period_year) * plan.eligible_yi(),
    )
}

/// Assesses period year `period_year` of a town against its plan.
/// `reports` are the town's reports of years 1..=`period_year` (a year
/// without a report is simply absent), `this_year` that year's own report if
/// there is one, `earlier` the final grades of years 1..`period_year`.
pub fn assess(
    plan: &Proposal,
    period_year: u32,
    reports: &[&AnnualFigures],
    this_year: Option<&AnnualFigures>,
    earlier: &[Grade],
    bands: &GradeBands,
) -> Assessment {
    let cumulative_actual_yi: Decimal = reports.iter().map(|r| r.eligible_yi()).sum();
    let (actual, planned) = completion(plan, period_year, cumulative_actual_yi);
    let year_plan = plan_for_year(plan, period_year);
    let year_actual_yi = this_year.map_or(Decimal::ZERO, AnnualFigures::eligible_yi);
    let total = plan.investment().total_yi;
    let planned_visitors = plan.benefits().annual_visitors;
    let visitors = this_year.map_or(0, |r| r.annual_visitors);
    let suggested = match this_year {
        Some(_) => bands.suggest(actual, planned, earlier),
        None => bands.suggest_missing(earlier),
    };
    Assessment {
        period_year,
        year_plan_yi: eligible_part(plan, year_plan),
        year_actual_yi,
        year_rate_pct: pct(year_actual_yi * total, year_plan * plan.eligible_yi()),
        cumulative_plan_yi: eligible_part(plan, plan_up_to(plan, period_year)),
        cumulative_actual_yi,
        cumulative_rate_pct: pct(actual, planned),
        characteristic_share_pct: this_year.and_then(|r| pct(r.characteristic_yi, r.eligible_yi())),
        visitors,
        planned_visitors,
        visitors_rate_pct: pct(Decimal::from(visitors), Decimal::from(planned_visitors)),
        suggested,
        cultivation: is_cultivation(earlier),
        basis: Basis::Eligible,
        missing_report: this_year.is_none(),
        standard: None,
    }
}

/// The plan with the actual cumulative figures put in its place, for the
/// as-built evaluation: investment summed over the reports (year by year,
/// padded with zeros to the period), benefits and functions as last reported.
pub fn as_built(plan: &Proposal, reports: &[AnnualFigures]) -> Result<Proposal, Vec<FieldError>> {
    let mut input: ProposalInput = plan.to_input();
    let sum = |f: fn(&AnnualFigures) -> Decimal| reports.iter().map(f).sum::<Decimal>();
    let years = plan.investment().by_year_yi.len().max(reports.len());
    let mut by_year: Vec<Option<Decimal>> = reports.iter().map(|r| Some(r.total_yi)).collect();
    by_year.resize(years, Some(Decimal::ZERO));
    input.investment.total_yi = Some(sum(|r| r.total_yi));
    input.investment.residential_yi = Some(sum(|r| r.residential_yi));
    input.investment.commercial_complex_yi = Some(sum(|r| r.commercial_complex_yi));
    input.investment.characteristic_yi = Some(sum(|r| r.characteristic_yi));
    input.investment.by_year_yi = by_year;
    if let Some(last) = reports.last() {
        input.benefits.new_tax_wan = Some(last.new_tax_wan);
        input.benefits.jobs = Some(last.jobs);
        input.benefits.annual_visitors = Some(last.annual_visitors);
        input.benefits.enterprises = Some(last.enterprises);
        input.functions.public_service_app = last.public_service_app;
        input.functions.town_living_room = last.town_living_room;
        input.functions.scenic_level = Some(last.scenic_level);
        input.functions.wifi_coverage_pct = Some(last.wifi_coverage_pct);
        input.functions.digital_management_pct = Some(last.digital_management_pct);
    }
    input.complete()
}

impl RewardRules {
    /// r for an industry.
    pub fn factor_for(&self, industry: Industry) -> Decimal {
        if self.high_industries.contains(&industry) {
            self.high_factor
        } else {
            self.factor
        }
    }

    /// Land quota reward for a named town: used new construction land × r.
    pub fn land_reward_mu(&self, land_used_mu: Decimal, industry: Industry) -> Decimal {
        land_used_mu * self.factor_for(industry)
    }

    /// Land quota deduction for a town that missed its targets:
    /// penalty multiple (2) × used new construction land × r.
    pub fn land_penalty_mu(&self, land_used_mu: Decimal, industry: Industry) -> Decimal {
        self.penalty_multiple * self.land_reward_mu(land_used_mu, industry)
    }

    /// The share of a period year's (0-based index) province tax returned;
    /// years beyond the schedule get nothing.
    pub fn rebate_rate(&self, index: usize) -> Decimal {
        self.tax_rebate_by_year.get(index).copied().unwrap_or(Decimal::ZERO)
    }

    /// The share returned of a calendar year's province tax: by the year
    /// counted from the listing year (year 4 = listing year + 3), whatever
    /// the period's length.
    pub fn rebate_rate_of(&self, period: &Period, calendar_year: i32) -> Decimal {
        period
            .rebate_index(calendar_year)
            .map_or(Decimal::ZERO, |i| self.rebate_rate(i))
    }
}

/// What a town's county gains (or loses) at the end of its period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    pub land_used_mu: Decimal,
    pub factor: Decimal,
    /// Positive for a named town, negative (the deduction) for a failed one.
    pub land_quota_mu: Decimal,
    /// The base of each year's rebate: the new tax paid to the province
    /// (empty for a town not named; absent in decisions recorded before it).
    #[serde(default)]
    pub province_tax_wan: Vec<Decimal>,
    #[serde(default)]
    pub province_tax_total_wan: Decimal,
    /// Each year's share returned (1 = in full).
    #[serde(default)]
    pub tax_rebate_rate: Vec<Decimal>,
    pub tax_rebate_wan: Vec<Decimal>,
    pub tax_rebate_total_wan: Decimal,
}

/// The settlement of a town's period from its reports (calendar year,
/// figures): a named town's land quota and tax rebate (each year's rate by
/// its calendar year counted from the listing year), or the deduction of a
/// town not named at the end of its period or removed (淘汰) during it —
/// 追惩制 on the land used up to then.
pub fn settle(
    industry: Industry,
    reports: &[(i32, AnnualFigures)],
    period: &Period,
    named: bool,
    rules: &RewardRules,
) -> Settlement {
    let land_used_mu: Decimal = reports.iter().map(|(_, r)| r.land_used_mu).sum();
    let factor = rules.factor_for(industry);
    if named {
        // The province returns its own share of the new tax, not the town's
        // whole new tax (STANDARDS.md §5).
        let province_tax_wan: Vec<Decimal> = reports.iter().map(|(_, r)| r.province_tax_wan).collect();
        let tax_rebate_rate: Vec<Decimal> = reports.iter().map(|(y, _)| rules.rebate_rate_of(period, *y)).collect();
        let tax_rebate_wan: Vec<Decimal> = province_tax_wan
            .iter()
            .zip(&tax_rebate_rate)
            .map(|(tax, rate)| *tax * *rate)
            .collect();
        Settlement {
            land_used_mu,
            factor,
            land_quota_mu: rules.land_reward_mu(land_used_mu, industry),
            province_tax_total_wan: province_tax_wan.iter().sum(),
            tax_rebate_rate,
            province_tax_wan,
            tax_rebate_total_wan: tax_rebate_wan.iter().sum(),
            tax_rebate_wan,
        }
    } else {
        Settlement {
            land_used_mu,
            factor,
            land_quota_mu: -rules.land_penalty_mu(land_used_mu, industry),
            province_tax_wan: Vec::new(),
            province_tax_total_wan: Decimal::ZERO,
            tax_rebate_rate: Vec::new(),
            tax_rebate_wan: Vec::new(),
            tax_rebate_total_wan: Decimal::ZERO,
        }
    }
}

/// The as-built evaluation's suggestion for acceptance: 命名 when it passes
/// (with or without warnings), 不予命名 when it fails or cannot be made, and
/// never 命名 for a town that may not be named (a cultivation town).
pub fn suggested_naming(as_built_passes: Option<bool>, may_name: bool) -> bool {
    may_name && as_built_passes == Some(true)
}

/// A decision against the suggestion needs a written reason.
pub fn check_acceptance_reason(named: bool, suggested: bool, reason: &str) -> Result<(), FieldError> {
    if named != suggested && reason.trim().is_empty() {
        Err(FieldError::new("reason", ErrorCode::Required))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::proposal::sample_proposal;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    pub(crate) fn figures(total: Decimal) -> AnnualFigures {
        AnnualFigures {
            total_yi: total,
            residential_yi: Decimal::ZERO,
            commercial_complex_yi: Decimal::ZERO,
            characteristic_yi: total * dec!(0.5),
            land_used_mu: dec!(100),
            new_tax_wan: dec!(1000),
            province_tax_wan: dec!(400),
            jobs: 100,
            annual_visitors: 10000,
            enterprises: 10,
            public_service_app: true,
            town_living_room: false,
            scenic_level: 3,
            wifi_coverage_pct: dec!(90),
            digital_management_pct: dec!(80),
        }
    }

    #[test]
    fn bands_on_both_sides_of_every_boundary() {
        let b = GradeBands::default();
        let plan = dec!(10);
        let cases = [
            (dec!(12), Grade::Excellent),
            (dec!(11.9999), Grade::Good),
            (dec!(10), Grade::Good),
            (dec!(9.9999), Grade::Pass),
            (dec!(8), Grade::Pass),
            (dec!(7.9999), Grade::Warning),
            (dec!(6), Grade::Warning),
            (dec!(5.9999), Grade::Demoted),
            (dec!(0), Grade::Demoted),
            (dec!(30), Grade::Excellent),
        ];
        for (actual, grade) in cases {
            assert_eq!(b.band(actual, plan), grade, "{actual} of {plan}");
        }
    }

    #[test]
    fn a_third_of_the_plan_is_judged_exactly() {
        // 3.6 of a 3 plan is exactly 120%; no rounding on the way.
        let b = GradeBands::default();
        assert_eq!(b.band(dec!(3.6), dec!(3)), Grade::Excellent);
        assert_eq!(b.band(dec!(3.5999), dec!(3)), Grade::Good);
        assert_eq!(b.band(dec!(2), dec!(3)), Grade::Warning, "2/3 is 66.67%");
        assert_eq!(b.band(dec!(2.4), dec!(3)), Grade::Pass);
    }

    #[test]
    fn zero_plan_is_met() {
        assert_eq!(
            GradeBands::default().band(Decimal::ZERO, Decimal::ZERO),
            Grade::Excellent
        );
    }

    #[test]
    fn bands_are_data() {
        let b = GradeBands {
            excellent_pct: dec!(150),
            ..GradeBands::default()
        };
        assert_eq!(b.band(dec!(12), dec!(10)), Grade::Good);
        assert_eq!(b.band(dec!(15), dec!(10)), Grade::Excellent);
        let json: CreationRules = serde_json::from_str(r#"{"bands":{"pass_pct":"85"}}"#).unwrap();
        assert_eq!(json.bands.pass_pct, dec!(85));
        assert_eq!(json.bands.good_pct, dec!(100));
        assert_eq!(json.reward, RewardRules::default());
    }

    #[test]
    fn two_warnings_in_a_row_suggest_demotion() {
        let b = GradeBands::default();
        let warn = (dec!(7), dec!(10));
        assert_eq!(b.suggest(warn.0, warn.1, &[]), Grade::Warning);
        assert_eq!(b.suggest(warn.0, warn.1, &[Grade::Good]), Grade::Warning);
        assert_eq!(b.suggest(warn.0, warn.1, &[Grade::Warning]), Grade::Demoted);
        assert_eq!(
            b.suggest(warn.0, warn.1, &[Grade::Warning, Grade::Pass]),
            Grade::Warning
        );
        assert_eq!(
            b.suggest(warn.0, warn.1, &[Grade::Pass, Grade::Warning]),
            Grade::Demoted
        );
        // A better year after a warning is graded on its own.
        assert_eq!(b.suggest(dec!(9), dec!(10), &[Grade::Warning]), Grade::Pass);
        let three = GradeBands {
            warnings_to_demote: 3,
            ..GradeBands::default()
        };
        assert_eq!(three.suggest(warn.0, warn.1, &[Grade::Warning]), Grade::Warning);
        assert_eq!(
            three.suggest(warn.0, warn.1, &[Grade::Warning, Grade::Warning]),
            Grade::Demoted
        );
    }

    #[test]
    fn a_cultivation_town_below_pass_is_suggested_removal() {
        let b = GradeBands::default();
        let plan = dec!(10);
        let demoted = [Grade::Demoted];
        // Both sides of 合格 (80%) and of 警告 (60%), for a cultivation town
        // and for a listed one.
        let cases = [
            (dec!(12), Grade::Excellent, Grade::Excellent),
            (dec!(10), Grade::Good, Grade::Good),
            (dec!(8), Grade::Pass, Grade::Pass),
            (dec!(7.9999), Grade::Removed, Grade::Warning),
            (dec!(6), Grade::Removed, Grade::Warning),
            (dec!(5.9999), Grade::Removed, Grade::Demoted),
            (dec!(0), Grade::Removed, Grade::Demoted),
        ];
        for (actual, cultivation, listed) in cases {
            assert_eq!(b.suggest(actual, plan, &demoted), cultivation, "{actual}, cultivation");
            assert_eq!(b.suggest(actual, plan, &[]), listed, "{actual}, listed");
        }
        // Demoted in any earlier year, whatever came between.
        assert_eq!(b.suggest(dec!(7), plan, &[Grade::Demoted, Grade::Pass]), Grade::Removed);
        assert_eq!(
            b.suggest(dec!(7), plan, &[Grade::Warning, Grade::Demoted]),
            Grade::Removed
        );
        // Two warnings demote; they do not remove.
        assert_eq!(b.suggest(dec!(7), plan, &[Grade::Warning]), Grade::Demoted);
        assert!(!is_cultivation(&[Grade::Warning, Grade::Warning]));
        assert!(is_cultivation(&[Grade::Good, Grade::Demoted]));
    }

    #[test]
    fn removal_is_for_cultivation_towns_only() {
        assert!(Grade::allowed(true).contains(&Grade::Removed));
        assert!(!Grade::allowed(false).contains(&Grade::Removed));
        assert!(!Grade::allowed(true).contains(&Grade::Warning));
        assert!(!Grade::allowed(true).contains(&Grade::Demoted));
        assert!(Grade::allowed(false).contains(&Grade::Demoted));
        for g in Grade::ALL {
            assert_eq!(Grade::from_code(g.code()), Some(*g));
            assert!(Grade::allowed(true).contains(g) || Grade::allowed(false).contains(g));
        }
        assert_eq!(Grade::Removed.label(Lang::Zh), "淘汰");
        let a: Assessment = serde_json::from_value(serde_json::json!({
            "period_year": 1, "year_plan_yi": "1", "year_actual_yi": "1", "year_rate_pct": null,
            "cumulative_plan_yi": "1", "cumulative_actual_yi": "1", "cumulative_rate_pct": null,
            "characteristic_share_pct": null, "visitors": 0, "planned_visitors": 0,
            "visitors_rate_pct": null, "suggested": "good"
        }))
        .unwrap();
        assert!(
            !a.cultivation,
            "assessments stored before cultivation towns read as listed"
        );
    }

    #[test]
    fn standing_follows_the_grades_in_year_order() {
        use Grade::*;
        assert_eq!(standing(&[]), Status::Listed);
        assert_eq!(standing(&[Good, Warning, Pass]), Status::Listed);
        assert_eq!(standing(&[Warning, Demoted]), Status::Demoted);
        assert_eq!(standing(&[Demoted, Good, Excellent]), Status::Demoted, "no way back");
        assert_eq!(standing(&[Demoted, Removed]), Status::Removed);
        assert_eq!(standing(&[Demoted, Pass, Removed]), Status::Removed);
        // A cultivation town given 警告 or 降格 all the same is removed.
        assert_eq!(standing(&[Demoted, Warning]), Status::Removed);
        assert_eq!(standing(&[Demoted, Demoted]), Status::Removed);
        assert_eq!(standing(&[Removed, Good]), Status::Removed);
    }

    #[test]
    fn acceptance_waits_for_the_whole_period() {
        use AcceptanceState as A;
        assert_eq!(
            acceptance_state(Status::Listed, 3, 2),
            A::TooEarly {
                period: 3,
                published: 2
            }
        );
        assert_eq!(acceptance_state(Status::Listed, 3, 3), A::Open { may_name: true });
        assert_eq!(
            acceptance_state(Status::Listed, 5, 3),
            A::TooEarly {
                period: 5,
                published: 3
            }
        );
        assert_eq!(acceptance_state(Status::Listed, 5, 5), A::Open { may_name: true });
        assert_eq!(acceptance_state(Status::Demoted, 3, 3), A::Open { may_name: false });
        assert_eq!(acceptance_state(Status::Removed, 3, 3), A::Removed);
        assert_eq!(acceptance_state(Status::Named, 3, 3), A::Decided);
        assert_eq!(acceptance_state(Status::NotNamed, 3, 3), A::Decided);
        let plan = sample_proposal();
        assert_eq!(period_years(&plan), 3);
    }

    const LISTED_2025: Period = Period {
        listing_year: 2025,
        years: 3,
        rebate_years: 5,
    };

    fn eligible(total: Decimal, residential: Decimal) -> AnnualFigures {
        AnnualFigures {
            residential_yi: residential,
            characteristic_yi: Decimal::ZERO,
            ..figures(total)
        }
    }

    #[test]
    fn assessment_against_the_plans_eligible_share() {
        // The sample plan: 14 / 22 / 26 of 62 亿元, of which 6 housing and
        // 4 complexes: 52 eligible, so year 1's eligible plan is 14 × 52 / 62.
        let plan = sample_proposal();
        let b = GradeBands::default();
        let r1 = figures(dec!(14));
        let a = assess(&plan, 1, &[&r1], Some(&r1), &[], &b);
        assert_eq!(a.period_year, 1);
        assert_eq!(a.year_plan_yi, dec!(11.7419));
        assert_eq!(a.cumulative_actual_yi, dec!(14));
        assert_eq!(a.cumulative_rate_pct, Some(dec!(119.23)));
        assert_eq!(a.characteristic_share_pct, Some(dec!(50)));
        assert_eq!(a.suggested, Grade::Good);
        assert_eq!(a.basis, Basis::Eligible);
        assert!(!a.missing_report);
        // 100% of the eligible plan is 14 × 52 / 62 = 11.74193548…: both
        // sides, without rounding.
        let at = |total: Decimal| {
            let r = figures(total);
            assess(&plan, 1, &[&r], Some(&r), &[], &b).suggested
        };
        assert_eq!(at(dec!(11.7420)), Grade::Good);
        assert_eq!(at(dec!(11.7419)), Grade::Pass);
        // 120%: 14.0903225…
        assert_eq!(at(dec!(14.0904)), Grade::Excellent);
        assert_eq!(at(dec!(14.0903)), Grade::Good);
    }

    #[test]
    fn housing_investment_does_not_complete_the_plan() {
        // A year of pure commercial housing: 14 亿元 invested, none of it
        // eligible. It once read as 100% (良好).
        let plan = sample_proposal();
        let housing = eligible(dec!(14), dec!(14));
        let a = assess(&plan, 1, &[&housing], Some(&housing), &[], &GradeBands::default());
        assert_eq!(a.cumulative_actual_yi, Decimal::ZERO);
        assert_eq!(a.cumulative_rate_pct, Some(Decimal::ZERO));
        assert_eq!(a.suggested, Grade::Demoted);
        // Half of it housing: 7 eligible of 11.7419 planned is 59.6%, 降格;
        // 7.0452 eligible is 60.0003%, 警告.
        let half = eligible(dec!(14), dec!(7));
        assert_eq!(
            assess(&plan, 1, &[&half], Some(&half), &[], &GradeBands::default()).suggested,
            Grade::Demoted
        );
        let enough = eligible(dec!(14.0452), dec!(7));
        assert_eq!(
            assess(&plan, 1, &[&enough], Some(&enough), &[], &GradeBands::default()).suggested,
            Grade::Warning
        );
    }

    #[test]
    fn a_year_without_a_report_is_counted_by_the_calendar_and_warned() {
        // Plan [14, 22, 26], listed in 2025; reports for 2025 and 2027 only.
        let plan = sample_proposal();
        let b = GradeBands::default();
        let (y2025, y2027) = (figures(dec!(14)), figures(dec!(22)));
        let k = LISTED_2025.year_of(2027).unwrap();
        assert_eq!(k, 3, "2027 is year 3, not the second report");
        let first = assess(&plan, 1, &[&y2025], Some(&y2025), &[], &b);
        assert_eq!(first.suggested, Grade::Good);
        // 2026: no report when its grades are published → 警告 (未按时报送).
        let missing = assess(&plan, 2, &[&y2025], None, &[Grade::Good], &b);
        assert!(missing.missing_report);
        assert_eq!(missing.suggested, Grade::Warning);
        assert_eq!(missing.year_actual_yi, Decimal::ZERO);
        // 2027: 36 of the cumulative eligible plan of 52 (69.2%) is 警告, and
        // with 2026's 警告 before it, 降格 — not 36/36 (良好) as year 2.
        let third = assess(
            &plan,
            k,
            &[&y2025, &y2027],
            Some(&y2027),
            &[Grade::Good, missing.suggested],
            &b,
        );
        assert_eq!(third.cumulative_plan_yi, dec!(52));
        assert_eq!(third.cumulative_actual_yi, dec!(36));
        assert_eq!(third.cumulative_rate_pct, Some(dec!(69.23)));
        assert_eq!(third.suggested, Grade::Demoted);
        // Two missing years in a row demote; a cultivation town missing a
        // year is removed.
        assert_eq!(b.suggest_missing(&[Grade::Warning]), Grade::Demoted);
        assert_eq!(b.suggest_missing(&[Grade::Good]), Grade::Warning);
        assert_eq!(b.suggest_missing(&[Grade::Demoted]), Grade::Removed);
    }

    #[test]
    fn reward_and_penalty_in_exact_decimals() {
        let r = RewardRules::default();
        assert_eq!(r.factor_for(Industry::InformationEconomy), dec!(0.6));
        assert_eq!(r.factor_for(Industry::EnvironmentalProtection), dec!(0.6));
        assert_eq!(r.factor_for(Industry::HighEndEquipment), dec!(0.6));
        for i in [
            Industry::Health,
            Industry::Tourism,
            Industry::Fashion,
            Industry::Finance,
            Industry::HistoricClassic,
        ] {
            assert_eq!(r.factor_for(i), dec!(0.5), "{i:?}");
        }
        assert_eq!(
            r.land_reward_mu(dec!(333.3), Industry::InformationEconomy),
            dec!(199.98)
        );
        assert_eq!(r.land_reward_mu(dec!(333.3), Industry::Tourism), dec!(166.65));
        assert_eq!(
            r.land_penalty_mu(dec!(333.3), Industry::InformationEconomy),
            dec!(399.96)
        );
        assert_eq!(r.land_penalty_mu(dec!(333.3), Industry::Tourism), dec!(333.3));
        assert_eq!(
            (2024..2031)
                .map(|y| r.rebate_rate_of(&LISTED_2025, y))
                .collect::<Vec<_>>(),
            vec![dec!(0), dec!(1), dec!(1), dec!(1), dec!(0.5), dec!(0.5), dec!(0)]
        );
    }

    fn by_calendar(first: i32, reports: &[AnnualFigures]) -> Vec<(i32, AnnualFigures)> {
        reports
            .iter()
            .enumerate()
            .map(|(i, r)| (first + i as i32, r.clone()))
            .collect()
    }

    #[test]
    fn the_rebate_is_the_provinces_share_not_the_whole_new_tax() {
        // Five years of a named town: the province's part of each year's new
        // tax is returned in full for years 1–3 and half for years 4–5.
        let r = RewardRules::default();
        let shares = [
            (dec!(1000), dec!(250)),
            (dec!(1200), dec!(480.4)),
            (dec!(1500), dec!(600.01)),
            (dec!(1800), dec!(900.03)),
            (dec!(2000), dec!(1000.01)),
        ];
        let reports: Vec<AnnualFigures> = shares
            .iter()
            .map(|(tax, province)| AnnualFigures {
                new_tax_wan: *tax,
                province_tax_wan: *province,
                ..figures(dec!(1))
            })
            .collect();
        let five = Period {
            years: 5,
            ..LISTED_2025
        };
        let s = settle(Industry::Tourism, &by_calendar(2025, &reports), &five, true, &r);
        assert_eq!(
            s.province_tax_wan,
            vec![dec!(250), dec!(480.4), dec!(600.01), dec!(900.03), dec!(1000.01)]
        );
        assert_eq!(s.tax_rebate_rate, vec![dec!(1), dec!(1), dec!(1), dec!(0.5), dec!(0.5)]);
        assert_eq!(
            s.tax_rebate_wan,
            vec![dec!(250), dec!(480.4), dec!(600.01), dec!(450.015), dec!(500.005)]
        );
        // Exact: 250 + 480.4 + 600.01 + 450.015 + 500.005 = 2280.43.
        assert_eq!(s.tax_rebate_total_wan, dec!(2280.43));
        assert_eq!(s.province_tax_total_wan, dec!(3230.45));
        // The rate follows the calendar year, not the report's position: a
        // town whose reports start in its second year gets 1, 1, 0.5.
        let late = settle(Industry::Tourism, &by_calendar(2026, &reports[..3]), &five, true, &r);
        assert_eq!(late.tax_rebate_rate, vec![dec!(1), dec!(1), dec!(0.5)]);
        // A town that pays nothing to the province gets nothing back,
        // whatever its new tax.
        let none: Vec<AnnualFigures> = reports
            .iter()
            .map(|f| AnnualFigures {
                province_tax_wan: Decimal::ZERO,
                ..f.clone()
            })
            .collect();
        assert_eq!(
            settle(Industry::Tourism, &by_calendar(2025, &none), &five, true, &r).tax_rebate_total_wan,
            Decimal::ZERO
        );
        // Not named: no rebate and no base.
        let failed = settle(Industry::Tourism, &by_calendar(2025, &reports), &five, false, &r);
        assert!(failed.province_tax_wan.is_empty() && failed.tax_rebate_wan.is_empty());
        assert_eq!(failed.tax_rebate_total_wan, Decimal::ZERO);
    }

    #[test]
    fn a_removed_town_pays_the_penalty_on_the_land_used_until_its_removal() {
        // 淘汰 in year 2 of a high-end equipment town: 2 × (100 + 100.5) × 0.6.
        let r = RewardRules::default();
        let used = [
            figures(dec!(1)),
            AnnualFigures {
                land_used_mu: dec!(100.5),
                ..figures(dec!(1))
            },
        ];
        let s = settle(
            Industry::HighEndEquipment,
            &by_calendar(2025, &used),
            &LISTED_2025,
            false,
            &r,
        );
        assert_eq!(s.land_used_mu, dec!(200.5));
        assert_eq!(s.land_quota_mu, dec!(-240.6));
        assert_eq!(s.tax_rebate_total_wan, Decimal::ZERO);
    }

    #[test]
    fn acceptance_follows_the_as_built_evaluation_or_says_why_not() {
        assert!(suggested_naming(Some(true), true));
        assert!(!suggested_naming(Some(false), true));
        assert!(!suggested_naming(None, true), "no as-built evaluation: not named");
        assert!(
            !suggested_naming(Some(true), false),
            "a cultivation town is never named"
        );
        // With the suggestion: no reason needed.
        assert!(check_acceptance_reason(true, true, "").is_ok());
        assert!(check_acceptance_reason(false, false, "").is_ok());
        // Against it: a reason, not blank.
        let e = check_acceptance_reason(true, false, "  ").unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("reason", ErrorCode::Required));
        assert!(check_acceptance_reason(false, true, "").is_err());
        assert!(check_acceptance_reason(false, true, "投资不实").is_ok());
    }

    #[test]
    fn settlements_recorded_before_the_provinces_share_still_read() {
        let old = r#"{"land_used_mu":"300","factor":"0.5","land_quota_mu":"150",
            "tax_rebate_wan":["1000"],"tax_rebate_total_wan":"1000"}"#;
        let s: Settlement = serde_json::from_str(old).unwrap();
        assert_eq!(s.tax_rebate_total_wan, dec!(1000));
        assert!(s.province_tax_wan.is_empty());
        assert_eq!(s.province_tax_total_wan, Decimal::ZERO);
    }

    #[test]
    fn settlement_sums_the_reports() {
        let r = RewardRules::default();
        let reports = by_calendar(2025, &[figures(dec!(1)), figures(dec!(2))]);
        let named = settle(Industry::HighEndEquipment, &reports, &LISTED_2025, true, &r);
        assert_eq!(named.land_used_mu, dec!(200));
        assert_eq!(named.land_quota_mu, dec!(120));
        // 400 of each year's 1000 new tax is the province's: 2 × 400 returned.
        assert_eq!(named.tax_rebate_total_wan, dec!(800));
        let failed = settle(Industry::Health, &reports, &LISTED_2025, false, &r);
        assert_eq!(failed.land_quota_mu, dec!(-200));
        assert_eq!(failed.tax_rebate_total_wan, Decimal::ZERO);
    }

    #[test]
    fn form_round_trips_and_reports_every_error() {
        let f = figures(dec!(3.6));
        assert_eq!(AnnualFigures::from_form(&f.to_form_pairs()), Ok(f));
        let errors = AnnualFigures::from_form(&pairs(&[
            (TOTAL, "3"),
            (RESIDENTIAL, "2"),
            (COMPLEX, "2"),
            (CHARACTERISTIC, "1"),
            (LAND, "30亩"),
            (TAX, "-1"),
            (JOBS, "1.5"),
            (VISITORS, "１２"),
            (SCENIC, "6"),
            (WIFI, "101"),
            (DIGITAL, "50"),
        ]))
        .unwrap_err();
        let codes: Vec<(&str, ErrorCode)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert!(codes.contains(&(LAND, ErrorCode::UnitInNumber)), "{codes:?}");
        assert!(codes.contains(&(TAX, ErrorCode::Negative)));
        assert!(codes.contains(&(JOBS, ErrorCode::NotWholeNumber)));
        assert!(codes.contains(&(ENTERPRISES, ErrorCode::Required)));
        assert!(codes.contains(&(SCENIC, ErrorCode::TooLarge)));
        assert!(codes.contains(&(WIFI, ErrorCode::TooLarge)));
        assert!(codes.contains(&(RESIDENTIAL, ErrorCode::ExclusionsExceedTotal)));
        assert!(!codes.iter().any(|(f, _)| *f == VISITORS), "full-width digits are read");
        let land = errors.iter().find(|e| e.field == LAND).unwrap();
        assert_eq!(
            error_message(land, Lang::Zh),
            "请只填写数字，不要带单位（本栏单位为亩），例如 120"
        );
        let mut ok = f_pairs_with(CHARACTERISTIC, "3.7");
        let e = AnnualFigures::from_form(&ok).unwrap_err();
        assert_eq!(e[0].code, ErrorCode::CharacteristicExceedsEligible);
        ok = f_pairs_with(CHARACTERISTIC, "3.6");
        assert!(AnnualFigures::from_form(&ok).is_ok());
    }

    #[test]
    fn the_provinces_share_is_required_and_at_most_the_new_tax() {
        let at = |tax: &str, province: &str| {
            let mut p = f_pairs_with(TAX, tax);
            for (k, v) in p.iter_mut() {
                if k == PROVINCE_TAX {
                    *v = province.to_string();
                }
            }
            AnnualFigures::from_form(&p)
        };
        assert_eq!(at("1000", "1000").unwrap().province_tax_wan, dec!(1000));
        assert_eq!(at("1000", "0").unwrap().province_tax_wan, Decimal::ZERO);
        assert_eq!(at("0.01", "0.01").unwrap().province_tax_wan, dec!(0.01));
        let e = at("1000", "1000.01").unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].field.as_str(), e[0].code), (PROVINCE_TAX, ErrorCode::TooLarge));
        assert_eq!(
            error_message(&e[0], Lang::Zh),
            "上交省财政部分（1000.01 万元）不能大于本年新增税收（1000 万元）"
        );
        assert_eq!(
            error_message(&e[0], Lang::En),
            "The part paid to the province (1000.01 ten-thousand yuan) cannot exceed the year's new tax (1000 ten-thousand yuan)"
        );
        let e = at("1000", "-1").unwrap_err();
        assert_eq!(error_message(&e[0], Lang::Zh), "上交省财政部分不能为负数");
        let e = at("1000", "300万").unwrap_err();
        assert_eq!(
            error_message(&e[0], Lang::Zh),
            "请只填写数字，不要带单位（本栏单位为万元），例如 8000"
        );
        // The field's own maximum is not the comparison with the new tax.
        let e = at("1000", "1000000000.01").unwrap_err();
        assert_eq!(error_message(&e[0], Lang::Zh), "上交省财政部分不能大于 1000000000");
        // A bad new tax leaves the share unjudged (one message, on the tax).
        let e = at("abc", "1").unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, TAX);
        let missing: Vec<(String, String)> = f_pairs_with(TAX, "1000")
            .into_iter()
            .filter(|(k, _)| k != PROVINCE_TAX)
            .collect();
        let e = AnnualFigures::from_form(&missing).unwrap_err();
        assert_eq!(e[0].code, ErrorCode::Required);
        assert_eq!(error_message(&e[0], Lang::En), "Paid to the province is required");
    }

    #[test]
    fn a_report_labels_its_figures_as_the_years_actuals_not_the_plan() {
        for lang in [Lang::Zh, Lang::En] {
            let mut seen = std::collections::HashSet::new();
            for field in REPORT_FIELDS {
                let label = field_label(field, lang);
                assert!(!label.is_empty(), "{field}");
                assert!(seen.insert(label), "{label} twice");
                // The parts of the year's investment ("其中：…") read the
                // same as the plan's; every other figure has its own label.
                if ![RESIDENTIAL, COMPLEX, CHARACTERISTIC].contains(field) {
                    assert_ne!(label, former_label(field, lang), "{field} has its own label");
                }
                for planned in ["计划", "规划", "建成后", "Planned", "at completion"] {
                    assert!(!label.contains(planned), "{label}");
                }
            }
        }
        assert_eq!(field_heading(TOTAL, Lang::Zh), "本年完成固定资产投资（亿元）");
        assert_eq!(
            field_heading(TOTAL, Lang::En),
            "Fixed-asset investment completed this year (hundred-million yuan)"
        );
        assert_eq!(field_heading(LAND, Lang::Zh), "本年使用新增建设用地（亩）");
        assert_eq!(field_heading(JOBS, Lang::Zh), "年末就业人数（人）");
        assert_eq!(field_heading(VISITORS, Lang::En), "Visitors this year (visits)");
        assert_eq!(
            field_heading(APP, Lang::Zh),
            "公共服务APP已建成",
            "a tick box has no unit"
        );
        // Messages name the field by the report's label, without "其中".
        let errors = AnnualFigures::from_form(&pairs(&[
            (TOTAL, "-1"),
            (RESIDENTIAL, "-1"),
            (COMPLEX, "0"),
            (LAND, "-1"),
            (TAX, "1000"),
            (PROVINCE_TAX, "0"),
            (VISITORS, "1"),
            (ENTERPRISES, "1"),
            (SCENIC, "3"),
            (WIFI, "90"),
            (DIGITAL, "90"),
        ]))
        .unwrap_err();
        let zh: Vec<String> = errors.iter().map(|e| error_message(e, Lang::Zh)).collect();
        assert_eq!(
            zh,
            [
                "本年完成固定资产投资不能为负数",
                "商品住宅投资不能为负数",
                "请填写特色产业投资",
                "本年使用新增建设用地不能为负数",
                "请填写年末就业人数",
            ]
        );
        let en: Vec<String> = errors.iter().map(|e| error_message(e, Lang::En)).collect();
        assert_eq!(en[0], "Fixed-asset investment completed this year cannot be negative");
        assert_eq!(en[1], "Commercial housing cannot be negative");
        assert_eq!(en[4], "Jobs at the year's end is required");
    }

    fn f_pairs_with(field: &str, value: &str) -> Vec<(String, String)> {
        let mut p = figures(dec!(3.6)).to_form_pairs();
        for (k, v) in p.iter_mut() {
            if k == field {
                *v = value.to_string();
            }
        }
        p
    }

    #[test]
    fn as_built_substitutes_the_actual_figures() {
        let plan = sample_proposal();
        let reports = [figures(dec!(4)), figures(dec!(5))];
        let built = as_built(&plan, &reports).unwrap();
        assert_eq!(built.investment().total_yi, dec!(9));
        assert_eq!(built.investment().by_year_yi.len(), plan.investment().by_year_yi.len());
        assert_eq!(built.investment().by_year_yi[2], Decimal::ZERO);
        assert_eq!(built.benefits().annual_visitors, 10000);
        assert_eq!(built.name(), plan.name());
        assert_eq!(built.built_area_km2(), plan.built_area_km2());
    }
}
