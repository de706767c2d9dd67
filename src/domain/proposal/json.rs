//! The canonical JSON: nested objects `investment`, `functions`, `benefits`;
//! decimals as JSON numbers or strings, read from their exact text.

use serde_json::{Map, Value as Json};

use super::ProposalInput;
use super::error::{ErrorCode, FieldError};
use super::fields::{self, FieldKind, FieldSpec};
use super::form;
use super::number;
use super::slot::Value;

const GROUPS: &[&str] = &["investment", "functions", "benefits"];

pub(super) fn from_json(value: &Json) -> (ProposalInput, Vec<FieldError>) {
    let mut input = ProposalInput::default();
    let mut errors = Vec::new();
    let Json::Object(top) = value else {
        errors.push(FieldError::new("", ErrorCode::NotAnObject));
        return (input, errors);
    };
    for (key, v) in top {
        if GROUPS.contains(&key.as_str()) {
            match v {
                Json::Object(group) => read_group(key, group, &mut input, &mut errors),
                Json::Null => {}
                _ => errors.push(wrong_type(key, "object")),
            }
            continue;
        }
        // Dotted names exist only inside their group object.
        match fields::field(key).filter(|f| !f.name.contains('.')) {
            Some(spec) => read_field(spec, v, &mut input, &mut errors),
            None => errors.push(FieldError::new(key.as_str(), ErrorCode::UnknownField)),
        }
    }
    (input, errors)
}

fn read_group(group: &str, obj: &Map<String, Json>, input: &mut ProposalInput, errors: &mut Vec<FieldError>) {
    for (key, v) in obj {
        let path = format!("{group}.{key}");
        match fields::field(&path) {
            Some(spec) => read_field(spec, v, input, errors),
            None => errors.push(FieldError::new(path, ErrorCode::UnknownField)),
        }
    }
}

fn wrong_type(field: &str, expected: &'static str) -> FieldError {
    FieldError::new(field, ErrorCode::WrongType).with(|p| p.expected_type = Some(expected))
}

fn read_field(spec: &'static FieldSpec, v: &Json, input: &mut ProposalInput, errors: &mut Vec<FieldError>) {
    if v.is_null() {
        return;
    }
    match parse(spec, v) {
        Ok(Some(value)) => input.set(spec.name, value),
        Ok(None) => {}
        Err(e) => errors.extend(e),
    }
}

fn parse(spec: &'static FieldSpec, v: &Json) -> Result<Option<Value>, Vec<FieldError>> {
    let name = spec.name;
    let one = |e: FieldError| vec![e];
    match (spec.kind, v) {
        (FieldKind::Text { max_chars, .. }, Json::String(s)) => {
            let t = form::text(name, s, max_chars).map_err(one)?;
            Ok((!t.is_empty()).then_some(Value::Text(t)))
        }
        (FieldKind::Text { .. }, _) => Err(one(wrong_type(name, "string"))),
        (FieldKind::Choice(_), Json::String(s)) => form::parse_text(spec, s).map(Some).map_err(one),
        (FieldKind::Choice(_), _) => Err(one(wrong_type(name, "string"))),
        (FieldKind::Bool, Json::Bool(b)) => Ok(Some(Value::Bool(*b))),
        (FieldKind::Bool, _) => Err(one(wrong_type(name, "boolean"))),
        (FieldKind::Decimal(limit), _) => decimal(name, v, &limit).map(|d| Some(Value::Decimal(d))).map_err(one),
        (FieldKind::Count { max, .. }, Json::Number(n)) => number::read_json_number(&n.to_string())
            .map_err(|code| match code {
                ErrorCode::TooManyDecimals => FieldError::new(name, ErrorCode::NotWholeNumber),
                code => FieldError::new(name, code),
            })
            .and_then(|d| number::check_count(name, d, max))
            .map(|c| Some(Value::Count(c)))
            .map_err(one),
        (FieldKind::Count { max, .. }, Json::String(s)) => number::count_field(name, s, max)
            .map(|c| Some(Value::Count(c)))
            .map_err(one),
        (FieldKind::Count { .. }, _) => Err(one(wrong_type(name, "integer"))),
        (FieldKind::DecimalList(limit), Json::Array(items)) => {
            let mut years = Vec::with_capacity(items.len());
            let mut errs = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match item {
                    Json::Null => years.push(None),
                    _ => match decimal(name, item, &limit) {
                        Ok(d) => years.push(Some(d)),
                        Err(e) => {
                            errs.push(e.with(|p| p.position = Some(i + 1)));
                            years.push(None);
                        }
                    },
                }
            }
            if errs.is_empty() {
                Ok(Some(Value::List(years)))
            } else {
                Err(errs)
            }
        }
        (FieldKind::DecimalList(_), _) => Err(one(wrong_type(name, "array"))),
    }
}

/// A decimal given as a JSON number (its exact text, never via f64) or string.
fn decimal(name: &str, v: &Json, limit: &fields::DecimalLimit) -> Result<rust_decimal::Decimal, FieldError> {
    let parsed = match v {
        Json::Number(n) => number::read_json_number(&n.to_string()),
        Json::String(s) => number::read_decimal(s),
        _ => return Err(wrong_type(name, "number")),
    };
    match parsed {
        Ok(d) => number::check_decimal(name, d, limit),
        Err(ErrorCode::TooLarge) => Err(FieldError::new(name, ErrorCode::TooLarge).with(|p| p.limit = Some(limit.max))),
        Err(ErrorCode::TooManyDecimals) => {
            Err(FieldError::new(name, ErrorCode::TooManyDecimals).with(|p| p.expected = Some(limit.max_scale as usize)))
        }
        Err(code) => Err(FieldError::new(name, code)),
    }
}
