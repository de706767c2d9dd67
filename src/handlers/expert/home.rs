//! `/expert`: the expert's to-do list — assigned proposals not yet scored
//! with the panel's due date — and the panels the expert sits on, each
//! with the form to decline it.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;

use super::{refused, value};
use crate::auth::Expert;
use crate::db::{experts, panels};
use crate::domain::panel::Field;
use crate::error::AppResult;
use crate::handlers::Page;
use crate::handlers::display::{format_date, format_time};
use crate::services::experts::ExpertError;
use crate::services::panels as panel_service;
use crate::state::AppState;

pub struct TodoLine {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub round: String,
    pub panel: String,
    pub due: String,
    /// Due within 3 days (or past).
    pub soon: bool,
    pub state: String,
    pub done: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "expert/home.html")]
pub struct HomePage {
    pub page: Page,
    pub field: String,
    pub todo: Vec<TodoLine>,
    pub open: usize,
    pub seats: Vec<(i64, String)>,
    pub decline_error: Option<String>,
}

async fn home_page(
    state: &AppState,
    page: Page,
    user: &crate::auth::User,
    decline_error: Option<String>,
) -> AppResult<HomePage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    // An expert account the pool does not hold yet has nothing to do.
    let Some(expert) = experts::of_user(&mut conn, user.id).await? else {
        return Ok(HomePage {
            field: String::new(),
            todo: Vec::new(),
            open: 0,
            seats: Vec::new(),
            decline_error,
            page,
        });
    };
    let now = chrono::Utc::now();
    let todo: Vec<TodoLine> = panels::todo(&mut conn, expert.id)
        .await?
        .into_iter()
        .map(|t| {
            let done = t.submitted_at.is_some() || t.stage.as_deref() != Some("expert");
            let state = match (t.sheet_version, t.submitted_at) {
                (_, Some(at)) => format!("{} {}", page.t("expert.submitted"), format_time(at)),
                (Some(v), None) if v > 1 => page.t("expert.correcting"),
                (Some(_), None) => page.t("expert.draft"),
                (None, None) => page.t("expert.not_started"),
            };
            TodoLine {
                id: t.proposal_id,
                name: t.name,
                region: t.region_name,
                round: t.round_name,
                panel: t.panel_name,
                due: t.due_at.map(format_date).unwrap_or_default(),
                soon: !done && t.due_at.is_some_and(|d| d - now < chrono::Duration::days(3)),
                state,
                done,
            }
        })
        .collect();
    let seats = panels::seats_of_expert(&mut conn, expert.id)
        .await?
        .into_iter()
        .map(|(id, name, _)| (id, name))
        .collect();
    Ok(HomePage {
        field: Field::from_code(&expert.field)
            .map_or("", |f| f.label(page.lang))
            .to_string(),
        open: todo.iter().filter(|t| !t.done).count(),
        todo,
        seats,
        decline_error,
        page,
    })
}

/// `GET /expert`: the expert's to-do list.
pub async fn home(State(state): State<AppState>, page: Page, Expert(user): Expert) -> AppResult<HomePage> {
    home_page(&state, page, &user, None).await
}

/// `POST /expert/panels/{id}/decline`: declines a seat, with a reason.
pub async fn decline(
    State(state): State<AppState>,
    page: Page,
    Expert(user): Expert,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    match panel_service::decline(&state.db, &user, id, value(&pairs, "reason")).await {
        Ok(()) => Ok(Redirect::to("/expert").into_response()),
        Err(ExpertError::Invalid(errors)) => {
            let message = errors.first().map(|(_, k)| page.t(k));
            refused(home_page(&state, page, &user, message).await?)
        }
        Err(e) => Err(e.into_app("/expert")),
    }
}
