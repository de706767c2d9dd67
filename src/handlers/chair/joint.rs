//! A round's joint decision (联审, `/review/joint/{id}`): its proposals
//! ranked by the panel's total, each with the findings' verdict, the
//! vetoes, the city's rank and opinion, and the county's self-assessment
//! beside the panel's figure line by line; decisions (approve, reject,
//! return) through the review service, which asks for a written reason
//! when a decision goes against the score order or the verdict.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;

use crate::auth::Reviewer;
use crate::db::{evaluations, panels, score_sheets, self_assessments};
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::form_value as value;
use crate::handlers::display::overall_badge;
use crate::services::expert_review;
use crate::services::reviews::{self, Decision, DecisionInput, ReviewError};
use crate::standards::number;
use crate::state::AppState;

pub struct LineCompare {
    pub name: String,
    pub max: String,
    pub own: String,
    pub panel: String,
}

pub struct JointLine {
    pub rank: usize,
    pub id: i64,
    pub name: String,
    pub region: String,
    pub status: String,
    pub status_label: &'static str,
    pub verdict: &'static str,
    pub verdict_label: &'static str,
    pub total: String,
    pub maximum: String,
    pub vetoes: Vec<String>,
    pub city: String,
    pub city_rank: String,
    pub city_opinion: String,
    pub version: i32,
    pub awaiting: bool,
    pub lines: Vec<LineCompare>,
    /// The form typed for this proposal and its messages, after a refusal.
    pub typed: Option<Typed>,
}

#[derive(Debug, Clone, Default)]
pub struct Typed {
    pub decision: String,
    pub comment: String,
    pub order_reason: String,
    pub confirm_reason: String,
    pub errors: Vec<(&'static str, String)>,
}

impl JointLine {
    pub fn error(&self, field: &str) -> Option<String> {
        self.typed
            .as_ref()
            .and_then(|t| t.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone()))
    }

    pub fn typed_value(&self, field: &str) -> String {
        self.typed
            .as_ref()
            .map(|t| match field {
                "comment" => t.comment.clone(),
                "order_reason" => t.order_reason.clone(),
                "confirm_reason" => t.confirm_reason.clone(),
                _ => t.decision.clone(),
            })
            .unwrap_or_default()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "chair/joint.html")]
pub struct JointPage {
    pub page: Page,
    pub id: i64,
    pub name: String,
    pub lines: Vec<JointLine>,
}

async fn joint_page(state: &AppState, page: Page, round_id: i64, typed: Option<(i64, Typed)>) -> AppResult<JointPage> {
    let lang = page.lang;
    let mut conn = crate::db::acquire(&state.db).await?;
    let round = panels::round(&mut conn, round_id).await?.ok_or(AppError::NotFound)?;
    let rows = score_sheets::joint(&mut conn, round_id).await?;
    let mut lines = Vec::new();
    for (i, r) in rows.into_iter().enumerate() {
        let scoring = expert_review::scoring_of(&mut conn, r.proposal_id, Some(&round)).await?;
        let own = match evaluations::latest(&mut conn, r.proposal_id).await? {
            Some(e) => self_assessments::submitted(&mut conn, e.id).await?,
            None => Default::default(),
        };
        let panel_judged = r.panel_judged.as_ref().map(|j| j.0.clone()).unwrap_or_default();
        let show = |j: Option<&crate::standards::scoring::Judgement>| match j {
            Some(j) => j
                .points
                .map(number)
                .or(j.veto.map(|v| page.t(if v { "chair.yes" } else { "chair.no" })))
                .unwrap_or_default(),
            None => String::new(),
        };
        let mut compare = Vec::new();
        let mut veto_names = Vec::new();
        if let Some(sc) = &scoring {
            for l in sc.tables().iter().flat_map(|t| t.lines()).filter(|l| l.is_judged()) {
                compare.push(LineCompare {
                    name: l.name(lang).to_string(),
                    max: number(l.max),
                    own: show(own.get(&l.code)),
                    panel: show(panel_judged.get(&l.code)),
                });
            }
            for v in r.vetoes.iter().flatten() {
                veto_names.push(
                    sc.standard
                        .tables
                        .iter()
                        .find_map(|t| t.line(v))
                        .map_or_else(|| v.clone(), |l| l.name(lang).to_string()),
                );
            }
        }
        let (verdict, verdict_label) = r
            .overall
            .as_deref()
            .and_then(|o| overall_badge(o, lang))
            .unwrap_or(("", ""));
        let status = crate::domain::Status::from_code(&r.status);
        lines.push(JointLine {
            rank: i + 1,
            id: r.proposal_id,
            name: r.name,
            region: r.region_name,
            status_label: status.map_or("", |s| s.label(lang)),
            status: r.status.clone(),
            verdict,
            verdict_label,
            total: r.total.map(number).unwrap_or_default(),
            maximum: r.maximum.map(number).unwrap_or_default(),
            vetoes: veto_names,
            city: r.city_name.unwrap_or_default(),
            city_rank: r.city_rank.map(|n| n.to_string()).unwrap_or_default(),
            city_opinion: r.city_opinion.unwrap_or_default(),
            version: r.version,
            awaiting: r.status == "submitted" && r.stage.as_deref() == Some("joint"),
            lines: compare,
            typed: typed
                .as_ref()
                .filter(|(p, _)| *p == r.proposal_id)
                .map(|(_, t)| t.clone()),
        });
    }
    Ok(JointPage {
        page,
        id: round_id,
        name: round.name,
        lines,
    })
}

/// `GET /review/joint/{id}`: the round's joint decision table.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Reviewer(_): Reviewer,
    Path(id): Path<i64>,
) -> AppResult<JointPage> {
    joint_page(&state, page, id, None).await
}

/// `POST /review/joint/{id}/decision`: a decision on one of the round's
/// proposals (`proposal`, `version`, `decision`, `comment`, `order_reason`,
/// `confirm_fail`, `confirm_reason`).
pub async fn decide(
    State(state): State<AppState>,
    page: Page,
    Reviewer(user): Reviewer,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let link = format!("/review/joint/{id}");
    let proposal: i64 = value(&pairs, "proposal")
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let mut conn = crate::db::acquire(&state.db).await?;
    let in_round = panels::placement(&mut conn, proposal)
        .await?
        .is_some_and(|p| p.round_id == Some(id));
    drop(conn);
    if !in_round {
        return Err(AppError::NotFound);
    }
    let mut typed = Typed {
        decision: value(&pairs, "decision").trim().to_string(),
        comment: value(&pairs, "comment").to_string(),
        order_reason: value(&pairs, "order_reason").to_string(),
        confirm_reason: value(&pairs, "confirm_reason").to_string(),
        errors: Vec::new(),
    };
    let Some(decision) = Decision::from_code(&typed.decision) else {
        typed.errors.push(("decision", page.t("review.error.decision")));
        let body = joint_page(&state, page, id, Some((proposal, typed))).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    };
    let input = DecisionInput {
        confirm_fail: value(&pairs, "confirm_fail") == "true",
        confirm_reason: typed.confirm_reason.clone(),
        order_reason: typed.order_reason.clone(),
        ..DecisionInput::new(
            decision,
            &typed.comment,
            value(&pairs, "version").trim().parse().unwrap_or(0),
        )
    };
    match reviews::decide(&state.db, &user, proposal, &input).await {
        Ok(_) => Ok(Redirect::to(&link).into_response()),
        Err(ReviewError::Invalid(errors)) => {
            typed.errors = errors.into_iter().map(|(f, k)| (f, page.t(k))).collect();
            let body = joint_page(&state, page, id, Some((proposal, typed))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(ReviewError::Refused(e)) => Err(e.into_app("review.conflict.not_awaiting", link)),
    }
}
