//! The form of one scoring table of a draft: its names, each section (code,
//! names, cap) with its lines (code, names, maximum, evidence, kind and the
//! parameters of every kind), the grade bands with their section minimums,
//! and one blank row each for a new section, line and band. Built from the
//! stored table, or from a posted form exactly as typed.

use super::fields::{Choices, Field};
use crate::domain::Lang;
use crate::standards::scoring::Figure;

/// Blank band rows offered under each line's bands.
pub(super) const BLANK_BANDS: usize = 2;

pub struct TableForm {
    pub hash: String,
    pub code: String,
    pub name_zh: Field,
    pub name_en: Field,
    /// An industry table's industries ("X"); none for the common table.
    pub industries: Option<Choices>,
    pub sections: Vec<SectionForm>,
    /// The common table's grade bands (best first) and the grade below them.
    pub grades: Option<GradesForm>,
    /// Problems of the table as a whole.
    pub errors: Vec<String>,
}

pub struct SectionForm {
    pub prefix: String,
    /// The blank row for a new section.
    pub new: bool,
    pub code: Field,
    pub name_zh: Field,
    pub name_en: Field,
    pub cap: Field,
    pub remove: bool,
    pub lines: Vec<LineForm>,
    pub errors: Vec<String>,
}

pub struct LineForm {
    pub prefix: String,
    /// The stored line this row edits (empty for a new line): its
    /// citation and materials are kept.
    pub key: String,
    pub new: bool,
    pub code: Field,
    pub name_zh: Field,
    pub name_en: Field,
    pub max: Field,
    pub evidence_zh: Field,
    pub evidence_en: Field,
    /// The kind's code (`criterion`, `target`, `bands`, `judged`, `veto`).
    pub kind: Field,
    pub remove: bool,
    pub criterion: Field,
    pub warn_fraction: Field,
    pub target_figure: Field,
    pub direction: Field,
    pub target: Field,
    pub base: Field,
    pub step: Field,
    pub per_step_above: Field,
    pub above_cap: Field,
    pub per_step_below: Field,
    pub bands_figure: Field,
    /// (min, points) of each band, highest minimum first.
    pub bands: Vec<(Field, Field)>,
    pub judged_step: Field,
    /// `judged`, `above` or `below`.
    pub veto_by: Field,
    pub veto_figure: Field,
    pub veto_value: Field,
    pub errors: Vec<String>,
}

pub struct GradesForm {
    pub bands: Vec<GradeForm>,
    pub otherwise: GradeForm,
}

pub struct GradeForm {
    pub prefix: String,
    pub new: bool,
    pub code: Field,
    pub name_zh: Field,
    pub name_en: Field,
    pub min_total: Field,
    /// (section label, field) per section, by the section's row.
    pub minimums: Vec<(String, Field)>,
    pub remove: bool,
}

/// A figure's code as the engine's JSON names it.
pub fn figure_code(f: Figure) -> String {
    serde_json::to_value(f)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub(super) fn field(name: String, value: impl Into<String>) -> Field {
    Field::new(name, value)
}

impl TableForm {
    /// Whether any field or row has a message.
    pub fn has_errors(&self) -> bool {
        let fields = [&self.name_zh, &self.name_en];
        !self.errors.is_empty()
            || fields.iter().any(|f| f.error.is_some())
            || self.industries.as_ref().is_some_and(|c| c.error.is_some())
            || self.sections.iter().any(|s| {
                !s.errors.is_empty()
                    || [&s.code, &s.name_zh, &s.name_en, &s.cap]
                        .iter()
                        .any(|f| f.error.is_some())
                    || s.lines.iter().any(|l| {
                        !l.errors.is_empty()
                            || l.fields().any(|f| f.error.is_some())
                            || l.bands.iter().any(|(a, b)| a.error.is_some() || b.error.is_some())
                    })
            })
            || self.grades.iter().any(|g| {
                g.bands.iter().chain(std::iter::once(&g.otherwise)).any(|b| {
                    [&b.code, &b.name_zh, &b.name_en, &b.min_total]
                        .into_iter()
                        .chain(b.minimums.iter().map(|(_, f)| f))
                        .any(|f| f.error.is_some())
                })
            })
    }
}

impl LineForm {
    /// Every single-valued field (bands apart).
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        [
            &self.code,
            &self.name_zh,
            &self.name_en,
            &self.max,
            &self.evidence_zh,
            &self.evidence_en,
            &self.kind,
            &self.criterion,
            &self.warn_fraction,
            &self.target_figure,
            &self.direction,
            &self.target,
            &self.base,
            &self.step,
            &self.per_step_above,
            &self.above_cap,
            &self.per_step_below,
            &self.bands_figure,
            &self.judged_step,
            &self.veto_by,
            &self.veto_figure,
            &self.veto_value,
        ]
        .into_iter()
    }

    pub(super) fn fields_mut(&mut self) -> impl Iterator<Item = &mut Field> {
        [
            &mut self.code,
            &mut self.name_zh,
            &mut self.name_en,
            &mut self.max,
            &mut self.evidence_zh,
            &mut self.evidence_en,
            &mut self.kind,
            &mut self.criterion,
            &mut self.warn_fraction,
            &mut self.target_figure,
            &mut self.direction,
            &mut self.target,
            &mut self.base,
            &mut self.step,
            &mut self.per_step_above,
            &mut self.above_cap,
            &mut self.per_step_below,
            &mut self.bands_figure,
            &mut self.judged_step,
            &mut self.veto_by,
            &mut self.veto_figure,
            &mut self.veto_value,
        ]
        .into_iter()
    }

    /// Whether nothing was typed into this blank row.
    /// Not saved: ticked for removal, or a new row left blank.
    pub fn skipped(&self) -> bool {
        self.remove || (self.new && self.is_blank())
    }

    pub fn is_blank(&self) -> bool {
        [&self.code, &self.name_zh, &self.name_en, &self.max]
            .iter()
            .all(|f| f.value.trim().is_empty())
    }
}

impl SectionForm {
    /// Not saved: ticked for removal, or a new row left blank.
    pub fn skipped(&self) -> bool {
        self.remove || (self.new && self.is_blank())
    }

    pub fn is_blank(&self) -> bool {
        [&self.code, &self.name_zh, &self.name_en, &self.cap]
            .iter()
            .all(|f| f.value.trim().is_empty())
            && self.lines.iter().all(LineForm::is_blank)
    }
}

impl GradeForm {
    /// Not saved: ticked for removal, or a new row left blank.
    pub fn skipped(&self) -> bool {
        self.remove || (self.new && self.is_blank())
    }

    pub fn is_blank(&self) -> bool {
        [&self.code, &self.name_zh, &self.name_en, &self.min_total]
            .into_iter()
            .chain(self.minimums.iter().map(|(_, f)| f))
            .all(|f| f.value.trim().is_empty())
    }
}

pub(super) fn section_label(s: &SectionForm) -> String {
    match (s.name_zh.value.trim(), s.code.value.trim()) {
        ("", "") => String::new(),
        ("", code) => code.to_string(),
        (name, _) => name.to_string(),
    }
}

impl TableForm {
    /// Each grade's section minimums labelled by its section's name in the
    /// page's language (its code when it has none).
    pub fn label_minimums(&mut self, lang: Lang) {
        let labels: Vec<String> = self
            .sections
            .iter()
            .map(|s| {
                let name = match lang {
                    Lang::Zh => s.name_zh.value.trim(),
                    Lang::En => s.name_en.value.trim(),
                };
                if name.is_empty() {
                    section_label(s)
                } else {
                    name.to_string()
                }
            })
            .collect();
        for g in self.grades.iter_mut().flat_map(|g| g.bands.iter_mut()) {
            for ((label, _), new) in g.minimums.iter_mut().zip(&labels) {
                *label = new.clone();
            }
        }
    }
}

/// A row with every parameter of every kind, blank but for defaults that
/// are always right to start from (a judged line in steps of 0.5, a
/// target counted from above it, a judged veto).
pub(super) fn line_blank(q: &str) -> LineForm {
    let f = |name: &str, value: &str| field(format!("{q}.{name}"), value);
    LineForm {
        prefix: q.to_string(),
        key: String::new(),
        new: false,
        code: f("code", ""),
        name_zh: f("name_zh", ""),
        name_en: f("name_en", ""),
        max: f("max", ""),
        evidence_zh: f("evidence_zh", ""),
        evidence_en: f("evidence_en", ""),
        kind: f("kind", "judged"),
        remove: false,
        criterion: f("c.criterion", ""),
        warn_fraction: f("c.warn", "0"),
        target_figure: f("t.figure", ""),
        direction: f("t.direction", "higher"),
        target: f("t.target", ""),
        base: f("t.base", ""),
        step: f("t.step", "1"),
        per_step_above: f("t.above", "0"),
        above_cap: f("t.above_cap", "0"),
        per_step_below: f("t.below", "0"),
        bands_figure: f("b.figure", ""),
        bands: (0..BLANK_BANDS + 1)
            .map(|k| (f(&format!("b{k}.min"), ""), f(&format!("b{k}.points"), "")))
            .collect(),
        judged_step: f("j.step", "0.5"),
        veto_by: f("v.by", "judged"),
        veto_figure: f("v.figure", ""),
        veto_value: f("v.value", ""),
        errors: Vec::new(),
    }
}

pub(super) fn grade_row(p: &str, sections: &[SectionForm]) -> GradeForm {
    GradeForm {
        prefix: p.to_string(),
        new: false,
        code: field(format!("{p}.code"), ""),
        name_zh: field(format!("{p}.name_zh"), ""),
        name_en: field(format!("{p}.name_en"), ""),
        min_total: field(format!("{p}.min_total"), ""),
        minimums: sections
            .iter()
            .enumerate()
            .map(|(i, s)| (section_label(s), field(format!("{p}.min.s{i}"), "")))
            .collect(),
        remove: false,
    }
}
