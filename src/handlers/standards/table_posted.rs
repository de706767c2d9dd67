//! The table form as posted: every row it declares (at most [`MAX_ROWS`]
//! of each kind, checked before anything is built), each value as typed.

use std::collections::HashMap;

use super::fields::{Choices, industry_choices};
use super::table_fields::{GradeForm, GradesForm, SectionForm, TableForm, field, line_blank, section_label};
use crate::domain::Lang;
use crate::domain::proposal::Industry;
use crate::standards::scoring::ScoringTable;

/// Most rows of each kind a posted form may declare (sections, lines of a
/// section, bands of a line, grade bands).
pub const MAX_ROWS: usize = 200;

impl TableForm {
    /// The form as posted onto the shape of `t` (whether it has industries
    /// and grades): every row the form declares, each value as typed.
    /// `None` when a count is missing or declares more rows than [`MAX_ROWS`].
    pub fn posted(t: &ScoringTable, values: &HashMap<String, Vec<String>>, lang: Lang) -> Option<TableForm> {
        let one = |name: &str| values.get(name).and_then(|v| v.first()).cloned().unwrap_or_default();
        // The form always states its counts; one missing or too large is
        // not this form (and nothing is built from it).
        let count = |name: &str| one(name).trim().parse::<usize>().ok().filter(|n| *n <= MAX_ROWS);
        let typed = |name: String| {
            let value = one(&name);
            field(name, value)
        };
        let ticked = |name: &str| one(name) == "true";
        let mut sections = Vec::new();
        for i in 0..count("sections")? {
            let p = format!("s{i}");
            let mut lines = Vec::new();
            for j in 0..count(&format!("{p}.lines"))? {
                let q = format!("{p}.l{j}");
                let n = count(&format!("{q}.bands"))?;
                let bands = (0..n)
                    .map(|k| (typed(format!("{q}.b{k}.min")), typed(format!("{q}.b{k}.points"))))
                    .collect();
                let mut line = line_blank(&q);
                line.key = one(&format!("{q}.key"));
                line.new = ticked(&format!("{q}.new"));
                line.remove = ticked(&format!("{q}.remove"));
                line.bands = bands;
                for f in line.fields_mut() {
                    *f = typed(std::mem::take(&mut f.name));
                }
                lines.push(line);
            }
            sections.push(SectionForm {
                new: ticked(&format!("{p}.new")),
                code: typed(format!("{p}.code")),
                name_zh: typed(format!("{p}.name_zh")),
                name_en: typed(format!("{p}.name_en")),
                cap: typed(format!("{p}.cap")),
                remove: ticked(&format!("{p}.remove")),
                lines,
                errors: Vec::new(),
                prefix: p,
            });
        }
        let labels: Vec<String> = sections.iter().map(section_label).collect();
        let grade_row = |p: String, new: bool| GradeForm {
            new,
            code: typed(format!("{p}.code")),
            name_zh: typed(format!("{p}.name_zh")),
            name_en: typed(format!("{p}.name_en")),
            min_total: typed(format!("{p}.min_total")),
            minimums: (0..sections.len())
                .map(|i| (labels[i].clone(), typed(format!("{p}.min.s{i}"))))
                .collect(),
            remove: ticked(&format!("{p}.remove")),
            prefix: p,
        };
        let grades = match t.grades {
            None => None,
            Some(_) => {
                let bands = (0..count("grades")?)
                    .map(|k| grade_row(format!("g{k}"), ticked(&format!("g{k}.new"))))
                    .collect();
                let mut otherwise = grade_row("go".into(), false);
                otherwise.minimums.clear();
                Some(GradesForm { bands, otherwise })
            }
        };
        let industries = t.industries.map(|_| {
            let mut c = industry_choices("industries".into(), Default::default(), lang);
            let on = values.get("industries").cloned().unwrap_or_default();
            for o in &mut c.options {
                o.checked = on.iter().any(|v| v == o.code);
            }
            c
        });
        Some(TableForm {
            hash: one("hash"),
            code: t.code.clone(),
            name_zh: typed("name_zh".into()),
            name_en: typed("name_en".into()),
            industries,
            sections,
            grades,
            errors: Vec::new(),
        })
    }
}

/// Industries ticked in a posted form.
pub fn ticked_industries(c: &Choices) -> crate::standards::IndustrySet {
    Industry::ALL
        .iter()
        .copied()
        .filter(|i| c.options.iter().any(|o| o.checked && o.code == i.code()))
        .collect()
}
