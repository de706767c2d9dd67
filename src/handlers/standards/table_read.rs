//! Reads the table form back into the engine's table — the same data the
//! JSON editor writes — marking every field that cannot be read, and puts
//! the whole version's objections beside the section or line they concern.

use rust_decimal::Decimal;

use super::fields::{Field, figure, text};
use super::table_fields::{GradeForm, LineForm, TableForm, figure_code};
use super::table_posted::ticked_industries;
use crate::domain::Lang;
use crate::domain::creation::Grade;
use crate::i18n;
use crate::standards::StandardError;
use crate::standards::scoring::{
    DecimalValue, Direction, Figure, GradeBand, GradeName, Grades, Line, LineKind, PointBand, Purpose, ScoringFigure,
    ScoringTable, Section, TableProblem, VetoCondition,
};

/// Longest name and evidence, in characters.
const NAME_MAX: usize = 200;
const EVIDENCE_MAX: usize = 2000;

/// Every figure a line may read, as the engine codes them.
pub fn figures() -> Vec<Figure> {
    crate::standards::edit::METRICS
        .iter()
        .map(|m| Figure::Metric(*m))
        .chain([
            Figure::Scoring(ScoringFigure::ResidentialSharePct),
            Figure::Scoring(ScoringFigure::CompletionPct),
        ])
        .collect()
}

/// The table the form describes, based on `base` (its code, purpose and
/// worked cases are not edited here); `None` when any field has a message.
pub(super) fn read(form: &mut TableForm, base: &ScoringTable, lang: Lang) -> Option<ScoringTable> {
    let mut table = base.clone();
    table.name_zh = text(&mut form.name_zh, NAME_MAX, lang);
    table.name_en = text(&mut form.name_en, NAME_MAX, lang);
    if let Some(c) = &mut form.industries {
        let set = ticked_industries(c);
        if set.is_empty() {
            c.error = Some(i18n::t(lang, "standards.form.error.required"));
        }
        table.industries = Some(set);
    }
    let mut sections = Vec::new();
    for s in &mut form.sections {
        if s.skipped() {
            continue;
        }
        let code = code(&mut s.code, lang);
        let name_zh = text(&mut s.name_zh, NAME_MAX, lang);
        let name_en = text(&mut s.name_en, NAME_MAX, lang);
        let cap = figure(&mut s.cap, None, true, lang).unwrap_or_default();
        let lines = s
            .lines
            .iter_mut()
            .filter(|l| !l.skipped())
            .map(|l| read_line(l, base, lang))
            .collect();
        sections.push(Section {
            code,
            name_zh,
            name_en,
            cap,
            lines,
        });
    }
    table.sections = sections;
    if let Some(g) = &mut form.grades {
        let codes: Vec<(String, bool)> = form
            .sections
            .iter()
            .map(|s| (s.code.value.trim().to_string(), s.remove))
            .collect();
        let annual = base.purpose == Purpose::AnnualAssessment;
        let mut bands = Vec::new();
        for b in &mut g.bands {
            if b.skipped() {
                continue;
            }
            let grade = grade_name(b, annual, lang);
            let min_total = match b.min_total.value.trim() {
                "" => Decimal::ZERO,
                _ => figure(&mut b.min_total, None, true, lang).unwrap_or_default(),
            };
            let mut section_minimums = std::collections::BTreeMap::new();
            for ((_, f), (code, removed)) in b.minimums.iter_mut().zip(&codes) {
                if f.value.trim().is_empty() {
                    continue;
                }
                if *removed || code.is_empty() {
                    f.error = Some(i18n::t(lang, "table_form.error.section_gone"));
                } else if let Some(d) = figure(f, None, true, lang) {
                    section_minimums.insert(code.clone(), DecimalValue(d));
                }
            }
            bands.push(GradeBand {
                grade,
                min_total,
                section_minimums,
            });
        }
        let otherwise = grade_name(&mut g.otherwise, annual, lang);
        table.grades = Some(Grades { bands, otherwise });
    }
    (!form.has_errors()).then_some(table)
}

fn grade_name(g: &mut GradeForm, annual: bool, lang: Lang) -> GradeName {
    let code = code(&mut g.code, lang);
    // An annual table names the creation system's grades.
    if annual && g.code.error.is_none() && Grade::from_code(&code).is_none() {
        g.code.error = Some(TableProblem::NotAnnualGrade.text(&code, lang));
    }
    GradeName {
        code,
        name_zh: text(&mut g.name_zh, NAME_MAX, lang),
        name_en: text(&mut g.name_en, NAME_MAX, lang),
    }
}

/// A code: lower-case letters, digits, `.`, `_` and `-`, at most 100.
fn code(f: &mut Field, lang: Lang) -> String {
    let v = f.value.trim().to_string();
    let fits = (1..=100).contains(&v.chars().count())
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if !fits {
        f.error = Some(i18n::t(lang, "table_form.error.code"));
    }
    v
}

fn optional_text(f: &mut Field, lang: Lang) -> String {
    let v = f.value.trim().to_string();
    if v.chars().count() > EVIDENCE_MAX {
        f.error = Some(i18n::t(lang, "standards.form.error.too_long"));
    }
    v
}

fn figure_of(f: &mut Field, lang: Lang) -> Figure {
    match figures().into_iter().find(|x| figure_code(*x) == f.value.trim()) {
        Some(x) => x,
        None => {
            f.error = Some(i18n::t(lang, "table_form.error.choose"));
            Figure::Scoring(ScoringFigure::CompletionPct)
        }
    }
}

fn number(f: &mut Field, lang: Lang) -> Decimal {
    figure(f, None, true, lang).unwrap_or_default()
}

fn read_line(l: &mut LineForm, base: &ScoringTable, lang: Lang) -> Line {
    let stored = base.line(&l.key);
    let kind = match l.kind.value.trim() {
        "criterion" => {
            let criterion = l.criterion.value.trim().to_string();
            if criterion.is_empty() {
                l.criterion.error = Some(i18n::t(lang, "table_form.error.choose"));
            }
            LineKind::Criterion {
                criterion,
                warn_fraction: number(&mut l.warn_fraction, lang),
            }
        }
        "target" => LineKind::Target {
            figure: figure_of(&mut l.target_figure, lang),
            direction: match l.direction.value.trim() {
                "lower" => Direction::Lower,
                _ => Direction::Higher,
            },
            target: number(&mut l.target, lang),
            base: number(&mut l.base, lang),
            step: number(&mut l.step, lang),
            per_step_above: number(&mut l.per_step_above, lang),
            above_cap: number(&mut l.above_cap, lang),
            per_step_below: number(&mut l.per_step_below, lang),
        },
        "bands" => LineKind::Bands {
            figure: figure_of(&mut l.bands_figure, lang),
            bands: point_bands(l, lang),
        },
        "judged" => LineKind::Judged {
            step: number(&mut l.judged_step, lang),
        },
        "veto" => LineKind::Veto {
            condition: match l.veto_by.value.trim() {
                "above" => VetoCondition::Above {
                    figure: figure_of(&mut l.veto_figure, lang),
                    value: number(&mut l.veto_value, lang),
                },
                "below" => VetoCondition::Below {
                    figure: figure_of(&mut l.veto_figure, lang),
                    value: number(&mut l.veto_value, lang),
                },
                _ => VetoCondition::Judged,
            },
        },
        _ => {
            l.kind.error = Some(i18n::t(lang, "table_form.error.choose"));
            LineKind::Judged { step: Decimal::ONE }
        }
    };
    Line {
        code: code(&mut l.code, lang),
        name_zh: text(&mut l.name_zh, NAME_MAX, lang),
        name_en: text(&mut l.name_en, NAME_MAX, lang),
        max: number(&mut l.max, lang),
        evidence_zh: optional_text(&mut l.evidence_zh, lang),
        evidence_en: optional_text(&mut l.evidence_en, lang),
        materials: stored.map(|s| s.materials.clone()).unwrap_or_default(),
        citation: stored.and_then(|s| s.citation.clone()),
        kind,
    }
}

/// The bands typed (rows left blank skipped), each minimum strictly below
/// the one before it: a band out of order is named beside its minimum.
fn point_bands(l: &mut LineForm, lang: Lang) -> Vec<PointBand> {
    let mut bands: Vec<PointBand> = Vec::new();
    for (min, points) in &mut l.bands {
        if min.value.trim().is_empty() && points.value.trim().is_empty() {
            continue;
        }
        let (Some(m), Some(p)) = (figure(min, None, true, lang), figure(points, None, true, lang)) else {
            continue;
        };
        if bands.last().is_some_and(|before| m >= before.min) {
            min.error = Some(i18n::t(lang, "table_form.error.band_order"));
        }
        bands.push(PointBand { min: m, points: p });
    }
    if bands.is_empty()
        && let Some((min, _)) = l.bands.first_mut()
        && min.error.is_none()
    {
        min.error = Some(i18n::t(lang, "standards.form.error.required"));
    }
    bands
}

/// The version's objections beside the line or section they name (`table/
/// code`), the rest above the form.
pub(super) fn place(form: &mut TableForm, errors: &[StandardError], lang: Lang) {
    for e in errors {
        let message = e.message(lang);
        let at = e
            .criterion
            .as_deref()
            .and_then(|at| at.split_once('/'))
            .filter(|(table, _)| *table == form.code)
            .map(|(_, x)| x.to_string());
        let Some(at) = at else {
            form.errors.push(message);
            continue;
        };
        if let Some(l) = form
            .sections
            .iter_mut()
            .flat_map(|s| s.lines.iter_mut())
            .find(|l| !l.remove && l.code.value.trim() == at)
        {
            l.errors.push(message);
        } else if let Some(s) = form.sections.iter_mut().find(|s| s.code.value.trim() == at) {
            s.errors.push(message);
        } else {
            form.errors.push(message);
        }
    }
}
