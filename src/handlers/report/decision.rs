//! `POST /proposals/{id}/overrides` and `POST /proposals/{id}/decision`:
//! thin handlers over `services::reviews`; a refused form comes back as the
//! report page (422) with the typed text and the messages beside the fields.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::panel::ReviewForm;
use super::report_page;
use crate::auth::{Reviewer, User};
use crate::error::AppResult;
use crate::handlers::Page;
use crate::i18n;
use crate::services::reviews::{self as service, Decision, DecisionInput, InputError, OverrideInput, ReviewError};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct OverrideForm {
    #[serde(default)]
    pub evaluation: String,
    #[serde(default)]
    pub criterion: String,
    #[serde(default)]
    pub final_verdict: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub evaluation: String,
    #[serde(default)]
    pub confirm_fail: String,
    #[serde(default)]
    pub confirm_reason: String,
    #[serde(default)]
    pub order_reason: String,
}

/// What the report says of a proposal no longer awaiting a decision.
const NOT_AWAITING: &str = "review.conflict.not_awaiting";

async fn rerender(
    state: &AppState,
    page: Page,
    user: &User,
    id: i64,
    mut form: ReviewForm,
    errors: Vec<InputError>,
) -> AppResult<Response> {
    let lang = page.lang;
    form.errors = errors
        .into_iter()
        .map(|(field, key)| (field, i18n::t(lang, key)))
        .collect();
    let report = report_page(state, page, user, id, None, form).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, report).into_response())
}

/// `POST /proposals/{id}/overrides`: a final verdict for one finding, with a reason.
pub async fn override_finding(
    State(state): State<AppState>,
    page: Page,
    Reviewer(user): Reviewer,
    Path(id): Path<i64>,
    Form(form): Form<OverrideForm>,
) -> AppResult<Response> {
    let input = OverrideInput {
        evaluation_id: form.evaluation.trim().parse().unwrap_or(0),
        criterion: form.criterion.trim(),
        final_verdict: form.final_verdict.trim(),
        reason: &form.reason,
    };
    match service::override_finding(&state.db, &user, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/proposals/{id}/report#findings")).into_response()),
        Err(ReviewError::Invalid(errors)) => {
            let typed = ReviewForm {
                criterion: form.criterion,
                final_verdict: form.final_verdict,
                reason: form.reason,
                ..ReviewForm::default()
            };
            rerender(&state, page, &user, id, typed, errors).await
        }
        Err(ReviewError::Refused(e)) => Err(e.into_app(NOT_AWAITING, format!("/proposals/{id}/report"))),
    }
}

/// `POST /proposals/{id}/decision`: approve, reject or return.
pub async fn decide(
    State(state): State<AppState>,
    page: Page,
    Reviewer(user): Reviewer,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let typed = ReviewForm {
        decision: form.decision.clone(),
        comment: form.comment.clone(),
        confirm_fail: form.confirm_fail == "true",
        confirm_reason: form.confirm_reason.clone(),
        order_reason: form.order_reason.clone(),
        ..ReviewForm::default()
    };
    let Some(decision) = Decision::from_code(form.decision.trim()) else {
        return rerender(
            &state,
            page,
            &user,
            id,
            typed,
            vec![("decision", "review.error.decision")],
        )
        .await;
    };
    let input = DecisionInput {
        decision,
        comment: form.comment,
        version: form.version.trim().parse().unwrap_or(0),
        // A value that is not an id cannot be the latest evaluation: the
        // service then refuses the decision as stale.
        evaluation_id: match form.evaluation.trim() {
            "" => None,
            text => Some(text.parse().unwrap_or(-1)),
        },
        confirm_fail: typed.confirm_fail,
        confirm_reason: form.confirm_reason,
        order_reason: form.order_reason,
    };
    match service::decide(&state.db, &user, id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/proposals/{id}")).into_response()),
        Err(ReviewError::Invalid(errors)) => rerender(&state, page, &user, id, typed, errors).await,
        Err(ReviewError::Refused(e)) => Err(e.into_app(NOT_AWAITING, format!("/proposals/{id}/report"))),
    }
}
