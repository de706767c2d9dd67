//! The draft editor: every parameter of every criterion as a form field,
//! read back with per-field messages (422, typed values kept); and adding a
//! criterion of one of the engine's kinds.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rust_decimal::Decimal;

use super::{SEVERITIES, severity_code, severity_from_code};
use crate::auth::Admin;
use crate::db::standards as db_standards;
use crate::domain::Lang;
use crate::domain::proposal::{Industry, Location, Unit};
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::i18n;
use crate::services::standards::{self as service, StandardsError};
use crate::standards::edit::{
    KINDS, METRICS, NewCriterion, kind_code, kind_metric, metric_code, metric_from_code, new_criterion,
};
use crate::standards::{
    Citation, CriterionKind, Flag, Member, Metric, Set, Standard, StandardError, StandardErrorCode,
};
use crate::state::AppState;

/// A text input: its name, what is in it, and its message.
#[derive(Debug, Clone, Default)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub error: Option<String>,
}

impl Field {
    fn new(name: impl Into<String>, value: impl Into<String>) -> Field {
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

fn choices<T: Member>(
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

fn industry_choices(name: String, set: Set<Industry>, lang: Lang) -> Choices {
    choices(
        name,
        Industry::ALL,
        |i| i.code(),
        |i| i.label(lang),
        |i| set.contains(i),
    )
}

fn location_choices(name: String, set: Set<Location>, lang: Lang) -> Choices {
    choices(
        name,
        Location::ALL,
        |l| l.code(),
        |l| l.label(lang),
        |l| set.contains(l),
    )
}

fn flag_code(f: Flag) -> &'static str {
    match f {
        Flag::Industry => "industry",
        Flag::Culture => "culture",
        Flag::Tourism => "tourism",
        Flag::Community => "community",
        Flag::PublicServiceApp => "public_service_app",
        Flag::TownLivingRoom => "town_living_room",
    }
}

fn flag_choices(name: String, set: Set<Flag>, lang: Lang) -> Choices {
    choices(name, Flag::ALL, flag_code, |f| f.label(lang), |f| set.contains(f))
}

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

fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

fn severity_choices(name: String, code: &str, lang: Lang) -> Choices {
    Choices {
        name,
        options: SEVERITIES
            .iter()
            .map(|s| Opt {
                code: severity_code(*s),
                label: s.label(lang),
                checked: severity_code(*s) == code,
            })
            .collect(),
        error: None,
    }
}

fn when_text(when: &crate::standards::When, lang: Lang) -> String {
    match when {
        crate::standards::When::Industries(set) => super::industries(*set, lang),
        crate::standards::When::ExemptIndustry => i18n::t(lang, "standards.rule.exempt_industry"),
        crate::standards::When::AcceleratedCounty => i18n::t(lang, "standards.rule.accelerated_county"),
    }
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
                    severity: severity_choices(format!("{p}.severity"), severity_code(c.severity), lang),
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
    fn fill(&mut self, values: &HashMap<String, Vec<String>>) {
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

    fn has_errors(&self) -> bool {
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

/// Reads a figure as typed (full-width digits allowed); sets the field's
/// message when it is not a plain decimal or is out of range for `unit`.
fn figure(f: &mut Field, unit: Option<Unit>, required: bool, lang: Lang) -> Option<Decimal> {
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

fn text(f: &mut Field, max: usize, lang: Lang) -> String {
    let v = f.value.trim().to_owned();
    if v.is_empty() {
        f.error = Some(i18n::t(lang, "standards.form.error.required"));
    } else if v.chars().count() > max {
        f.error = Some(i18n::t(lang, "standards.form.error.too_long"));
    }
    v
}

fn set_of<T: Member>(c: &Choices, all: &[T], code: impl Fn(T) -> &'static str) -> Set<T> {
    all.iter()
        .copied()
        .filter(|t| c.options.iter().any(|o| o.checked && o.code == code(*t)))
        .collect()
}

fn band_order(lo: Option<Decimal>, hi: Option<Decimal>, upper: &mut Field, lang: Lang) {
    if let (Some(lo), Some(hi)) = (lo, hi)
        && lo >= hi
    {
        upper.error = Some(i18n::t(lang, "standards.form.error.band"));
    }
}

/// Reads the form into a standard based on `base`, marking every field that
/// is not acceptable. `None` when any field has a message.
fn read(form: &mut EditForm, base: &Standard, lang: Lang) -> Option<Standard> {
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
        match severity_from_code(sev) {
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
fn place(form: &mut EditForm, errors: &[StandardError], lang: Lang) {
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
            (C::ReportNotInfo | C::MaterialInfo, Some(i)) => Some(&mut form.criteria[i].severity.error),
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
    fn blank(lang: Lang) -> NewCriterionForm {
        let kinds: Vec<Opt> = KINDS
            .iter()
            .map(|k| Opt {
                code: k,
                label: "",
                checked: *k == "at_least",
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

/// An option of the add form's kind and metric lists.
pub struct KindOpt {
    pub code: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/standards/edit.html")]
pub struct EditPage {
    pub page: Page,
    pub id: i64,
    pub code: String,
    pub version: i32,
    pub form: EditForm,
    pub add: NewCriterionForm,
    pub kinds: Vec<KindOpt>,
    pub metrics: Vec<KindOpt>,
}

impl EditPage {
    fn new(page: Page, id: i64, s: &Standard, form: EditForm, add: NewCriterionForm) -> EditPage {
        let lang = page.lang;
        let kind_on = add
            .kind
            .options
            .iter()
            .find(|o| o.checked)
            .map(|o| o.code)
            .unwrap_or("");
        let kinds = KINDS
            .iter()
            .map(|k| KindOpt {
                code: (*k).to_owned(),
                label: i18n::t(lang, &format!("standards.kind.{k}")),
                checked: *k == kind_on,
            })
            .collect();
        let metric_on = add.metric.options.iter().position(|o| o.checked);
        let metrics = METRICS
            .iter()
            .enumerate()
            .map(|(i, m)| KindOpt {
                code: metric_code(*m),
                label: m.subject(lang).to_owned(),
                checked: Some(i) == metric_on,
            })
            .collect();
        EditPage {
            id,
            code: s.code.clone(),
            version: s.version,
            form,
            add,
            kinds,
            metrics,
            page,
        }
    }
}

/// Loads an editable draft (404 unknown; 409 not a draft or used).
pub(super) async fn load_draft(state: &AppState, id: i64) -> AppResult<db_standards::AdminRow> {
    let mut conn = state.db.acquire().await?;
    let row = db_standards::get_admin(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.is_used() {
        return Err(StandardsError::Used.into_app(Some(id)));
    }
    if row.status != "draft" {
        return Err(StandardsError::NotDraft.into_app(Some(id)));
    }
    Ok(row)
}

/// `GET /admin/standards/{id}/edit` (drafts only).
pub async fn edit(
    State(state): State<AppState>,
    page: Page,
    Admin(_user): Admin,
    Path(id): Path<i64>,
) -> AppResult<EditPage> {
    let row = load_draft(&state, id).await?;
    let form = EditForm::of(row.standard(), &row.content_hash, page.lang);
    let add = NewCriterionForm::blank(page.lang);
    Ok(EditPage::new(page, id, row.standard(), form, add))
}

fn values_of(pairs: Vec<(String, String)>) -> HashMap<String, Vec<String>> {
    let mut values: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in pairs {
        values.entry(k).or_default().push(v);
    }
    values
}

/// `POST /admin/standards/{id}/edit`: 303 to the version's page, or 422 with
/// the form, its messages beside the fields and what was typed.
pub async fn save(
    State(state): State<AppState>,
    page: Page,
    Admin(user): Admin,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let lang = page.lang;
    let row = load_draft(&state, id).await?;
    let base = row.standard();
    let values = values_of(pairs);
    // The form must describe the criteria the draft has now.
    let keys: Vec<String> = (0..base.criteria.len())
        .map(|i| {
            values
                .get(&format!("c{i}.key"))
                .and_then(|v| v.first())
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    let hash = values.get("hash").and_then(|v| v.first()).cloned().unwrap_or_default();
    if hash != row.content_hash || keys.iter().zip(&base.criteria).any(|(k, c)| *k != c.id) {
        return Err(StandardsError::Stale.into_app(Some(id)));
    }
    let mut form = EditForm::of(base, &row.content_hash, lang);
    form.fill(&values);
    let refused = match read(&mut form, base, lang) {
        None => true,
        Some(edited) => match service::save_draft(&state.db, &user, id, &hash, edited).await {
            Ok(()) => return Ok(Redirect::to(&format!("/admin/standards/{id}")).into_response()),
            Err(StandardsError::Invalid(errors)) => {
                place(&mut form, &errors, lang);
                true
            }
            Err(e) => return Err(e.into_app(Some(id))),
        },
    };
    debug_assert!(refused);
    let add = NewCriterionForm::blank(lang);
    let body = EditPage::new(page, id, base, form, add);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

/// `POST /admin/standards/{id}/criteria`: adds a criterion of a known kind
/// (`new.id`, `new.kind`, `new.metric`, `new.severity`, `new.value`,
/// `new.upper`, `new.flags`, `new.document`, `new.clause`).
pub async fn add_criterion(
    State(state): State<AppState>,
    page: Page,
    Admin(user): Admin,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let lang = page.lang;
    let row = load_draft(&state, id).await?;
    let base = row.standard();
    let values = values_of(pairs);
    let one = |name: &str| values.get(name).and_then(|v| v.first()).cloned().unwrap_or_default();
    let mut add = NewCriterionForm::blank(lang);
    add.id.value = one("new.id");
    add.value.value = one("new.value");
    add.upper.value = one("new.upper");
    add.document.value = one("new.document");
    add.clause.value = one("new.clause");
    let kind = one("new.kind");
    for o in &mut add.kind.options {
        o.checked = o.code == kind;
    }
    let metric = metric_from_code(&one("new.metric"));
    for (o, m) in add.metric.options.iter_mut().zip(METRICS) {
        o.checked = Some(*m) == metric;
    }
    let sev = one("new.severity");
    for o in &mut add.severity.options {
        o.checked = o.code == sev;
    }
    let flags_on = values.get("new.flags").cloned().unwrap_or_default();
    for o in &mut add.flags.options {
        o.checked = flags_on.iter().any(|v| v == o.code);
    }

    let new_id = add.id.value.trim().to_owned();
    if new_id.is_empty()
        || !new_id
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '.' || ch == '_')
    {
        add.id.error = Some(i18n::t(lang, "standards.form.error.criterion_id"));
    } else if base.criterion(&new_id).is_some() {
        add.id.error = Some(
            StandardError {
                criterion: Some(new_id.clone()),
                code: StandardErrorCode::DuplicateId,
                detail: None,
            }
            .message(lang),
        );
    }
    if !KINDS.contains(&kind.as_str()) {
        add.kind.error = Some(i18n::t(lang, "standards.form.error.required"));
    }
    let needs_metric = matches!(kind.as_str(), "at_least" | "at_most" | "band" | "equals" | "report");
    let needs_value = matches!(kind.as_str(), "at_least" | "at_most" | "band" | "equals");
    if needs_metric && metric.is_none() {
        add.metric.error = Some(i18n::t(lang, "standards.form.error.required"));
    }
    let unit = metric.map(Metric::unit);
    let value = if needs_value {
        figure(&mut add.value, unit, true, lang)
    } else {
        None
    };
    let upper = if kind == "band" {
        figure(&mut add.upper, unit, false, lang)
    } else {
        None
    };
    if kind == "band" {
        band_order(value, upper, &mut add.upper, lang);
    }
    let severity = severity_from_code(&sev);
    if severity.is_none() {
        add.severity.error = Some(i18n::t(lang, "standards.form.error.required"));
    }
    let citation = Citation {
        document: text(&mut add.document, 200, lang),
        clause: text(&mut add.clause, 1000, lang),
    };
    let flags = set_of(&add.flags, Flag::ALL, flag_code);
    if kind == "all_flags" && flags.is_empty() {
        add.flags.error = Some(i18n::t(lang, "standards.form.error.flags"));
    }
    let fields_ok = [&add.id, &add.value, &add.upper, &add.document, &add.clause]
        .iter()
        .all(|f| f.error.is_none())
        && [&add.kind, &add.metric, &add.severity, &add.flags]
            .iter()
            .all(|c| c.error.is_none());
    let criterion = severity.filter(|_| fields_ok).and_then(|severity| {
        new_criterion(NewCriterion {
            id: &new_id,
            kind: &kind,
            metric,
            severity,
            value: value.unwrap_or_default(),
            upper,
            flags,
            citation,
        })
    });
    if let Some(criterion) = criterion {
        let mut edited = base.clone();
        edited.criteria.push(criterion);
        match service::save_draft(&state.db, &user, id, &row.content_hash, edited).await {
            Ok(()) => return Ok(Redirect::to(&format!("/admin/standards/{id}/edit")).into_response()),
            Err(StandardsError::Invalid(errors)) => {
                let messages: Vec<String> = errors.iter().map(|e| e.message(lang)).collect();
                add.kind.error = Some(messages.join(if lang == Lang::Zh { "；" } else { "; " }));
            }
            Err(e) => return Err(e.into_app(Some(id))),
        }
    }
    let form = EditForm::of(base, &row.content_hash, lang);
    let body = EditPage::new(page, id, base, form, add);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}
