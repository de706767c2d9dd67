//! `POST /api/v1/evaluate`: a proposal in, the findings out. The body is
//! read as bytes and parsed here, so that every status is ours: no body can
//! make this answer 500.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::input::standard_and_json;
use super::schema::{ErrorAnswer, ErrorItem, EvaluationAnswer, ProposalBody};
use super::{api_lang, json_answer};
use crate::domain::proposal::Proposal;
use crate::standards;
use crate::state::AppState;

/// Evaluates a proposal under a standard version, without storing anything.
#[utoipa::path(
    post,
    path = "/api/v1/evaluate",
    operation_id = "evaluate",
    tag = "evaluation",
    params(
        ("standard" = Option<String>, Query,
         description = "标准代码，缺省为当前启用的版本；给出代码时取该代码最新的已发布版本 / \
                        Standard code; absent: the active version; given: the newest published version of that code",
         example = "ZJ-2015"),
        ("version" = Option<i32>, Query,
         description = "与 standard 一起给出时取该代码的这一版本（须已发布）/ With `standard`: that version of the code \
                        (published or active)",
         minimum = 1, example = 2),
        ("Accept-Language" = Option<String>, Header,
         description = "Language of `actual`, `required`, `margin` and error messages: zh-CN (default) or en"),
    ),
    request_body(content = ProposalBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The findings under the standard", body = EvaluationAnswer),
        (status = 400, description = "The body is not valid JSON or could not be read; or `version` is not a positive \
                                      whole number, or is given without `standard`", body = ErrorAnswer),
        (status = 404, description = "No such standard or version (`field` names which)", body = ErrorAnswer),
        (status = 413, description = "The body is larger than 1 MiB", body = ErrorAnswer),
        (status = 415, description = "The Content-Type is not application/json", body = ErrorAnswer),
        (status = 422, description = "Wrong type, missing, unknown or invalid fields, each named", body = ErrorAnswer),
        (status = 503, description = "The database does not answer", body = ErrorAnswer),
    )
)]
pub async fn evaluate(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let lang = api_lang(&headers);
    let (row, mut value) = match standard_and_json(&state, query.as_deref(), &headers, body, lang).await {
        Ok(read) => read,
        Err(answer) => return *answer,
    };
    // The API is stateless: material criteria do not apply unless the body
    // lists the materials the proposal has.
    let boundary = value.as_object_mut().and_then(|o| o.remove("boundary"));
    let mut files = match take_materials(&mut value) {
        Ok(files) => files,
        Err(()) => {
            return crate::handlers::api::error_answer(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang,
                "materials",
                "api.error.materials",
                &[],
            );
        }
    };
    let proposal = match Proposal::from_json_under(&value, row.standard().periods()) {
        Ok(proposal) => proposal,
        Err(errors) => {
            let answer = ErrorAnswer {
                errors: errors.iter().map(|e| ErrorItem::from(e.to_api(lang))).collect(),
            };
            return json_answer(StatusCode::UNPROCESSABLE_ENTITY, &answer);
        }
    };

    // A boundary in the body is measured as a submission's would be: its
    // area, the submitted, approved and listed towns it overlaps, the
    // control lines in force.
    if let Some(geometry) = boundary {
        use crate::services::boundaries::{Refused, measure_unstored};
        match measure_unstored(&state.db, geometry.to_string().into_bytes()).await {
            Ok(facts) => files.boundary = standards::BoundaryState::Known(facts),
            Err(Refused::Service(e)) => {
                use axum::response::IntoResponse;
                return crate::error::AppError::from(e).into_response();
            }
            Err(refused) => {
                let message = refused.message(lang).map(|(_, m)| m).unwrap_or_default();
                let answer = ErrorAnswer {
                    errors: vec![ErrorItem {
                        field: "boundary".to_owned(),
                        message,
                    }],
                };
                return json_answer(StatusCode::UNPROCESSABLE_ENTITY, &answer);
            }
        }
    }
    let evaluation = standards::evaluate_with(&proposal, row.standard(), &files);
    json_answer(StatusCode::OK, &EvaluationAnswer::from(evaluation.to_api(lang)))
}

/// Takes `materials` (a list of material type codes) out of the body: the
/// proposal's own fields are the rest.
fn take_materials(value: &mut serde_json::Value) -> Result<standards::Attachments, ()> {
    let Some(list) = value.as_object_mut().and_then(|o| o.remove("materials")) else {
        return Ok(standards::Attachments::NONE);
    };
    let set = serde_json::from_value::<crate::domain::material::MaterialSet>(list).map_err(|_| ())?;
    Ok(standards::Attachments::with_materials(set))
}
