//! A reviewer's grade of a town's year (`POST /review/creation/{id}/grade`):
//! the suggestion confirmed, or changed with a reason. Under a version with
//! an annual-assessment table the form carries the sheet — points and a
//! comment per judged line, 是/否 per judged veto — and the table's grade is
//! the suggestion; `action=preview` (计算) only rescores the sheet as typed.
//! Refused input comes back as typed, with a message beside each field.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::WRONG_STATE;
use super::assessment::ReviewErrors;
use super::reports::value_of;
use super::review::render_review_town;
use crate::auth::Reviewer;
use crate::domain::Lang;
use crate::domain::creation::Grade;
use crate::domain::proposal::{ErrorCode, FieldError};
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::sheet::Posted;
use crate::services::ServiceError;
use crate::services::creation as service;
use crate::standards::scoring::judgements_from_form;
use crate::state::AppState;

pub async fn confirm_grade(
    State(state): State<AppState>,
    page: Page,
    reviewer: Reviewer,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let lang = page.lang;
    let value = |name: &str| value_of(&pairs, name).to_string();
    let year = value("year")
        .trim()
        .parse::<i32>()
        .map_err(|_| AppError::BadRequest("error.bad_request.invalid"))?;
    let preview = value("action") == "preview";
    let (judged, problems) = judgements_from_form(&pairs);
    let mut posted = Posted {
        year,
        judged,
        fields: problems.iter().map(|p| (p.field.clone(), p.message(lang))).collect(),
        final_grade: value("final_grade").trim().to_string(),
        reason: value("reason"),
        refused: !preview,
        pairs,
    };
    if preview || !posted.fields.is_empty() {
        let status = if preview && posted.fields.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let errors = ReviewErrors {
            posted: Some(posted),
            ..ReviewErrors::default()
        };
        let body = render_review_town(&state, page, id, errors).await?;
        return Ok((status, body).into_response());
    }
    let grade = Grade::from_code(&posted.final_grade);
    let confirmed = service::confirm_scored(
        &state.db,
        &reviewer.0,
        id,
        year,
        grade,
        &posted.reason,
        Some(&posted.judged),
    )
    .await;
    match confirmed {
        Ok(_) => Ok(Redirect::to(&format!("/review/creation/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            for e in errors.iter().filter(|e| e.code == ErrorCode::Required) {
                if let Some(key) = sheet_key(&e.field) {
                    posted.fields.insert(e.field.clone(), crate::i18n::t(lang, key));
                }
            }
            let errors = ReviewErrors {
                grade: grade_error(&errors, grade, lang),
                reason: reason_error(&errors, lang),
                accept: None,
                posted: Some(posted),
            };
            let body = render_review_town(&state, page, id, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e.into_app(WRONG_STATE, format!("/review/creation/{id}"))),
    }
}

/// The message of a judged line or veto left blank.
fn sheet_key(field: &str) -> Option<&'static str> {
    if field.starts_with("points.") {
        Some("annual_score.error.points")
    } else if field.starts_with("veto.") {
        Some("annual_score.error.veto")
    } else {
        None
    }
}

fn grade_error(errors: &[FieldError], grade: Option<Grade>, lang: Lang) -> Option<String> {
    errors.iter().find(|e| e.field == "final_grade").map(|_| {
        crate::i18n::t(
            lang,
            match grade {
                None => "creation.error.grade",
                // 淘汰 for a town that is not a cultivation town.
                Some(Grade::Removed) => "creation.error.removal_not_cultivation",
                // 警告 or 降格 for a cultivation town.
                Some(_) => "creation.error.cultivation_grade",
            },
        )
    })
}

fn reason_error(errors: &[FieldError], lang: Lang) -> Option<String> {
    errors.iter().find(|e| e.field == "reason").map(|e| match e.code {
        ErrorCode::Required => crate::i18n::t(lang, "creation.error.reason"),
        _ => crate::i18n::t(lang, "creation.error.too_long"),
    })
}
