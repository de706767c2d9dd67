//! A proposal's figures as the data tables show them, section by section.

use crate::domain::Lang;
use crate::domain::proposal::{Choice, FIELDS, FieldKind, FieldSpec, ProposalInput};
use crate::i18n;

use super::format::year_label;

/// A field of the proposal as the data table shows it.
pub struct DataRow {
    pub label: &'static str,
    pub value: String,
}

pub struct DataSection {
    pub title: String,
    pub rows: Vec<DataRow>,
}

/// Which form/data section a field belongs to.
pub fn section_of(spec: &FieldSpec) -> &'static str {
    if spec.national_only {
        "national"
    } else if spec.name.starts_with("investment.") {
        "investment"
    } else if spec.name.starts_with("functions.") {
        "functions"
    } else if spec.name.starts_with("benefits.") {
        "benefits"
    } else if spec.name.ends_with("_area_km2") {
        "space"
    } else {
        "basic"
    }
}

pub const SECTIONS: [&str; 6] = ["basic", "space", "investment", "functions", "benefits", "national"];

/// A field's value in words and units, as read on the proposal page.
pub fn display_value(input: &ProposalInput, spec: &FieldSpec, lang: Lang) -> String {
    let values = input.form_values(spec.name);
    let unit = spec.unit().map(|u| u.label(lang)).unwrap_or("");
    let join = |v: &str| {
        if unit.is_empty() || v.is_empty() {
            v.to_owned()
        } else {
            format!("{v} {unit}")
        }
    };
    let text = match spec.kind {
        FieldKind::Bool => {
            let yes = values.first().is_some_and(|v| v == "true");
            i18n::t(lang, if yes { "proposals.yes" } else { "proposals.no" })
        }
        FieldKind::Choice(choice) => {
            let code = values.first().cloned().unwrap_or_default();
            choice_label(choice, &code, lang).unwrap_or_default()
        }
        FieldKind::DecimalList(_) => values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{} {}", year_label(i, lang), join(if v.is_empty() { "—" } else { v })))
            .collect::<Vec<_>>()
            .join("；"),
        _ => values.first().map(|v| join(v)).unwrap_or_default(),
    };
    if text.is_empty() { "—".to_owned() } else { text }
}

fn choice_label(choice: Choice, code: &str, lang: Lang) -> Option<String> {
    choice
        .options(lang)
        .into_iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| l.to_owned())
}

pub fn data_sections(input: &ProposalInput, lang: Lang) -> Vec<DataSection> {
    SECTIONS
        .iter()
        .map(|section| DataSection {
            title: i18n::t(lang, &format!("proposals.section.{section}")),
            rows: FIELDS
                .iter()
                .filter(|f| section_of(f) == *section)
                .map(|f| DataRow {
                    label: f.label(lang),
                    value: display_value(input, f, lang),
                })
                .collect(),
        })
        .collect()
}
