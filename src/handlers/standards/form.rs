//! The draft editor: every parameter of every criterion as a form field,
//! read back with per-field messages (422, typed values kept).
use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::draft::{EditForm, NewCriterionForm};
use super::read::{place, read};
use crate::auth::Admin;
use crate::db::standards as db_standards;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::i18n;
use crate::services::standards::{self as service, StandardsError};
use crate::standards::Standard;
use crate::standards::edit::{KINDS, METRICS, metric_code};
use crate::state::AppState;

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
    let mut conn = crate::db::acquire(&state.db).await?;
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
