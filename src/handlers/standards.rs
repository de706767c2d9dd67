//! Standards administration: versions, drafts, example cases, what-if,
//! activation; and re-evaluation on request.

pub mod actions;
mod add;
mod draft;
pub mod examples;
mod fields;
pub mod form;
mod read;
mod table_fields;
pub mod table_form;
mod table_posted;
mod table_read;
mod table_stored;
mod tables;
pub mod tables_edit;
pub mod view;

pub use add::add_criterion;

use crate::domain::Lang;
use crate::domain::proposal::{Industry, Location};
use crate::i18n;
use crate::standards::edit::kind_metric;
use crate::standards::{Criterion, CriterionKind, Flag, Member, Set, Standard, Threshold, Verdict, When, qty};

/// (css class, label) of a version's status.
pub fn status_badge(status: &str, lang: Lang) -> (String, String) {
    let class = match status {
        "active" => "pass",
        "published" => "info",
        _ => "warn",
    };
    (class.to_owned(), i18n::t(lang, &format!("standards.status.{status}")))
}

/// "a、b、c" in Chinese, "a, b, c" in English.
pub fn join_set<T: Member>(set: Set<T>, label: impl Fn(T) -> &'static str, lang: Lang) -> String {
    let sep = if lang == Lang::Zh { "、" } else { ", " };
    set.iter().map(label).collect::<Vec<_>>().join(sep)
}

pub fn industries(set: Set<Industry>, lang: Lang) -> String {
    join_set(set, |i| i.label(lang), lang)
}

/// One line of a criterion's rule: what it is, and its figure.
pub struct RuleLine {
    pub label: String,
    pub value: String,
}

/// A criterion as the readable page shows it.
pub struct CriterionView {
    pub id: String,
    pub label: String,
    pub severity: String,
    pub severity_code: &'static str,
    pub kind: String,
    pub metric: String,
    pub rules: Vec<RuleLine>,
    pub applies_to: Option<String>,
    pub document: String,
    pub clause: String,
}

fn when_label(when: &When, lang: Lang) -> String {
    match when {
        When::Industries(set) => industries(*set, lang),
        When::ExemptIndustry => i18n::t(lang, "standards.rule.exempt_industry"),
        When::AcceleratedCounty => i18n::t(lang, "standards.rule.accelerated_county"),
    }
}

fn threshold_lines(op: &str, t: &Threshold, unit: crate::domain::proposal::Unit, lang: Lang) -> Vec<RuleLine> {
    let mut lines = vec![RuleLine {
        label: i18n::t(lang, "standards.rule.default"),
        value: format!("{op} {}", qty(t.default, unit, lang)),
    }];
    lines.extend(t.overrides.iter().map(|o| RuleLine {
        label: when_label(&o.when, lang),
        value: format!("{op} {}", qty(o.value, unit, lang)),
    }));
    lines
}

fn band_text(
    lower: rust_decimal::Decimal,
    upper: Option<rust_decimal::Decimal>,
    unit: crate::domain::proposal::Unit,
    lang: Lang,
) -> String {
    match upper {
        Some(u) => format!("{} – {}", qty(lower, unit, lang), qty(u, unit, lang)),
        None => format!("≥ {}", qty(lower, unit, lang)),
    }
}

/// Every parameter of a criterion, in words of the page language.
pub fn criterion_view(s: &Standard, c: &Criterion, lang: Lang) -> CriterionView {
    let t = |k: &str| i18n::t(lang, k);
    let rules = match &c.kind {
        CriterionKind::IndustryEligible => {
            vec![RuleLine {
                label: t("standards.rule.eligible"),
                value: industries(s.eligible_industries, lang),
            }]
        }
        CriterionKind::Named { .. } => vec![RuleLine {
            label: t("standards.rule.named"),
            value: String::new(),
        }],
        CriterionKind::Location { pass, warn } => vec![
            RuleLine {
                label: Verdict::Pass.label(lang).to_owned(),
                value: join_set(*pass, |l: Location| l.label(lang), lang),
            },
            RuleLine {
                label: Verdict::Warn.label(lang).to_owned(),
                value: join_set(*warn, |l: Location| l.label(lang), lang),
            },
            RuleLine {
                label: Verdict::Fail.label(lang).to_owned(),
                value: join_set(
                    Set::of(Location::ALL).minus(pass.with_all(*warn)),
                    |l: Location| l.label(lang),
                    lang,
                ),
            },
        ],
        CriterionKind::AtLeast { metric, threshold } => threshold_lines("≥", threshold, metric.unit(), lang),
        CriterionKind::AtMost { metric, threshold } => threshold_lines("≤", threshold, metric.unit(), lang),
        CriterionKind::Band {
            metric,
            lower,
            upper,
            overrides,
        } => {
            let mut lines = vec![RuleLine {
                label: t("standards.rule.band"),
                value: band_text(*lower, *upper, metric.unit(), lang),
            }];
            lines.extend(overrides.iter().map(|o| RuleLine {
                label: industries(o.industries, lang),
                value: band_text(o.lower, o.upper, metric.unit(), lang),
            }));
            lines
        }
        CriterionKind::Equals { metric, value } => {
            vec![RuleLine {
                label: t("standards.rule.equals"),
                value: format!("= {}", qty(*value, metric.unit(), lang)),
            }]
        }
        CriterionKind::AllFlags { flags } => {
            vec![RuleLine {
                label: t("standards.rule.flags"),
                value: join_set(*flags, |f: Flag| f.label(lang), lang),
            }]
        }
        CriterionKind::Report { .. } => vec![RuleLine {
            label: t("standards.rule.report"),
            value: String::new(),
        }],
        CriterionKind::Material { material } => vec![RuleLine {
            label: t("standards.rule.material"),
            value: material.label(lang).to_owned(),
        }],
        CriterionKind::BoundaryArea { tolerance_pct } => vec![RuleLine {
            label: t("standards.rule.boundary_tolerance"),
            value: format!("± {}%", crate::standards::number(*tolerance_pct)),
        }],
        CriterionKind::BoundaryOverlap { min_area_m2 } => vec![RuleLine {
            label: t("standards.rule.boundary_min_area"),
            value: crate::standards::boundary::area_text(*min_area_m2, lang),
        }],
        CriterionKind::BoundaryControlLines {
            forbidden,
            within,
            min_area_m2,
        } => {
            let kinds = |ks: &[crate::standards::LayerKind]| {
                let sep = if lang == Lang::Zh { "、" } else { ", " };
                ks.iter().map(|k| k.label(lang)).collect::<Vec<_>>().join(sep)
            };
            vec![
                RuleLine {
                    label: t("standards.rule.boundary_forbidden"),
                    value: kinds(forbidden),
                },
                RuleLine {
                    label: t("standards.rule.boundary_within"),
                    value: kinds(within),
                },
                RuleLine {
                    label: t("standards.rule.boundary_min_area"),
                    value: crate::standards::boundary::area_text(*min_area_m2, lang),
                },
            ]
        }
    };
    CriterionView {
        id: c.id.clone(),
        label: s.criterion_label(&c.id, lang).to_owned(),
        severity: c.severity.label(lang).to_owned(),
        severity_code: c.severity.code(),
        kind: t(&format!(
            "standards.kind.{}",
            crate::standards::edit::kind_code(&c.kind)
        )),
        metric: kind_metric(&c.kind)
            .map(|m| m.subject(lang).to_owned())
            .unwrap_or_default(),
        rules,
        applies_to: c.applies_to.map(|set| industries(set, lang)),
        document: c.citation.document.clone(),
        clause: c.citation.clause.clone(),
    }
}

/// Helper trait: the union of two sets (the engine's `Set` has no `union`).
trait WithAll {
    fn with_all(self, other: Self) -> Self;
}

impl<T: Member> WithAll for Set<T> {
    fn with_all(self, other: Self) -> Self {
        other.iter().fold(self, Set::with)
    }
}
