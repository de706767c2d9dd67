//! The table form showing a stored table, with one blank row each for a
//! new section, line, band and grade.

use rust_decimal::Decimal;

use super::fields::{Field, industry_choices, num};
use super::table_fields::{
    BLANK_BANDS, GradeForm, GradesForm, LineForm, SectionForm, TableForm, field, figure_code, grade_row, line_blank,
};
use crate::domain::Lang;
use crate::standards::scoring::{Direction, GradeBand, Line, LineKind, ScoringTable, Section, VetoCondition};

impl TableForm {
    /// The form showing `t` as stored, with blank rows to add to it.
    pub fn of(t: &ScoringTable, hash: &str, lang: Lang) -> TableForm {
        let mut sections: Vec<SectionForm> = t.sections.iter().enumerate().map(|(i, s)| section(i, s)).collect();
        sections.push(section_blank(t.sections.len()));
        let grades = t.grades.as_ref().map(|g| {
            let mut bands: Vec<GradeForm> = g
                .bands
                .iter()
                .enumerate()
                .map(|(k, b)| grade(&format!("g{k}"), b, &sections))
                .collect();
            bands.push(grade_blank(g.bands.len(), &sections));
            let mut otherwise = grade_row("go", &[]);
            otherwise.code.value = g.otherwise.code.clone();
            otherwise.name_zh.value = g.otherwise.name_zh.clone();
            otherwise.name_en.value = g.otherwise.name_en.clone();
            GradesForm { bands, otherwise }
        });
        TableForm {
            hash: hash.to_string(),
            code: t.code.clone(),
            name_zh: field("name_zh".into(), t.name_zh.clone()),
            name_en: field("name_en".into(), t.name_en.clone()),
            industries: t.industries.map(|set| industry_choices("industries".into(), set, lang)),
            sections,
            grades,
            errors: Vec::new(),
        }
    }
}

fn section(i: usize, s: &Section) -> SectionForm {
    let p = format!("s{i}");
    let mut lines: Vec<LineForm> = s
        .lines
        .iter()
        .enumerate()
        .map(|(j, l)| line(&format!("{p}.l{j}"), l))
        .collect();
    let mut blank = line_blank(&format!("{p}.l{}", s.lines.len()));
    blank.new = true;
    lines.push(blank);
    SectionForm {
        new: false,
        code: field(format!("{p}.code"), s.code.clone()),
        name_zh: field(format!("{p}.name_zh"), s.name_zh.clone()),
        name_en: field(format!("{p}.name_en"), s.name_en.clone()),
        cap: field(format!("{p}.cap"), num(s.cap)),
        remove: false,
        lines,
        errors: Vec::new(),
        prefix: p,
    }
}

fn section_blank(i: usize) -> SectionForm {
    let p = format!("s{i}");
    let mut blank = line_blank(&format!("{p}.l0"));
    blank.new = true;
    SectionForm {
        new: true,
        code: field(format!("{p}.code"), ""),
        name_zh: field(format!("{p}.name_zh"), ""),
        name_en: field(format!("{p}.name_en"), ""),
        cap: field(format!("{p}.cap"), ""),
        remove: false,
        lines: vec![blank],
        errors: Vec::new(),
        prefix: p,
    }
}

fn line(q: &str, l: &Line) -> LineForm {
    let mut form = line_blank(q);
    form.key = l.code.clone();
    form.code.value = l.code.clone();
    form.name_zh.value = l.name_zh.clone();
    form.name_en.value = l.name_en.clone();
    form.max.value = num(l.max);
    form.evidence_zh.value = l.evidence_zh.clone();
    form.evidence_en.value = l.evidence_en.clone();
    form.kind.value = l.kind.code().to_string();
    let n = |f: &mut Field, d: Decimal| f.value = num(d);
    match &l.kind {
        LineKind::Criterion {
            criterion,
            warn_fraction,
        } => {
            form.criterion.value = criterion.clone();
            n(&mut form.warn_fraction, *warn_fraction);
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
            form.target_figure.value = figure_code(*figure);
            form.direction.value = match direction {
                Direction::Higher => "higher",
                Direction::Lower => "lower",
            }
            .to_string();
            n(&mut form.target, *target);
            n(&mut form.base, *base);
            n(&mut form.step, *step);
            n(&mut form.per_step_above, *per_step_above);
            n(&mut form.above_cap, *above_cap);
            n(&mut form.per_step_below, *per_step_below);
        }
        LineKind::Bands { figure, bands } => {
            form.bands_figure.value = figure_code(*figure);
            form.bands = bands
                .iter()
                .map(|b| (num(b.min), num(b.points)))
                .chain((0..BLANK_BANDS).map(|_| (String::new(), String::new())))
                .enumerate()
                .map(|(k, (min, points))| {
                    (
                        field(format!("{q}.b{k}.min"), min),
                        field(format!("{q}.b{k}.points"), points),
                    )
                })
                .collect();
        }
        LineKind::Judged { step } => n(&mut form.judged_step, *step),
        LineKind::Veto { condition } => match condition {
            VetoCondition::Judged => form.veto_by.value = "judged".into(),
            VetoCondition::Above { figure, value } | VetoCondition::Below { figure, value } => {
                let by = if matches!(condition, VetoCondition::Above { .. }) {
                    "above"
                } else {
                    "below"
                };
                form.veto_by.value = by.into();
                form.veto_figure.value = figure_code(*figure);
                n(&mut form.veto_value, *value);
            }
        },
    }
    form
}

fn grade(p: &str, b: &GradeBand, sections: &[SectionForm]) -> GradeForm {
    let mut g = grade_row(p, sections);
    g.code.value = b.grade.code.clone();
    g.name_zh.value = b.grade.name_zh.clone();
    g.name_en.value = b.grade.name_en.clone();
    g.min_total.value = num(b.min_total);
    for ((_, f), s) in g.minimums.iter_mut().zip(sections) {
        if let Some(min) = b.section_minimums.get(&s.code.value) {
            f.value = num(min.0);
        }
    }
    g
}

fn grade_blank(k: usize, sections: &[SectionForm]) -> GradeForm {
    let mut g = grade_row(&format!("g{k}"), sections);
    g.new = true;
    g
}
