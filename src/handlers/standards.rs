//! Standards administration: versions, drafts, example cases, what-if,
//! activation; and re-evaluation on request.

mod actions;
mod examples;
mod form;
mod tables;
mod tables_edit;
mod view;

use axum::Router;
use axum::routing::{get, post};

use crate::domain::Lang;
use crate::domain::proposal::{Industry, Location};
use crate::i18n;
use crate::standards::edit::kind_metric;
use crate::standards::{
    Criterion, CriterionKind, Flag, Member, Overall, Set, Severity, Standard, Threshold, Verdict, When, qty,
};
use crate::state::AppState;

/// Routes under `/admin/standards`, behind the admins' guard.
pub fn admin_routes() -> Router<AppState> {
    Router::new()
        .route("/admin/standards", get(view::list))
        .route("/admin/standards/{id}", get(view::show))
        .route("/admin/standards/{id}/what-if", get(view::what_if))
        .route("/admin/standards/{id}/edit", get(form::edit).post(form::save))
        .route("/admin/standards/{id}/criteria", post(form::add_criterion))
        .route(
            "/admin/standards/{id}/tables",
            get(tables_edit::edit).post(tables_edit::save),
        )
        .route("/admin/standards/{id}/copy", post(actions::copy))
        .route("/admin/standards/{id}/publish", post(actions::publish))
        .route("/admin/standards/{id}/activate", post(actions::activate))
        .route("/admin/standards/{id}/examples", post(examples::add))
        .route(
            "/admin/standards/{id}/examples/{n}",
            get(examples::show).post(examples::save),
        )
        .route("/admin/standards/{id}/examples/{n}/remove", post(examples::remove))
}

/// Routes for reviewers and admins (asking for a re-evaluation).
pub fn staff_routes() -> Router<AppState> {
    Router::new().route("/proposals/{id}/reevaluate", post(actions::reevaluate))
}

/// (css class, label) of a version's status.
pub fn status_badge(status: &str, lang: Lang) -> (String, String) {
    let class = match status {
        "active" => "pass",
        "published" => "info",
        _ => "warn",
    };
    (class.to_owned(), i18n::t(lang, &format!("standards.status.{status}")))
}

pub fn overall_from_code(code: &str) -> Option<Overall> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).ok()
}

pub fn verdict_from_code(code: &str) -> Option<Verdict> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).ok()
}

pub fn severity_from_code(code: &str) -> Option<Severity> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).ok()
}

pub const SEVERITIES: [Severity; 3] = [Severity::Hard, Severity::Soft, Severity::Info];
pub const VERDICTS: [Verdict; 6] = [
    Verdict::Pass,
    Verdict::Warn,
    Verdict::Fail,
    Verdict::Info,
    Verdict::NotApplicable,
    Verdict::Missing,
];
pub const OVERALLS: [Overall; 3] = [Overall::Pass, Overall::PassWithWarnings, Overall::Fail];

pub fn severity_code(s: Severity) -> &'static str {
    match s {
        Severity::Hard => "hard",
        Severity::Soft => "soft",
        Severity::Info => "info",
    }
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
    };
    CriterionView {
        id: c.id.clone(),
        label: s.criterion_label(&c.id, lang).to_owned(),
        severity: c.severity.label(lang).to_owned(),
        severity_code: severity_code(c.severity),
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
