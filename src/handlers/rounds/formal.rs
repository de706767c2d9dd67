//! The provincial formal review (形式审查): `/review/formal` lists the
//! proposals at the formal stage; `/review/formal/{id}` shows what the
//! latest evaluation found missing (materials, boundary) beside the
//! submitted materials, and marks the proposal complete (it moves on) or
//! returns it with the missing items listed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::Reviewer;
use crate::db::proposals::{self, Scope};
use crate::db::rounds::{self as db, MissingItem};
use crate::domain::Lang;
use crate::domain::round::Stage;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::{RoundPanel, format_time, overall_badge, round_panel};
use crate::services::rounds::{self as service, RoundError};
use crate::state::AppState;

pub struct FormalLine {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub round: String,
    pub submitted: String,
    pub overall: Option<(&'static str, &'static str)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "rounds/formal_list.html")]
pub struct FormalList {
    pub page: Page,
    pub rows: Vec<FormalLine>,
}

/// `GET /review/formal`: the proposals waiting for the formal review.
pub async fn list(State(state): State<AppState>, page: Page, Reviewer(_): Reviewer) -> AppResult<FormalList> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let lang = page.lang;
    let rows = db::at_stage(&mut conn, Stage::Formal, 500)
        .await?
        .into_iter()
        .map(|r| FormalLine {
            id: r.id,
            name: r.name,
            region: r.region_name,
            round: r.round_name.unwrap_or_default(),
            submitted: r.submitted_at.map(format_time).unwrap_or_default(),
            overall: r.overall.as_deref().and_then(|o| overall_badge(o, lang)),
        })
        .collect();
    Ok(FormalList { page, rows })
}

/// What was typed, kept on errors.
#[derive(Debug, Default)]
pub struct CheckForm {
    pub version: String,
    pub comment: String,
    pub missing: Vec<String>,
}

impl CheckForm {
    /// Read from the raw body: `missing` may come several times.
    fn read(body: &[u8]) -> CheckForm {
        let mut form = CheckForm::default();
        for (k, v) in url::form_urlencoded::parse(body) {
            match k.as_ref() {
                "version" => form.version = v.into_owned(),
                "comment" => form.comment = v.into_owned(),
                "missing" if form.missing.len() < 100 => form.missing.push(v.into_owned()),
                _ => {}
            }
        }
        form
    }

    fn version(&self) -> i32 {
        self.version.trim().parse().unwrap_or(0)
    }
}

pub struct MissingView {
    pub criterion: String,
    pub label: String,
    pub ticked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "rounds/formal_check.html")]
pub struct CheckPage {
    pub page: Page,
    pub id: i64,
    pub name: String,
    pub region: String,
    pub version: i32,
    pub round: RoundPanel,
    pub missing: Vec<MissingView>,
    pub actionable: bool,
    pub comment: String,
    pub errors: Vec<(&'static str, String)>,
}

impl CheckPage {
    pub fn error_for(&self, field: &str) -> Option<String> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone())
    }
}

fn label(m: &MissingItem, lang: Lang) -> String {
    if lang == Lang::Zh {
        m.label_zh.clone()
    } else {
        m.label_en.clone()
    }
}

async fn check_page(
    state: &AppState,
    page: Page,
    id: i64,
    form: Option<CheckForm>,
    errors: Vec<(&'static str, String)>,
) -> AppResult<CheckPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let row = proposals::get(&mut conn, id, Scope::Reviewable)
        .await?
        .ok_or(AppError::NotFound)?;
    let lang = page.lang;
    let round = round_panel(&mut conn, id, lang).await?;
    let found = service::missing_items(&mut conn, id).await?;
    // Nothing typed yet: every missing item is ticked.
    let missing = found
        .iter()
        .map(|m| MissingView {
            ticked: form.as_ref().is_none_or(|f| f.missing.contains(&m.criterion)),
            criterion: m.criterion.clone(),
            label: label(m, lang),
        })
        .collect();
    Ok(CheckPage {
        actionable: round.stage_code == Stage::Formal.code(),
        id,
        name: row.name,
        region: row.region_name,
        version: row.version,
        round,
        missing,
        comment: form.map(|f| f.comment).unwrap_or_default(),
        errors,
        page,
    })
}

/// `GET /review/formal/{id}`: the completeness check of one proposal.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Reviewer(_): Reviewer,
    Path(id): Path<i64>,
) -> AppResult<CheckPage> {
    check_page(&state, page, id, None, Vec::new()).await
}

async fn answer(
    state: &AppState,
    page: Page,
    id: i64,
    form: CheckForm,
    result: Result<(), RoundError>,
) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to("/review/formal").into_response()),
        Err(RoundError::Invalid(errors)) => {
            let errors = errors.into_iter().map(|(f, k)| (f, page.t(k))).collect();
            let body = check_page(state, page, id, Some(form), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e.into_app(format!("/review/formal/{id}"))),
    }
}

/// `POST /review/formal/{id}/complete`: complete; it moves on.
pub async fn complete(
    State(state): State<AppState>,
    page: Page,
    Reviewer(user): Reviewer,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let form = CheckForm::read(&body);
    let result = service::formal_complete(&state.db, &user, id, form.version(), &form.comment)
        .await
        .map(|_| ());
    answer(&state, page, id, form, result).await
}

/// `POST /review/formal/{id}/return`: back to the county with the missing
/// items ticked and a comment.
pub async fn return_to_county(
    State(state): State<AppState>,
    page: Page,
    Reviewer(user): Reviewer,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let form = CheckForm::read(&body);
    let result = service::formal_return(&state.db, &user, id, form.version(), &form.comment, &form.missing).await;
    answer(&state, page, id, form, result).await
}
