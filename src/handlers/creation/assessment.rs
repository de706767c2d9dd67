//! A town's annual assessment and its settlement as the reviewers' page
//! shows them.

use rust_decimal::Decimal;

use crate::domain::Lang;
use crate::domain::creation::{self, AnnualFigures, Assessment, Grade, REPORT_FIELDS, Settlement};
use crate::handlers::display::sheet::{Posted, SheetView};
use crate::handlers::display::{exact, exact_pct};

pub struct AssessmentView {
    pub year: i32,
    pub period_year: u32,
    /// (label, value)
    pub indicators: Vec<(String, String)>,
    pub suggested: &'static str,
    pub suggested_label: &'static str,
    /// The confirmed grade and its reason, once confirmed.
    pub final_grade: Option<(&'static str, &'static str, String)>,
    /// A cultivation town's year (demoted earlier).
    pub cultivation: bool,
    /// The grades a reviewer may choose: (code, label).
    pub grades: Vec<(&'static str, &'static str)>,
    /// The year's report as filed: (the report's label with unit, value).
    pub figures: Vec<(String, String)>,
    /// No report of the year (未按时报送).
    pub missing: bool,
    /// A rebate year after the period: figures and rebate, no grade.
    pub rebate_year: bool,
    /// Which rules made (or make) the grade.
    pub basis: String,
    /// Not gradable yet: the year before has no grade.
    pub waiting: bool,
    /// The year on the annual table (to score, or as scored).
    pub sheet: Option<SheetView>,
    /// The grade chosen in the form: the suggestion, or what was typed.
    pub chosen: String,
    /// The reason as typed, when the form came back.
    pub reason: String,
}

impl AssessmentView {
    pub(super) fn pending(year: i32, a: &Assessment, figures: Vec<(String, String)>, lang: Lang) -> AssessmentView {
        AssessmentView {
            year,
            period_year: a.period_year,
            indicators: indicators(a, lang),
            suggested: a.suggested.code(),
            suggested_label: a.suggested.label(lang),
            final_grade: None,
            cultivation: a.cultivation,
            grades: grade_choices(a.cultivation, lang),
            figures,
            missing: a.missing_report,
            rebate_year: false,
            basis: a.basis.label(lang).to_string(),
            waiting: false,
            sheet: None,
            chosen: a.suggested.code().to_string(),
            reason: String::new(),
        }
    }

    /// A year that is not graded: a rebate year, or one waiting for the
    /// year before.
    pub(super) fn ungraded(year: i32, figures: Vec<(String, String)>, rebate_year: bool) -> AssessmentView {
        AssessmentView {
            year,
            period_year: 0,
            indicators: Vec::new(),
            suggested: "",
            suggested_label: "",
            final_grade: None,
            cultivation: false,
            grades: Vec::new(),
            figures,
            missing: false,
            rebate_year,
            basis: String::new(),
            waiting: !rebate_year,
            sheet: None,
            chosen: String::new(),
            reason: String::new(),
        }
    }
}

pub struct CriterionLine {
    pub label: String,
    pub planned: &'static str,
    pub planned_label: &'static str,
    pub built: &'static str,
    pub built_label: &'static str,
}

pub struct RebateYear {
    pub year: String,
    /// The new tax paid to the province that year.
    pub province_tax_wan: String,
    /// The share returned, in percent.
    pub rate: String,
    pub rebate_wan: String,
}

pub struct SettlementView {
    pub land_used_mu: String,
    pub factor: String,
    pub land_quota_mu: String,
    pub province_tax_total_wan: String,
    pub rebates: Vec<RebateYear>,
    pub rebate_total_wan: String,
}

pub(super) fn settlement_view(s: &Settlement, years: &[i32]) -> SettlementView {
    SettlementView {
        land_used_mu: exact(s.land_used_mu),
        factor: exact(s.factor),
        land_quota_mu: exact(s.land_quota_mu),
        province_tax_total_wan: exact(s.province_tax_total_wan),
        rebates: s
            .tax_rebate_wan
            .iter()
            .zip(years)
            .enumerate()
            .map(|(i, (r, y))| RebateYear {
                year: y.to_string(),
                province_tax_wan: s.province_tax_wan.get(i).map(|v| exact(*v)).unwrap_or_default(),
                rate: exact_pct(s.tax_rebate_rate.get(i).map(|r| *r * Decimal::ONE_HUNDRED)),
                rebate_wan: exact(*r),
            })
            .collect(),
        rebate_total_wan: exact(s.tax_rebate_total_wan),
    }
}

/// Messages beside the review page's forms after a refused POST.
#[derive(Debug, Default)]
pub struct ReviewErrors {
    pub grade: Option<String>,
    pub reason: Option<String>,
    pub accept: Option<String>,
    /// The grading form as posted, with its sheet.
    pub posted: Option<Posted>,
}

pub(super) fn indicators(a: &Assessment, lang: Lang) -> Vec<(String, String)> {
    let t = |k: &str| crate::i18n::t(lang, k);
    let mut lines = vec![
        (t("creation.ind.period_year"), a.period_year.to_string()),
        (t("creation.ind.year_plan"), exact(a.year_plan_yi)),
        (t("creation.ind.year_actual"), exact(a.year_actual_yi)),
        (t("creation.ind.year_rate"), exact_pct(a.year_rate_pct)),
        (t("creation.ind.cum_plan"), exact(a.cumulative_plan_yi)),
        (t("creation.ind.cum_actual"), exact(a.cumulative_actual_yi)),
        (t("creation.ind.cum_rate"), exact_pct(a.cumulative_rate_pct)),
        (
            t("creation.ind.characteristic_share"),
            exact_pct(a.characteristic_share_pct),
        ),
        (
            t("creation.ind.visitors"),
            format!("{} / {}", a.visitors, a.planned_visitors),
        ),
    ];
    if a.cultivation {
        lines.push((t("creation.ind.kind"), t("creation.ind.cultivation")));
    }
    lines
}

/// Every figure of a report, labelled as the report form labels it.
pub(super) fn report_figures(f: &AnnualFigures, lang: Lang) -> Vec<(String, String)> {
    let pairs = f.to_form_pairs();
    REPORT_FIELDS
        .iter()
        .map(|name| {
            let value = pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
            let value = match creation::field_kind(name) {
                creation::ReportFieldKind::Flag => crate::i18n::t(
                    lang,
                    if value == Some("true") {
                        "proposals.yes"
                    } else {
                        "proposals.no"
                    },
                ),
                _ => value.unwrap_or_default().to_string(),
            };
            (creation::field_heading(name, lang), value)
        })
        .collect()
}

pub(super) fn grade_choices(cultivation: bool, lang: Lang) -> Vec<(&'static str, &'static str)> {
    Grade::allowed(cultivation)
        .iter()
        .map(|g| (g.code(), g.label(lang)))
        .collect()
}
