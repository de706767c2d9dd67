//! Example cases of a version: one case's expectations beside its current
//! results (editable on a draft), and adding a case from a proposal.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::view::{ShowErrors, show_page};
use crate::auth::Admin;
use crate::db::standards as db_standards;
use crate::domain::proposal::Proposal;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::services::standards::{self as service, StandardsError};
use crate::standards::{Overall, Verdict};
use crate::state::AppState;

pub struct Choice {
    pub code: &'static str,
    pub label: String,
    pub selected: bool,
}

pub struct ExpectRow {
    pub id: String,
    pub label: String,
    /// Options, the first being "not checked".
    pub options: Vec<Choice>,
    pub actual: String,
    pub actual_code: &'static str,
    pub matches: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/standards/example.html")]
pub struct ExamplePage {
    pub page: Page,
    pub id: i64,
    pub n: usize,
    pub code: String,
    pub version: i32,
    pub editable: bool,
    pub name: String,
    pub name_error: Option<String>,
    pub overall_options: Vec<Choice>,
    pub actual_overall: String,
    pub actual_overall_code: &'static str,
    pub invalid: bool,
    pub rows: Vec<ExpectRow>,
}

/// The case page; `typed` replaces the stored expectations (a refused form).
async fn example_page(
    state: &AppState,
    page: Page,
    id: i64,
    n: usize,
    typed: Option<&BTreeMap<String, String>>,
    name_error: Option<String>,
) -> AppResult<ExamplePage> {
    let lang = page.lang;
    let mut conn = crate::db::acquire(&state.db).await?;
    let row = db_standards::get_admin(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let s = row.standard();
    let ex = s.examples.get(n).ok_or(AppError::NotFound)?;
    let evaluation = Proposal::from_json_under(&ex.proposal, s.periods())
        .ok()
        .map(|p| crate::standards::evaluate_with(&p, s, &ex.attachments()));
    let want_overall = typed
        .and_then(|t| t.get("expected_overall").cloned())
        .unwrap_or_else(|| ex.expected_overall.code().to_owned());
    let overall_options = Overall::ALL
        .iter()
        .map(|o| Choice {
            code: o.code(),
            label: o.label(lang).to_owned(),
            selected: o.code() == want_overall,
        })
        .collect();
    let rows = s
        .criteria
        .iter()
        .map(|c| {
            let want = match typed {
                Some(t) => t.get(&format!("expect.{}", c.id)).cloned().unwrap_or_default(),
                None => ex.expected.get(&c.id).map(|v| v.code().to_owned()).unwrap_or_default(),
            };
            let mut options = vec![Choice {
                code: "",
                label: page.t("standards.examples.unchecked"),
                selected: want.is_empty(),
            }];
            options.extend(Verdict::ALL.iter().map(|v| Choice {
                code: v.code(),
                label: v.label(lang).to_owned(),
                selected: v.code() == want,
            }));
            let actual = evaluation.as_ref().and_then(|e| e.verdict(&c.id));
            ExpectRow {
                id: c.id.clone(),
                label: s.criterion_label(&c.id, lang).to_owned(),
                options,
                actual: actual
                    .map(|v| v.label(lang).to_owned())
                    .unwrap_or_else(|| "—".to_owned()),
                actual_code: actual.map(|v| v.code()).unwrap_or(""),
                matches: want.is_empty() || actual.is_some_and(|v| v.code() == want),
            }
        })
        .collect();
    Ok(ExamplePage {
        id,
        n,
        code: row.code.clone(),
        version: row.version,
        editable: row.status == "draft" && !row.is_used(),
        name: typed
            .and_then(|t| t.get("name").cloned())
            .unwrap_or_else(|| ex.name.clone()),
        name_error,
        overall_options,
        actual_overall: evaluation
            .as_ref()
            .map(|e| e.overall.label(lang).to_owned())
            .unwrap_or_else(|| page.t("standards.examples.invalid")),
        actual_overall_code: evaluation.as_ref().map(|e| e.overall.code()).unwrap_or("fail"),
        invalid: evaluation.is_none(),
        rows,
        page,
    })
}

/// `GET /admin/standards/{id}/examples/{n}`.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Admin(_user): Admin,
    Path((id, n)): Path<(i64, usize)>,
) -> AppResult<ExamplePage> {
    example_page(&state, page, id, n, None, None).await
}

/// `POST /admin/standards/{id}/examples/{n}`: `name`, `expected_overall`,
/// and `expect.<criterion>` (empty: not checked) for each criterion.
pub async fn save(
    State(state): State<AppState>,
    page: Page,
    Admin(user): Admin,
    Path((id, n)): Path<(i64, usize)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let typed: BTreeMap<String, String> = pairs.into_iter().collect();
    let name = typed.get("name").map(|s| s.trim().to_owned()).unwrap_or_default();
    let overall = typed.get("expected_overall").and_then(|c| Overall::from_code(c));
    let mut expected = BTreeMap::new();
    let mut bad = false;
    for (key, value) in &typed {
        if let Some(criterion) = key.strip_prefix("expect.") {
            if value.is_empty() {
                continue;
            }
            match Verdict::from_code(value) {
                Some(v) => {
                    expected.insert(criterion.to_owned(), v);
                }
                None => bad = true,
            }
        }
    }
    let (Some(overall), false, false) = (overall, bad, name.is_empty() || name.chars().count() > 200) else {
        let error = Some(page.t("standards.form.error.example_name"));
        let body = example_page(&state, page, id, n, Some(&typed), error).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    };
    service::set_example_expectations(&state.db, &user, id, n, name, overall, expected)
        .await
        .map_err(|e| e.into_app(Some(id)))?;
    Ok(Redirect::to(&format!("/admin/standards/{id}/examples/{n}")).into_response())
}

/// `POST /admin/standards/{id}/examples/{n}/remove`.
pub async fn remove(
    State(state): State<AppState>,
    Admin(user): Admin,
    Path((id, n)): Path<(i64, usize)>,
) -> AppResult<Redirect> {
    service::remove_example(&state.db, &user, id, n)
        .await
        .map_err(|e| e.into_app(Some(id)))?;
    Ok(Redirect::to(&format!("/admin/standards/{id}")))
}

#[derive(Debug, Deserialize)]
pub struct AddForm {
    #[serde(default)]
    pub proposal_id: String,
    #[serde(default)]
    pub name: String,
}

/// `POST /admin/standards/{id}/examples` (`proposal_id`, optional `name`):
/// a case from a proposal, expecting what the draft gives it now.
pub async fn add(
    State(state): State<AppState>,
    page: Page,
    Admin(user): Admin,
    Path(id): Path<i64>,
    Form(form): Form<AddForm>,
) -> AppResult<Response> {
    let refused = match form.proposal_id.trim().parse::<i64>() {
        Ok(pid) => match service::add_example_from_proposal(&state.db, &user, id, pid, Some(form.name.clone())).await {
            Ok(n) => return Ok(Redirect::to(&format!("/admin/standards/{id}/examples/{n}")).into_response()),
            Err(StandardsError::NotEvaluable) => "standards.form.error.proposal",
            Err(e) => return Err(e.into_app(Some(id))),
        },
        Err(_) => "standards.form.error.proposal",
    };
    let errors = ShowErrors {
        add_example: Some(page.t(refused)),
        typed_proposal: form.proposal_id.clone(),
        ..ShowErrors::default()
    };
    let body = show_page(&state, page, id, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}
