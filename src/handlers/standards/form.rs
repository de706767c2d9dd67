//! The draft editor: every parameter of every criterion as a form field,
//! read back with per-field messages (422, typed values kept).
use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::add::NewCriterionForm;
use super::fields::*;
use super::read::{place, read};
use crate::auth::Admin;
use crate::db::standards as db_standards;
use crate::domain::Lang;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::i18n;
use crate::services::standards::{self as service, StandardsError};
use crate::standards::edit::{KINDS, METRICS, kind_code, kind_metric, metric_code};
use crate::standards::{CriterionKind, Standard};
use crate::state::AppState;

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
    pub(super) fn new(page: Page, id: i64, s: &Standard, form: EditForm, add: NewCriterionForm) -> EditPage {
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

pub(super) fn values_of(pairs: Vec<(String, String)>) -> HashMap<String, Vec<String>> {
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
