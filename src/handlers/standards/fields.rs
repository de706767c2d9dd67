//! The editor's form fields: text inputs and checkbox groups with their
//! messages, and reading a typed figure or text back.

use rust_decimal::Decimal;

use crate::domain::Lang;
use crate::domain::proposal::{Industry, Location, Unit};
use crate::i18n;
use crate::standards::{Flag, Member, Set, Severity};

/// A text input: its name, what is in it, and its message.
#[derive(Debug, Clone, Default)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub error: Option<String>,
}

impl Field {
    pub(super) fn new(name: impl Into<String>, value: impl Into<String>) -> Field {
        Field {
            name: name.into(),
            value: value.into(),
            error: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Opt {
    pub code: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// A group of checkboxes (or a select) sharing one name.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    pub name: String,
    pub options: Vec<Opt>,
    pub error: Option<String>,
}

pub(super) fn choices<T: Member>(
    name: String,
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
    on: impl Fn(T) -> bool,
) -> Choices {
    Choices {
        name,
        options: all
            .iter()
            .map(|t| Opt {
                code: code(*t),
                label: label(*t),
                checked: on(*t),
            })
            .collect(),
        error: None,
    }
}

pub(super) fn industry_choices(name: String, set: Set<Industry>, lang: Lang) -> Choices {
    choices(
        name,
        Industry::ALL,
        |i| i.code(),
        |i| i.label(lang),
        |i| set.contains(i),
    )
}

pub(super) fn location_choices(name: String, set: Set<Location>, lang: Lang) -> Choices {
    choices(
        name,
        Location::ALL,
        |l| l.code(),
        |l| l.label(lang),
        |l| set.contains(l),
    )
}

pub(super) fn flag_code(f: Flag) -> &'static str {
    match f {
        Flag::Industry => "industry",
        Flag::Culture => "culture",
        Flag::Tourism => "tourism",
        Flag::Community => "community",
        Flag::PublicServiceApp => "public_service_app",
        Flag::TownLivingRoom => "town_living_room",
    }
}

pub(super) fn flag_choices(name: String, set: Set<Flag>, lang: Lang) -> Choices {
    choices(name, Flag::ALL, flag_code, |f| f.label(lang), |f| set.contains(f))
}

pub(super) fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

pub(super) fn severity_choices(name: String, code: &str, lang: Lang) -> Choices {
    Choices {
        name,
        options: Severity::ALL
            .iter()
            .map(|s| Opt {
                code: s.code(),
                label: s.label(lang),
                checked: s.code() == code,
            })
            .collect(),
        error: None,
    }
}

pub(super) fn when_text(when: &crate::standards::When, lang: Lang) -> String {
    match when {
        crate::standards::When::Industries(set) => super::industries(*set, lang),
        crate::standards::When::ExemptIndustry => i18n::t(lang, "standards.rule.exempt_industry"),
        crate::standards::When::AcceleratedCounty => i18n::t(lang, "standards.rule.accelerated_county"),
    }
}

/// Reads a figure as typed (full-width digits allowed); sets the field's
/// message when it is not a plain decimal or is out of range for `unit`.
pub(super) fn figure(f: &mut Field, unit: Option<Unit>, required: bool, lang: Lang) -> Option<Decimal> {
    let text: String = f
        .value
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            c => c,
        })
        .collect();
    if text.is_empty() {
        if required {
            f.error = Some(i18n::t(lang, "standards.form.error.required"));
        }
        return None;
    }
    let Ok(d) = Decimal::from_str_exact(&text) else {
        f.error = Some(i18n::t(lang, "standards.form.error.number"));
        return None;
    };
    let key = if d < Decimal::ZERO {
        Some("standards.form.error.negative")
    } else if unit == Some(Unit::Pct) && d > Decimal::ONE_HUNDRED {
        Some("standards.form.error.percent")
    } else if unit == Some(Unit::Grade) && (d > Decimal::from(5) || !d.fract().is_zero()) {
        Some("standards.form.error.grade")
    } else {
        None
    };
    if let Some(key) = key {
        f.error = Some(i18n::t(lang, key));
        return None;
    }
    Some(d.normalize())
}

pub(super) fn text(f: &mut Field, max: usize, lang: Lang) -> String {
    let v = f.value.trim().to_owned();
    if v.is_empty() {
        f.error = Some(i18n::t(lang, "standards.form.error.required"));
    } else if v.chars().count() > max {
        f.error = Some(i18n::t(lang, "standards.form.error.too_long"));
    }
    v
}

pub(super) fn set_of<T: Member>(c: &Choices, all: &[T], code: impl Fn(T) -> &'static str) -> Set<T> {
    all.iter()
        .copied()
        .filter(|t| c.options.iter().any(|o| o.checked && o.code == code(*t)))
        .collect()
}

pub(super) fn band_order(lo: Option<Decimal>, hi: Option<Decimal>, upper: &mut Field, lang: Lang) {
    if let (Some(lo), Some(hi)) = (lo, hi)
        && lo >= hi
    {
        upper.error = Some(i18n::t(lang, "standards.form.error.band"));
    }
}
