//! Submitting and withdrawing.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::handlers::Page;
use crate::services::ServiceError;
use crate::services::proposals as service;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    pub version: String,
    /// The round chosen at submission (when several are open).
    #[serde(default)]
    pub round: String,
}

fn version(form: &VersionForm) -> i32 {
    form.version.trim().parse().unwrap_or(0)
}

/// `POST /proposals/{id}/submit`: complete validation, evaluation under the
/// round's standard version, status submitted — one transaction.
pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<VersionForm>,
) -> AppResult<Response> {
    let round = match form.round.trim() {
        "" => None,
        text => Some(text.parse::<i64>().unwrap_or(-1)),
    };
    match service::submit_into(&state.db, &user, id, version(&form), round).await {
        Ok(_) => Ok(Redirect::to(&format!("/proposals/{id}")).into_response()),
        // Incomplete: the form comes back saying exactly what to fill in.
        Err(ServiceError::Invalid(errors)) => super::form::incomplete(&state, page, &user, id, &errors).await,
        Err(e) => Err(e.into_app("proposals.not_submittable", format!("/proposals/{id}"))),
    }
}

/// `POST /proposals/{id}/withdraw`.
pub async fn withdraw(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<VersionForm>,
) -> AppResult<Redirect> {
    match service::withdraw(&state.db, &user, id, version(&form)).await {
        Ok(_) => Ok(Redirect::to(&format!("/proposals/{id}"))),
        Err(e) => Err(e.into_app("proposals.not_withdrawable", format!("/proposals/{id}"))),
    }
}
