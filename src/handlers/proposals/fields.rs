//! The proposal form's fields as typed: the body's pairs, and the form's
//! sections with each field's value and message.

use crate::auth::User;
use crate::db::regions;
use crate::domain::proposal::{FIELDS, FieldError, FieldKind, FieldSpec, PeriodYears, ProposalInput};
use crate::domain::{Lang, Role};
use crate::error::AppResult;
use crate::handlers::display::{SECTIONS, section_of, year_label};
use crate::i18n;
use crate::state::AppState;

pub(super) const BY_YEAR: &str = "investment.by_year_yi";

/// The form body as (name, value) pairs, repeated names kept in order.
pub(super) fn pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub(super) fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Blank years after the last filled one are not part of the plan (the form
/// always shows five inputs). One pass from the end, then one to keep the
/// rest: a body of many blank years costs as much as any other.
pub(super) fn without_trailing_blank_years(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut dropped = vec![false; pairs.len()];
    for (i, (key, value)) in pairs.iter().enumerate().rev() {
        if key != BY_YEAR {
            continue;
        }
        if !value.trim().is_empty() {
            break;
        }
        dropped[i] = true;
    }
    let mut i = 0;
    pairs.retain(|_| {
        i += 1;
        !dropped[i - 1]
    });
    pairs
}

pub struct FormField {
    pub name: &'static str,
    pub id: String,
    pub label: &'static str,
    pub help: &'static str,
    pub unit: &'static str,
    /// text | select | checkbox | number | years
    pub control: &'static str,
    pub value: String,
    /// For the by-year inputs: (label, value, only for accelerated counties).
    pub years: Vec<(String, String, bool)>,
    pub options: Vec<(&'static str, &'static str, bool)>,
    pub checked: bool,
    pub required: bool,
    pub error: Option<String>,
}

pub struct FormSection {
    pub id: &'static str,
    pub title: String,
    pub collapsed: bool,
    pub fields: Vec<FormField>,
}

/// Builds the form's sections from the raw values (as typed, or as stored).
/// The by-year inputs: as many as the active version's longer (accelerated)
/// period, those past the normal period marked for accelerated counties only
/// (hidden by the script when the box is not ticked). A draft saved under a
/// longer period keeps every stored year visible, so nothing typed is lost.
fn year_inputs(values: &[String], periods: PeriodYears, lang: Lang) -> Vec<(String, String, bool)> {
    let normal = periods.for_county(false);
    let shown = periods.for_county(true).max(normal).max(values.len());
    (0..shown)
        .map(|i| {
            (
                year_label(i, lang),
                values.get(i).cloned().unwrap_or_default(),
                i >= normal,
            )
        })
        .collect()
}

pub(super) fn sections(
    raw: &[(String, String)],
    errors: &[FieldError],
    lang: Lang,
    skip_region: bool,
    periods: PeriodYears,
) -> Vec<FormSection> {
    let raw_values =
        |name: &str| -> Vec<String> { raw.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect() };
    let error_for = |name: &str| -> Option<String> {
        let messages: Vec<String> = errors
            .iter()
            .filter(|e| e.field == name)
            .map(|e| e.message(lang))
            .collect();
        (!messages.is_empty()).then(|| messages.join(" "))
    };
    let field = |spec: &FieldSpec| -> FormField {
        let values = raw_values(spec.name);
        let first = values.first().cloned().unwrap_or_default();
        let (control, options, years) = match spec.kind {
            FieldKind::Text { .. } => ("text", Vec::new(), Vec::new()),
            FieldKind::Bool => ("checkbox", Vec::new(), Vec::new()),
            FieldKind::Choice(choice) => (
                "select",
                choice
                    .options(lang)
                    .into_iter()
                    .map(|(c, l)| (c, l, c == first))
                    .collect(),
                Vec::new(),
            ),
            FieldKind::DecimalList(_) => ("years", Vec::new(), year_inputs(&values, periods, lang)),
            FieldKind::Decimal(_) | FieldKind::Count { .. } => ("number", Vec::new(), Vec::new()),
        };
        FormField {
            name: spec.name,
            id: spec.name.replace('.', "-"),
            label: spec.label(lang),
            help: spec.help(lang),
            unit: spec.unit().map(|u| u.label(lang)).unwrap_or(""),
            control,
            checked: first == "true",
            value: first,
            years,
            options,
            required: spec.required,
            error: error_for(spec.name),
        }
    };
    SECTIONS
        .iter()
        .map(|section| FormSection {
            id: section,
            title: i18n::t(lang, &format!("proposals.section.{section}")),
            collapsed: *section == "national",
            fields: FIELDS
                .iter()
                .filter(|f| section_of(f) == *section && !(skip_region && f.name == "region"))
                .map(field)
                .collect(),
        })
        .collect()
}

/// Reads the form: the proposal's fields, the official's region forced.
pub(super) fn read_input(
    user: &User,
    raw: &[(String, String)],
    region_name: Option<String>,
) -> (ProposalInput, Vec<FieldError>) {
    let (mut input, errors) = ProposalInput::from_form(raw);
    input.region = if user.role == Role::Official {
        user.region_name.clone()
    } else {
        region_name
    };
    (input, errors)
}

/// The region a new proposal goes to: the official's own, or the admin's choice.
pub(super) async fn target_region(
    state: &AppState,
    user: &User,
    raw: &[(String, String)],
) -> AppResult<(Option<i64>, Option<String>)> {
    if user.role == Role::Official {
        return Ok((user.region_id, user.region_name.clone()));
    }
    let Some(id) = value(raw, "region_id").and_then(|v| v.trim().parse::<i64>().ok()) else {
        return Ok((None, None));
    };
    let mut conn = crate::db::acquire(&state.db).await?;
    let region = regions::list(&mut conn).await?.into_iter().find(|r| r.id == id);
    Ok(region.map(|r| (Some(r.id), Some(r.name))).unwrap_or((None, None)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_blank_years_are_dropped_but_inner_blanks_kept() {
        let p =
            |v: &[&str]| -> Vec<(String, String)> { v.iter().map(|x| (BY_YEAR.to_owned(), x.to_string())).collect() };
        assert_eq!(
            without_trailing_blank_years(p(&["1", "2", "3", "", ""])),
            p(&["1", "2", "3"])
        );
        assert_eq!(
            without_trailing_blank_years(p(&["1", "", "3", " ", ""])),
            p(&["1", "", "3"])
        );
        assert_eq!(without_trailing_blank_years(p(&["", ""])), p(&[]));
    }

    #[test]
    fn blank_years_among_other_fields_go_and_the_rest_keep_their_order() {
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        let mut pairs = vec![pair(BY_YEAR, "1"), pair("name", "甲")];
        pairs.extend((0..1_000).flat_map(|_| [pair(BY_YEAR, ""), pair("developer", "")]));
        let kept = without_trailing_blank_years(pairs);
        assert_eq!(kept.len(), 2 + 1_000);
        assert_eq!(kept[..2], [pair(BY_YEAR, "1"), pair("name", "甲")]);
        assert!(kept[2..].iter().all(|(k, _)| k == "developer"));
    }
}
