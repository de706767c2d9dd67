//! The HTML form: field names as in STANDARDS.md §1, a list as the same name
//! repeated, a ticked checkbox as `true`, an empty value as absent.

use std::collections::HashSet;

use super::ProposalInput;
use super::error::{ErrorCode, FieldError};
use super::fields::{self, FieldKind, FieldSpec};
use super::number;
use super::slot::{Slot, Value};

/// Form keys that belong to the page, not the proposal: `region_id` is an
/// admin's choice of region, which the handler reads and checks itself.
fn is_page_key(key: &str) -> bool {
    matches!(key, "csrf_token" | "version" | "action" | "region_id") || key.starts_with('_')
}

pub(super) fn from_form(pairs: &[(String, String)]) -> (ProposalInput, Vec<FieldError>) {
    let mut input = ProposalInput::default();
    let mut errors: Vec<FieldError> = Vec::new();
    // One message per field, looked up in a set: a body of many distinct
    // unknown names stays linear.
    let mut errored: HashSet<String> = HashSet::new();
    let mut list: Vec<&str> = Vec::new();
    for (key, raw) in pairs {
        if is_page_key(key) {
            continue;
        }
        let Some(spec) = fields::field(key) else {
            push_once(
                &mut errors,
                &mut errored,
                FieldError::new(key.as_str(), ErrorCode::UnknownField),
            );
            continue;
        };
        if spec.is_list() {
            list.push(raw);
            continue;
        }
        if raw.trim().is_empty() {
            continue;
        }
        match parse_text(spec, raw) {
            Ok(v) => input.set(spec.name, v),
            Err(e) => push_once(&mut errors, &mut errored, e),
        }
    }
    if let Some(spec) = fields::FIELDS.iter().find(|f| f.is_list())
        && let FieldKind::DecimalList(limit) = spec.kind
    {
        let mut years = Vec::with_capacity(list.len());
        for (i, raw) in list.iter().enumerate() {
            if raw.trim().is_empty() {
                years.push(None);
                continue;
            }
            match number::decimal_field(spec.name, raw, &limit) {
                Ok(d) => years.push(Some(d)),
                Err(e) => {
                    errors.push(e.with(|p| p.position = Some(i + 1)));
                    years.push(None);
                }
            }
        }
        // The form offers five year boxes; unused trailing ones are not years.
        while years.last().is_some_and(Option::is_none) {
            years.pop();
        }
        input.set(spec.name, Value::List(years));
    }
    (input, errors)
}

fn push_once(errors: &mut Vec<FieldError>, errored: &mut HashSet<String>, e: FieldError) {
    if errored.insert(e.field.clone()) {
        errors.push(e);
    }
}

/// Parses one non-empty form value of a scalar field.
pub(super) fn parse_text(spec: &FieldSpec, raw: &str) -> Result<Value, FieldError> {
    let name = spec.name;
    match spec.kind {
        FieldKind::Text { max_chars, .. } => text(name, raw, max_chars).map(Value::Text),
        FieldKind::Choice(choice) => {
            let code = raw.trim();
            choice
                .codes()
                .into_iter()
                .find(|c| *c == code)
                .map(Value::Choice)
                .ok_or_else(|| FieldError::new(name, ErrorCode::InvalidChoice))
        }
        FieldKind::Bool => match raw.trim() {
            "true" | "on" | "1" => Ok(Value::Bool(true)),
            "false" | "off" | "0" => Ok(Value::Bool(false)),
            _ => Err(FieldError::new(name, ErrorCode::InvalidBoolean)),
        },
        FieldKind::Decimal(limit) | FieldKind::DecimalList(limit) => {
            number::decimal_field(name, raw, &limit).map(Value::Decimal)
        }
        FieldKind::Count { max, .. } => number::count_field(name, raw, max).map(Value::Count),
    }
}

/// Trims and checks a text's length in characters.
pub(super) fn text(name: &str, raw: &str, max_chars: usize) -> Result<String, FieldError> {
    let t = raw.trim();
    let n = t.chars().count();
    if n > max_chars {
        return Err(FieldError::new(name, ErrorCode::TooLong).with(|p| {
            p.expected = Some(max_chars);
            p.count = Some(n);
        }));
    }
    Ok(t.to_string())
}

/// A field's values as form strings (empty when absent).
pub(super) fn values(input: &ProposalInput, name: &str) -> Vec<String> {
    // `slot` needs `&mut`; a copy keeps this read-only for callers.
    let mut copy = input.clone();
    let one = |s: Option<String>| vec![s.unwrap_or_default()];
    match copy.slot(name) {
        Some(Slot::Text(v)) => one(v.clone()),
        Some(Slot::Industry(v)) => one(v.map(|c| c.code().to_string())),
        Some(Slot::ClassicTrade(v)) => one(v.map(|c| c.code().to_string())),
        Some(Slot::Location(v)) => one(v.map(|c| c.code().to_string())),
        Some(Slot::Bool(v)) => one(v.then(|| "true".to_string())),
        Some(Slot::Decimal(v)) => one(v.map(|d| d.normalize().to_string())),
        Some(Slot::Count(v)) => one(v.map(|n| n.to_string())),
        Some(Slot::List(v)) => v
            .iter()
            .map(|d| d.map(|d| d.normalize().to_string()).unwrap_or_default())
            .collect(),
        None => Vec::new(),
    }
}
