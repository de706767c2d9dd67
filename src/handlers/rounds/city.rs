//! The city's pre-review (市级初审推荐): `/city` is the city user's home and
//! to-do list — its counties' proposals at the city stage of open rounds
//! first, then the others since submission; `/city/proposals/{id}` the
//! recommendation (opinion and rank) or the return to the county.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::CityUser;
use crate::db::proposals::{self, Scope};
use crate::db::rounds::{self as db, StageRow};
use crate::domain::Lang;
use crate::domain::round::Stage;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::{RoundPanel, format_time, overall_badge, round_panel, stage_label};
use crate::services::rounds::{self as service, Recommend, RoundError};
use crate::state::AppState;

/// At most this many lines on the home page.
const LIMIT: i64 = 500;

pub struct CityLine {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub round: String,
    pub deadline: String,
    pub stage_code: String,
    pub stage: String,
    pub status_code: String,
    pub status: &'static str,
    pub overall: Option<(&'static str, &'static str)>,
    pub submitted: String,
    pub rank: String,
    /// Waiting for the city's act.
    pub to_do: bool,
}

pub(super) fn stage_line(r: StageRow, lang: Lang) -> CityLine {
    let status = crate::domain::Status::from_code(&r.status).unwrap_or(crate::domain::Status::Submitted);
    CityLine {
        to_do: r.waits_for_city,
        stage: stage_label(r.stage.as_deref(), &r.status, lang),
        stage_code: r.stage.unwrap_or_default(),
        id: r.id,
        name: r.name,
        region: r.region_name,
        round: r.round_name.unwrap_or_else(|| "—".into()),
        deadline: r.deadline.map(format_time).unwrap_or_else(|| "—".into()),
        status_code: r.status,
        status: status.label(lang),
        overall: r.overall.as_deref().and_then(|o| overall_badge(o, lang)),
        submitted: r.submitted_at.map(format_time).unwrap_or_else(|| "—".into()),
        rank: r.rank.map(|n| n.to_string()).unwrap_or_default(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "rounds/city_home.html")]
pub struct CityHome {
    pub page: Page,
    pub to_do: Vec<CityLine>,
    pub others: Vec<CityLine>,
}

impl CityHome {
    /// (table id, title key, empty key, lines) of the page's two lists.
    pub fn groups(&self) -> [(&'static str, &'static str, &'static str, &Vec<CityLine>); 2] {
        [
            ("city-to-do", "city.to_do", "city.nothing", &self.to_do),
            ("city-others", "city.others", "city.none", &self.others),
        ]
    }
}

/// `GET /city`: the city's to-do list and its counties' proposals.
pub async fn home(State(state): State<AppState>, page: Page, city: CityUser) -> AppResult<CityHome> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let rows = db::of_city(&mut conn, city.city_id, LIMIT).await?;
    let lang = page.lang;
    let (to_do, others): (Vec<CityLine>, Vec<CityLine>) =
        rows.into_iter().map(|r| stage_line(r, lang)).partition(|l| l.to_do);
    Ok(CityHome { page, to_do, others })
}

/// What was typed in the two forms, kept on errors.
#[derive(Debug, Default, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub rank: String,
    #[serde(default)]
    pub opinion: String,
    #[serde(default)]
    pub comment: String,
}

impl ActForm {
    fn version(&self) -> i32 {
        self.version.trim().parse().unwrap_or(0)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "rounds/city_proposal.html")]
pub struct CityProposalPage {
    pub page: Page,
    pub id: i64,
    pub name: String,
    pub region: String,
    pub version: i32,
    pub overall: Option<(&'static str, &'static str)>,
    pub round: RoundPanel,
    /// At the city stage of an open round: the forms are offered.
    pub actionable: bool,
    pub form: ActForm,
    pub errors: Vec<(&'static str, String)>,
}

impl CityProposalPage {
    pub fn error_for(&self, field: &str) -> Option<String> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone())
    }
}

async fn proposal_page(
    state: &AppState,
    page: Page,
    city: &CityUser,
    id: i64,
    form: ActForm,
    errors: Vec<(&'static str, String)>,
) -> AppResult<CityProposalPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let row = proposals::get(&mut conn, id, Scope::City(city.city_id))
        .await?
        .ok_or(AppError::NotFound)?;
    let lang = page.lang;
    let round = round_panel(&mut conn, id, lang).await?;
    let overall = crate::db::evaluations::latest(&mut conn, id)
        .await?
        .and_then(|e| overall_badge(&e.overall, lang));
    Ok(CityProposalPage {
        actionable: round.stage_code == Stage::City.code() && !round.closed,
        id,
        name: row.name,
        region: row.region_name,
        version: row.version,
        overall,
        round,
        form,
        errors,
        page,
    })
}

/// `GET /city/proposals/{id}`: the pre-review of one proposal.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    city: CityUser,
    Path(id): Path<i64>,
) -> AppResult<CityProposalPage> {
    proposal_page(&state, page, &city, id, ActForm::default(), Vec::new()).await
}

async fn answer(
    state: &AppState,
    page: Page,
    city: &CityUser,
    id: i64,
    form: ActForm,
    result: Result<(), RoundError>,
) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to("/city").into_response()),
        Err(RoundError::Invalid(errors)) => {
            let errors = errors.into_iter().map(|(f, k)| (f, page.t(k))).collect();
            let body = proposal_page(state, page, city, id, form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e.into_app(format!("/city/proposals/{id}"))),
    }
}

/// `POST /city/proposals/{id}/recommend`: opinion and rank; the proposal
/// moves on to the next stage.
pub async fn recommend(
    State(state): State<AppState>,
    page: Page,
    city: CityUser,
    Path(id): Path<i64>,
    Form(form): Form<ActForm>,
) -> AppResult<Response> {
    let input = Recommend {
        version: form.version(),
        rank: &form.rank,
        opinion: &form.opinion,
    };
    let result = service::recommend(&state.db, &city.user, id, input).await.map(|_| ());
    answer(&state, page, &city, id, form, result).await
}

/// `POST /city/proposals/{id}/return`: back to the county with a comment.
pub async fn return_to_county(
    State(state): State<AppState>,
    page: Page,
    city: CityUser,
    Path(id): Path<i64>,
    Form(form): Form<ActForm>,
) -> AppResult<Response> {
    let result = service::city_return(&state.db, &city.user, id, form.version(), &form.comment).await;
    answer(&state, page, &city, id, form, result).await
}
