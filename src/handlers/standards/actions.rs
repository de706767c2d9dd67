//! Copy, publish, activate; and a reviewer's re-evaluation of a proposal.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::view::{ShowErrors, show_page, today};
use crate::auth::{Admin, Staff};
use crate::error::AppResult;
use crate::handlers::Page;
use crate::services::standards::{self as service, StandardsError};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct CopyForm {
    #[serde(default)]
    pub code: String,
}

/// `POST /admin/standards/{id}/copy`: a new draft (same code, next
/// version; or the code typed) → its edit form.
pub async fn copy(
    State(state): State<AppState>,
    page: Page,
    Admin(user): Admin,
    Path(id): Path<i64>,
    Form(form): Form<CopyForm>,
) -> AppResult<Response> {
    let code = form.code.trim();
    match service::copy(&state.db, &user, id, Some(code)).await {
        Ok(new_id) => Ok(Redirect::to(&format!("/admin/standards/{new_id}/edit")).into_response()),
        Err(StandardsError::BadCode) => {
            let errors = ShowErrors {
                copy_code: Some(page.t("standards.form.error.code")),
                typed_code: form.code.clone(),
                ..ShowErrors::default()
            };
            let body = show_page(&state, page, id, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e.into_app(Some(id))),
    }
}

/// `POST /admin/standards/{id}/publish`: only when every example case passes.
pub async fn publish(State(state): State<AppState>, Admin(user): Admin, Path(id): Path<i64>) -> AppResult<Redirect> {
    service::publish(&state.db, &user, id)
        .await
        .map_err(|e| e.into_app(Some(id)))?;
    Ok(Redirect::to(&format!("/admin/standards/{id}")))
}

#[derive(Debug, Deserialize)]
pub struct ActivateForm {
    #[serde(default)]
    pub effective_from: String,
}

/// `POST /admin/standards/{id}/activate` (`effective_from`, a date no later
/// than today): from now on new submissions are evaluated under it.
pub async fn activate(
    State(state): State<AppState>,
    page: Page,
    Admin(user): Admin,
    Path(id): Path<i64>,
    Form(form): Form<ActivateForm>,
) -> AppResult<Response> {
    let typed = form.effective_from.trim();
    let error = match chrono::NaiveDate::parse_from_str(typed, "%Y-%m-%d") {
        Err(_) => Some("standards.form.error.date"),
        Ok(d) if d > today() => Some("standards.form.error.future_date"),
        Ok(d) => {
            service::activate(&state.db, &user, id, d)
                .await
                .map_err(|e| e.into_app(Some(id)))?;
            None
        }
    };
    match error {
        None => Ok(Redirect::to(&format!("/admin/standards/{id}")).into_response()),
        Some(key) => {
            let errors = ShowErrors {
                activate_date: Some(page.t(key)),
                typed_date: form.effective_from.clone(),
                ..ShowErrors::default()
            };
            let body = show_page(&state, page, id, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
    }
}

/// `POST /proposals/{id}/reevaluate` (reviewers, admins): a new evaluation
/// under the active version, of the same revision; the old one stays.
pub async fn reevaluate(State(state): State<AppState>, Staff(user): Staff, Path(id): Path<i64>) -> AppResult<Redirect> {
    service::reevaluate(&state.db, &user, id).await?;
    Ok(Redirect::to(&format!("/proposals/{id}")))
}
