//! The draft editor's forms: every parameter of every criterion as a field
//! (filled from the draft, or as typed), and the form that adds a criterion.

use std::collections::HashMap;

use super::fields::*;
use crate::domain::Lang;
use crate::i18n;
use crate::standards::edit::{KINDS, METRICS, kind_code, kind_metric};
use crate::standards::{CriterionKind, Set, Standard};

pub struct OverrideForm {
    pub condition: String,
    pub value: Field,
    /// Bands only: the upper bound (empty: none).
    pub upper: Option<Field>,
}

pub struct CriterionForm {
    pub prefix: String,
    pub key: String,
    pub label: String,
    pub kind: String,
    pub metric: String,
    pub unit: String,
    pub id: Field,
    pub severity: Choices,
    pub document: Field,
    pub clause: Field,
    /// Threshold, band lower bound or the value to equal.
    pub value: Option<Field>,
    pub upper: Option<Field>,
    pub overrides: Vec<OverrideForm>,
    pub pass: Option<Choices>,
    pub warn: Option<Choices>,
    pub flags: Option<Choices>,
    pub remove: bool,
    pub errors: Vec<String>,
}

pub struct EditForm {
    pub hash: String,
    pub name_zh: Field,
    pub name_en: Field,
    pub effective_from: Field,
    pub jurisdiction: Field,
    pub source: Field,
    pub period_years: Field,
    pub accelerated_period_years: Field,
    pub eligible: Choices,
    pub exempt: Choices,
    pub criteria: Vec<CriterionForm>,
    pub errors: Vec<String>,
}

impl EditForm {
    /// The form showing a stored draft.
    pub fn of(s: &Standard, hash: &str, lang: Lang) -> EditForm {
        let criteria = s
            .criteria
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let p = format!("c{i}");
                let metric = kind_metric(&c.kind);
                let mut form = CriterionForm {
                    key: c.id.clone(),
                    label: s.criterion_label(&c.id, lang).to_owned(),
                    kind: i18n::t(lang, &format!("standards.kind.{}", kind_code(&c.kind))),
                    metric: metric.map(|m| m.subject(lang).to_owned()).unwrap_or_default(),
                    unit: metric.map(|m| m.unit().label(lang).to_owned()).unwrap_or_default(),
                    id: Field::new(format!("{p}.id"), c.id.clone()),
                    severity: severity_choices(format!("{p}.severity"), c.severity.code(), lang),
                    document: Field::new(format!("{p}.document"), c.citation.document.clone()),
                    clause: Field::new(format!("{p}.clause"), c.citation.clause.clone()),
                    value: None,
                    upper: None,
                    overrides: Vec::new(),
                    pass: None,
                    warn: None,
                    flags: None,
                    remove: false,
                    errors: Vec::new(),
                    prefix: p.clone(),
                };
                match &c.kind {
                    CriterionKind::AtLeast { threshold, .. } | CriterionKind::AtMost { threshold, .. } => {
                        form.value = Some(Field::new(format!("{p}.value"), num(threshold.default)));
                        form.overrides = threshold
                            .overrides
                            .iter()
                            .enumerate()
                            .map(|(j, o)| OverrideForm {
                                condition: when_text(&o.when, lang),
                                value: Field::new(format!("{p}.o{j}.value"), num(o.value)),
                                upper: None,
                            })
                            .collect();
                    }
                    CriterionKind::Band {
                        lower,
                        upper,
                        overrides,
                        ..
                    } => {
                        form.value = Some(Field::new(format!("{p}.value"), num(*lower)));
                        form.upper = Some(Field::new(format!("{p}.upper"), upper.map(num).unwrap_or_default()));
                        form.overrides = overrides
                            .iter()
                            .enumerate()
                            .map(|(j, o)| OverrideForm {
                                condition: super::industries(o.industries, lang),
                                value: Field::new(format!("{p}.o{j}.value"), num(o.lower)),
                                upper: Some(Field::new(
                                    format!("{p}.o{j}.upper"),
                                    o.upper.map(num).unwrap_or_default(),
                                )),
                            })
                            .collect();
                    }
                    CriterionKind::Equals { value, .. } => {
                        form.value = Some(Field::new(format!("{p}.value"), num(*value)));
                    }
                    CriterionKind::Location { pass, warn } => {
                        form.pass = Some(location_choices(format!("{p}.pass"), *pass, lang));
                        form.warn = Some(location_choices(format!("{p}.warn"), *warn, lang));
                    }
                    CriterionKind::AllFlags { flags } => {
                        form.flags = Some(flag_choices(format!("{p}.flags"), *flags, lang))
                    }
                    _ => {}
                }
                form
            })
            .collect();
        EditForm {
            hash: hash.to_owned(),
            name_zh: Field::new("name_zh", s.name_zh.clone()),
            name_en: Field::new("name_en", s.name_en.clone()),
            effective_from: Field::new("effective_from", s.effective_from.to_string()),
            jurisdiction: Field::new("jurisdiction", s.jurisdiction.clone()),
            source: Field::new("source", s.source.clone()),
            period_years: Field::new("period_years", s.period_years.to_string()),
            accelerated_period_years: Field::new("accelerated_period_years", s.accelerated_period_years.to_string()),
            eligible: industry_choices("eligible".into(), s.eligible_industries, lang),
            exempt: industry_choices("exempt".into(), s.exempt_industries, lang),
            criteria,
            errors: Vec::new(),
        }
    }

    /// Puts what was typed into the form (so a refused form shows it again).
    pub(super) fn fill(&mut self, values: &HashMap<String, Vec<String>>) {
        let one = |name: &str| values.get(name).and_then(|v| v.first()).cloned().unwrap_or_default();
        let set = |c: &mut Choices| {
            let on = values.get(&c.name).cloned().unwrap_or_default();
            for o in &mut c.options {
                o.checked = on.iter().any(|v| v == o.code);
            }
        };
        self.hash = one("hash");
        for f in [
            &mut self.name_zh,
            &mut self.name_en,
            &mut self.effective_from,
            &mut self.jurisdiction,
            &mut self.source,
            &mut self.period_years,
            &mut self.accelerated_period_years,
        ] {
            f.value = one(&f.name);
        }
        set(&mut self.eligible);
        set(&mut self.exempt);
        for c in &mut self.criteria {
            c.remove = one(&format!("{}.remove", c.prefix)) == "true";
            for f in [&mut c.id, &mut c.document, &mut c.clause]
                .into_iter()
                .chain(c.value.as_mut())
                .chain(c.upper.as_mut())
            {
                f.value = one(&f.name);
            }
            for o in &mut c.overrides {
                o.value.value = one(&o.value.name);
                if let Some(u) = o.upper.as_mut() {
                    u.value = one(&u.name);
                }
            }
            let sev = one(&c.severity.name);
            for o in &mut c.severity.options {
                o.checked = o.code == sev;
            }
            for ch in [c.pass.as_mut(), c.warn.as_mut(), c.flags.as_mut()]
                .into_iter()
                .flatten()
            {
                set(ch);
            }
        }
    }

    pub(super) fn has_errors(&self) -> bool {
        let fields = [
            &self.name_zh,
            &self.name_en,
            &self.effective_from,
            &self.jurisdiction,
            &self.source,
            &self.period_years,
            &self.accelerated_period_years,
        ];
        !self.errors.is_empty()
            || fields.iter().any(|f| f.error.is_some())
            || self.eligible.error.is_some()
            || self.exempt.error.is_some()
            || self.criteria.iter().any(|c| {
                !c.errors.is_empty()
                    || [
                        Some(&c.id),
                        Some(&c.document),
                        Some(&c.clause),
                        c.value.as_ref(),
                        c.upper.as_ref(),
                    ]
                    .into_iter()
                    .flatten()
                    .any(|f| f.error.is_some())
                    || c.overrides
                        .iter()
                        .any(|o| o.value.error.is_some() || o.upper.as_ref().is_some_and(|u| u.error.is_some()))
                    || [c.pass.as_ref(), c.warn.as_ref(), c.flags.as_ref(), Some(&c.severity)]
                        .into_iter()
                        .flatten()
                        .any(|ch| ch.error.is_some())
            })
    }
}

pub struct NewCriterionForm {
    pub id: Field,
    pub kind: Choices,
    pub metric: Choices,
    pub severity: Choices,
    pub value: Field,
    pub upper: Field,
    pub flags: Choices,
    pub document: Field,
    pub clause: Field,
}

impl NewCriterionForm {
    pub(super) fn blank(lang: Lang) -> NewCriterionForm {
        let kinds: Vec<Opt> = KINDS
            .iter()
            .map(|k| Opt {
                code: k,
                label: "",
                checked: *k == KINDS[0],
            })
            .collect();
        NewCriterionForm {
            id: Field::new("new.id", ""),
            kind: Choices {
                name: "new.kind".into(),
                options: kinds,
                error: None,
            },
            metric: Choices {
                name: "new.metric".into(),
                options: METRICS
                    .iter()
                    .map(|m| Opt {
                        code: "",
                        label: m.subject(lang),
                        checked: false,
                    })
                    .collect(),
                error: None,
            },
            severity: severity_choices("new.severity".into(), "hard", lang),
            value: Field::new("new.value", ""),
            upper: Field::new("new.upper", ""),
            flags: flag_choices("new.flags".into(), Set::empty(), lang),
            document: Field::new("new.document", ""),
            clause: Field::new("new.clause", ""),
        }
    }
}
