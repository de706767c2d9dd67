//! The expert's pages (DESIGN "Experts"): `/expert`, the to-do list of
//! assigned proposals not yet scored with their due dates and the panels
//! the expert sits on (to decline); `/expert/proposals/{id}`, an assigned
//! proposal — its data, findings, computed lines and materials as
//! submitted — with the expert's own score sheet (blind: no other
//! expert's scores), its versions and signatures, a correction with a
//! reason, and the declaration of a conflict. Anything not assigned is 404.

pub mod home;
pub mod signed;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;

use crate::auth::Expert;
use crate::db::evaluations;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::form_value as value;
use crate::handlers::display::sheet::{self, Posted, SheetView};
use crate::handlers::display::{DataSection, MaterialView, ReportView, data_sections, format_time, report_view};
use crate::services::expert_review::{self as service, SheetError, SheetInput};
use crate::services::experts::ExpertError;
use crate::services::panels as panel_service;
use crate::standards::number;
use crate::standards::scoring::{Judgements, judgements_from_form};
use crate::state::AppState;

pub struct VersionLine {
    pub id: i64,
    pub version: i32,
    pub reason: String,
    pub total: String,
    pub signed: String,
    pub sha256: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "expert/proposal.html")]
pub struct ProposalPage {
    pub page: Page,
    pub id: i64,
    pub name: String,
    pub round: String,
    pub open: bool,
    pub editable: bool,
    /// The version being written (or the last submitted one).
    pub version: i32,
    pub version_reason: String,
    pub report: Option<ReportView>,
    pub sections: Vec<DataSection>,
    pub materials: Vec<MaterialView>,
    pub sheet: Option<SheetView>,
    pub missing: usize,
    pub versions: Vec<VersionLine>,
    pub can_correct: bool,
    pub errors: Vec<(String, String)>,
    pub reason: String,
    pub note: String,
}

impl ProposalPage {
    pub fn error_for(&self, field: &str) -> Option<String> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone())
    }
}

/// What a refused POST brings back to the page.
#[derive(Default)]
struct Returned {
    posted: Option<Posted>,
    problems: Vec<crate::standards::scoring::ScoreError>,
    errors: Vec<(String, String)>,
    reason: String,
    note: String,
}

async fn proposal_page(
    state: &AppState,
    page: Page,
    user: &crate::auth::User,
    id: i64,
    back: Returned,
) -> AppResult<ProposalPage> {
    let lang = page.lang;
    let case = service::case(&state.db, user, id).await.map_err(AppError::from)?;
    let mut conn = crate::db::acquire(&state.db).await?;
    let evaluation = evaluations::latest(&mut conn, id).await?;
    let report = match &evaluation {
        Some(e) => Some(report_view(&mut conn, e, lang).await?),
        None => None,
    };
    drop(conn);
    let materials = evaluation
        .as_ref()
        .map(|e| e.materials.0.iter().map(|m| MaterialView::of(m, lang)).collect())
        .unwrap_or_default();
    let latest = case.latest();
    let stored: Judgements = latest.map(|s| s.judged.0.clone()).unwrap_or_default();
    let (sheet, missing) = match &case.scoring {
        Some(sc) if case.editable() => {
            let judged = back.posted.as_ref().map_or(&stored, |p| &p.judged);
            let result = sc.score(judged, false).or_else(|_| sc.score(&stored, false)).ok();
            let missing = sc.missing(judged).len();
            (
                result.map(|r| {
                    sheet::editable_sheet(&sc.standard, judged, &r, back.posted.as_ref(), &back.problems, lang)
                }),
                missing,
            )
        }
        Some(sc) => {
            let view = latest
                .and_then(|s| sc.score(&s.judged.0, false).ok())
                .map(|r| sheet::scored(&sc.standard, &r, lang));
            (view, 0)
        }
        None => (None, 0),
    };
    let versions = case
        .sheets
        .iter()
        .map(|s| VersionLine {
            id: s.id,
            version: s.version,
            reason: s.reason.clone(),
            total: s.total.map(number).unwrap_or_default(),
            signed: match (&s.signed_by_name, s.submitted_at) {
                (Some(who), Some(at)) => format!("{who} · {}", format_time(at)),
                _ => page.t("expert.draft"),
            },
            sha256: s.sha256.clone().unwrap_or_default(),
        })
        .collect();
    Ok(ProposalPage {
        id,
        name: case.placement.name.clone(),
        round: case.round.as_ref().map(|r| r.name.clone()).unwrap_or_default(),
        open: case.open(),
        editable: case.editable(),
        version: latest.map_or(1, |s| s.version),
        version_reason: latest.map(|s| s.reason.clone()).unwrap_or_default(),
        sections: data_sections(
            case.scoring
                .as_ref()
                .map(|s| &s.input)
                .unwrap_or(&crate::domain::proposal::ProposalInput::default()),
            lang,
        ),
        report,
        materials,
        sheet,
        missing,
        versions,
        can_correct: case.open() && latest.is_some_and(|s| s.submitted()),
        errors: back.errors,
        reason: back.reason,
        note: back.note,
        page,
    })
}

/// `GET /expert/proposals/{id}`: an assigned proposal and the expert's sheet.
pub async fn proposal(
    State(state): State<AppState>,
    page: Page,
    Expert(user): Expert,
    Path(id): Path<i64>,
) -> AppResult<ProposalPage> {
    proposal_page(&state, page, &user, id, Returned::default()).await
}

fn refused(body: impl IntoResponse) -> AppResult<Response> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

/// `POST /expert/proposals/{id}/sheet`: saves the draft (`action=save`) or
/// submits and signs it (`action=submit`); `version` names the version
/// being written.
pub async fn save_sheet(
    State(state): State<AppState>,
    page: Page,
    Expert(user): Expert,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let lang = page.lang;
    let (judged, problems) = judgements_from_form(&pairs);
    let link = format!("/expert/proposals/{id}");
    let mut posted = Posted {
        judged,
        fields: problems.iter().map(|p| (p.field.clone(), p.message(lang))).collect(),
        refused: true,
        pairs: pairs.clone(),
        ..Posted::default()
    };
    if !posted.fields.is_empty() {
        let back = Returned {
            posted: Some(posted),
            ..Returned::default()
        };
        return refused(proposal_page(&state, page, &user, id, back).await?);
    }
    let input = SheetInput {
        version: value(&pairs, "version").trim().parse().unwrap_or(0),
        judged: posted.judged.clone(),
        submit: value(&pairs, "action") == "submit",
    };
    match service::save_sheet(&state.db, &user, id, &input).await {
        Ok(_) => Ok(Redirect::to(&link).into_response()),
        Err(SheetError::Problems(p)) => {
            for (line, veto) in &p.missing {
                let (field, key) = if *veto {
                    (format!("veto.{line}"), "annual_score.error.veto")
                } else {
                    (format!("points.{line}"), "annual_score.error.points")
                };
                posted.fields.insert(field, page.t(key));
            }
            let back = Returned {
                posted: Some(posted),
                problems: p.table,
                errors: vec![("sheet".into(), page.t("expert.error.sheet"))],
                ..Returned::default()
            };
            refused(proposal_page(&state, page, &user, id, back).await?)
        }
        Err(SheetError::Refused(e)) => Err(e.into_app(link)),
    }
}

/// The answer to a one-field form of the proposal's page (a correction's
/// reason, a conflict's note): on to `done`, or the page again with the
/// typed text and the messages beside the field.
async fn one_field_answer(
    state: &AppState,
    page: Page,
    user: &crate::auth::User,
    id: i64,
    outcome: Result<(), ExpertError>,
    done: String,
    back: Returned,
) -> AppResult<Response> {
    match outcome {
        Ok(()) => Ok(Redirect::to(&done).into_response()),
        Err(ExpertError::Invalid(errors)) => {
            let back = Returned {
                errors: errors.into_iter().map(|(f, k)| (f, page.t(k))).collect(),
                ..back
            };
            refused(proposal_page(state, page, user, id, back).await?)
        }
        Err(e) => Err(e.into_app(format!("/expert/proposals/{id}"))),
    }
}

/// `POST /expert/proposals/{id}/correction`: a new version with a reason.
pub async fn correct(
    State(state): State<AppState>,
    page: Page,
    Expert(user): Expert,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let reason = value(&pairs, "reason").to_string();
    let outcome = service::correct(&state.db, &user, id, &reason).await.map(|_| ());
    let back = Returned {
        reason,
        ..Returned::default()
    };
    one_field_answer(
        &state,
        page,
        &user,
        id,
        outcome,
        format!("/expert/proposals/{id}"),
        back,
    )
    .await
}

/// `POST /expert/proposals/{id}/conflict`: declares a conflict (with what it
/// is); the expert is recused from this proposal.
pub async fn declare_conflict(
    State(state): State<AppState>,
    page: Page,
    Expert(user): Expert,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let note = value(&pairs, "note").to_string();
    let outcome = panel_service::declare_conflict(&state.db, &user, id, &note).await;
    let back = Returned {
        note,
        ..Returned::default()
    };
    one_field_answer(&state, page, &user, id, outcome, "/expert".to_string(), back).await
}
