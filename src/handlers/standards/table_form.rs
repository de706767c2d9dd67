//! Editing one scoring table of a draft through a form (no JSON): its
//! sections and caps, its lines with their kind and parameters, its grade
//! bands with section minimums. What the form reads is the same table data
//! the JSON editor writes: the whole version is checked on save as there,
//! and worked cases gate publication as there. Refused input comes back as
//! typed, with a message beside each field.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::form::{load_draft, values_of};
use super::table_fields::{TableForm, figure_code};
use super::table_read::{figures, place, read};
use crate::auth::Admin;
use crate::domain::Lang;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::i18n;
use crate::services::standards::{self as service, StandardsError};
use crate::standards::scoring::LineKind;
use crate::standards::{Severity, Standard};
use crate::state::AppState;

/// An option of one of the form's lists.
pub struct Choice {
    pub code: String,
    pub label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/standards/table_form.html")]
pub struct TableFormPage {
    pub page: Page,
    pub id: i64,
    /// "ZJ-2015 v5".
    pub version: String,
    pub purpose: String,
    pub form: TableForm,
    pub kinds: Vec<Choice>,
    pub figures: Vec<Choice>,
    pub criteria: Vec<Choice>,
    pub directions: Vec<Choice>,
    pub veto_by: Vec<Choice>,
}

impl TableFormPage {
    fn new(page: Page, id: i64, s: &Standard, purpose: String, mut form: TableForm) -> TableFormPage {
        let lang = page.lang;
        form.label_minimums(lang);
        let t = |k: &str| i18n::t(lang, k);
        let listed = |codes: &[&str], prefix: &str| {
            codes
                .iter()
                .map(|c| Choice {
                    code: c.to_string(),
                    label: t(&format!("{prefix}.{c}")),
                })
                .collect()
        };
        TableFormPage {
            id,
            version: format!("{} v{}", s.code, s.version),
            purpose,
            kinds: listed(&LineKind::CODES, "table_form.kind"),
            figures: figures()
                .into_iter()
                .map(|f| Choice {
                    code: figure_code(f),
                    label: format!("{}（{}）", f.subject(lang), f.unit().label(lang)),
                })
                .collect(),
            criteria: s
                .criteria
                .iter()
                .filter(|c| c.severity != Severity::Info)
                .map(|c| Choice {
                    code: c.id.clone(),
                    label: format!("{} {}", c.id, s.criterion_label(&c.id, lang)),
                })
                .collect(),
            directions: listed(&["higher", "lower"], "table_form.direction"),
            veto_by: listed(&["judged", "above", "below"], "table_form.veto_by"),
            form,
            page,
        }
    }
}

fn table_of<'s>(s: &'s Standard, code: &str) -> AppResult<&'s crate::standards::scoring::ScoringTable> {
    s.table(code).ok_or(AppError::NotFound)
}

fn purpose(s: &Standard, code: &str, lang: Lang) -> String {
    s.table(code)
        .map(|t| t.purpose.label(lang).to_string())
        .unwrap_or_default()
}

/// `GET /admin/standards/{id}/tables/{table}` (drafts only).
pub async fn edit(
    State(state): State<AppState>,
    page: Page,
    Admin(_user): Admin,
    Path((id, code)): Path<(i64, String)>,
) -> AppResult<TableFormPage> {
    let row = load_draft(&state, id).await?;
    let s = row.standard();
    let form = TableForm::of(table_of(s, &code)?, &row.content_hash, page.lang);
    let purpose = purpose(s, &code, page.lang);
    Ok(TableFormPage::new(page, id, s, purpose, form))
}

/// `POST /admin/standards/{id}/tables/{table}`: 303 to the version's page,
/// or 422 with the form as typed and its messages.
pub async fn save(
    State(state): State<AppState>,
    page: Page,
    Admin(user): Admin,
    Path((id, code)): Path<(i64, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let lang = page.lang;
    let row = load_draft(&state, id).await?;
    let s = row.standard();
    let base = table_of(s, &code)?;
    let values = values_of(pairs);
    let hash = values.get("hash").and_then(|v| v.first()).map(String::as_str);
    if hash != Some(row.content_hash.as_str()) {
        return Err(StandardsError::Stale.into_app(Some(id)));
    }
    let mut form = TableForm::posted(base, &values, lang).ok_or(AppError::BadRequest("error.bad_request.invalid"))?;
    if let Some(table) = read(&mut form, base, lang) {
        let tables = s
            .tables
            .iter()
            .map(|t| if t.code == code { table.clone() } else { t.clone() })
            .collect();
        match service::save_tables(&state.db, &user, id, &form.hash, tables).await {
            Ok(()) => return Ok(Redirect::to(&format!("/admin/standards/{id}")).into_response()),
            Err(StandardsError::Invalid(errors)) => place(&mut form, &errors, lang),
            Err(e) => return Err(e.into_app(Some(id))),
        }
    }
    let purpose = purpose(s, &code, lang);
    let body = TableFormPage::new(page, id, s, purpose, form);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}
