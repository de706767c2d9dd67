//! Reads the draft editor back into a standard, and puts the engine's
//! objections beside the fields they concern.

use super::draft::EditForm;
use super::fields::*;
use crate::domain::Lang;
use crate::domain::proposal::{Industry, Location};
use crate::i18n;
use crate::standards::edit::kind_metric;
use crate::standards::{
    Citation, CriterionKind, Flag, Member, Metric, Severity, Standard, StandardError, StandardErrorCode,
};

/// Reads the form into a standard based on `base`, marking every field that
/// is not acceptable. `None` when any field has a message.
pub(super) fn read(form: &mut EditForm, base: &Standard, lang: Lang) -> Option<Standard> {
    let mut s = base.clone();
    s.name_zh = text(&mut form.name_zh, 100, lang);
    s.name_en = text(&mut form.name_en, 200, lang);
    s.jurisdiction = text(&mut form.jurisdiction, 100, lang);
    s.source = text(&mut form.source, 1000, lang);
    match chrono::NaiveDate::parse_from_str(form.effective_from.value.trim(), "%Y-%m-%d") {
        Ok(d) => s.effective_from = d,
        Err(_) => form.effective_from.error = Some(i18n::t(lang, "standards.form.error.date")),
    }
    for (f, target) in [
        (&mut form.period_years, &mut s.period_years),
        (&mut form.accelerated_period_years, &mut s.accelerated_period_years),
    ] {
        match f.value.trim().parse::<u32>() {
            Ok(n) if (1..=20).contains(&n) => *target = n,
            _ => f.error = Some(i18n::t(lang, "standards.form.error.years")),
        }
    }
    s.eligible_industries = set_of(&form.eligible, Industry::ALL, Industry::code);
    s.exempt_industries = set_of(&form.exempt, Industry::ALL, Industry::code);
    let mut criteria = Vec::new();
    for (c, orig) in form.criteria.iter_mut().zip(&base.criteria) {
        if c.remove {
            continue;
        }
        let mut k = orig.clone();
        k.id = c.id.value.trim().to_owned();
        if k.id.is_empty()
            || !k
                .id
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '.' || ch == '_')
        {
            c.id.error = Some(i18n::t(lang, "standards.form.error.criterion_id"));
        }
        let sev = c
            .severity
            .options
            .iter()
            .find(|o| o.checked)
            .map(|o| o.code)
            .unwrap_or("");
        match Severity::from_code(sev) {
            Some(sev) => k.severity = sev,
            None => c.severity.error = Some(i18n::t(lang, "standards.form.error.required")),
        }
        k.citation = Citation {
            document: text(&mut c.document, 200, lang),
            clause: text(&mut c.clause, 1000, lang),
        };
        let unit = kind_metric(&k.kind).map(Metric::unit);
        match &mut k.kind {
            CriterionKind::AtLeast { threshold, .. } | CriterionKind::AtMost { threshold, .. } => {
                if let Some(d) = c.value.as_mut().and_then(|f| figure(f, unit, true, lang)) {
                    threshold.default = d;
                }
                for (o, of) in threshold.overrides.iter_mut().zip(&mut c.overrides) {
                    if let Some(d) = figure(&mut of.value, unit, true, lang) {
                        o.value = d;
                    }
                }
            }
            CriterionKind::Band {
                lower,
                upper,
                overrides,
                ..
            } => {
                let lo = c.value.as_mut().and_then(|f| figure(f, unit, true, lang));
                let hi = c.upper.as_mut().and_then(|f| figure(f, unit, false, lang));
                if let Some(u) = c.upper.as_mut() {
                    band_order(lo, hi, u, lang);
                    if u.error.is_none() {
                        *upper = hi;
                    }
                }
                if let Some(lo) = lo {
                    *lower = lo;
                }
                for (o, of) in overrides.iter_mut().zip(&mut c.overrides) {
                    let lo = figure(&mut of.value, unit, true, lang);
                    if let Some(u) = of.upper.as_mut() {
                        let hi = figure(u, unit, false, lang);
                        band_order(lo, hi, u, lang);
                        if u.error.is_none() {
                            o.upper = hi;
                        }
                    }
                    if let Some(lo) = lo {
                        o.lower = lo;
                    }
                }
            }
            CriterionKind::Equals { value, .. } => {
                if let Some(d) = c.value.as_mut().and_then(|f| figure(f, unit, true, lang)) {
                    *value = d;
                }
            }
            CriterionKind::Location { pass, warn } => {
                if let (Some(p), Some(w)) = (&c.pass, &c.warn) {
                    *pass = set_of(p, Location::ALL, Location::code);
                    *warn = set_of(w, Location::ALL, Location::code);
                }
            }
            CriterionKind::AllFlags { flags } => {
                if let Some(f) = &c.flags {
                    *flags = set_of(f, Flag::ALL, flag_code);
                }
            }
            _ => {}
        }
        criteria.push(k);
    }
    s.criteria = criteria;
    if form.has_errors() { None } else { Some(s) }
}

/// Puts the engine's objections beside the fields they concern.
pub(super) fn place(form: &mut EditForm, errors: &[StandardError], lang: Lang) {
    use StandardErrorCode as C;
    for e in errors {
        let message = e.message(lang);
        let criterion = e.criterion.as_deref().and_then(|id| {
            // The last one with that id: for a duplicate, the second.
            form.criteria.iter().rposition(|c| !c.remove && c.id.value.trim() == id)
        });
        let target: Option<&mut Option<String>> = match (e.code, criterion) {
            (C::NoEligibleIndustries, _) => Some(&mut form.eligible.error),
            (C::ExemptNotEligible, _) => Some(&mut form.exempt.error),
            (C::BadPeriod, _) => Some(&mut form.period_years.error),
            (C::DuplicateId | C::EmptyId, Some(i)) => Some(&mut form.criteria[i].id.error),
            (C::ReportNotInfo | C::MaterialInfo | C::BoundaryInfo, Some(i)) => {
                Some(&mut form.criteria[i].severity.error)
            }
            (C::NoFlags, Some(i)) => form.criteria[i].flags.as_mut().map(|f| &mut f.error),
            (C::LocationConflict, Some(i)) => form.criteria[i].warn.as_mut().map(|f| &mut f.error),
            _ => None,
        };
        match (target, criterion) {
            (Some(slot), _) if slot.is_none() => *slot = Some(message),
            (_, Some(i)) => form.criteria[i].errors.push(message),
            _ => form.errors.push(message),
        }
    }
}
