//! `/admin/rounds`: open, edit and close rounds.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::Admin;
use crate::db::rounds::{self as db, RoundRow};
use crate::db::standards as db_standards;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::format_time;
use crate::services::rounds::{self as service, RoundError, RoundForm};
use crate::state::AppState;

pub struct RoundLine {
    pub id: i64,
    pub name: String,
    pub deadline: String,
    pub standard: String,
    pub scoring_table: String,
    pub stages: String,
    pub quota: String,
    pub proposals: i64,
    pub open: bool,
    pub is_default: bool,
}

/// A version a round may name, with its tables: (id, label, table codes).
pub struct VersionChoice {
    pub id: i64,
    pub label: String,
    pub tables: Vec<(String, String)>,
}

fn stages_text(r: &RoundRow, page: &Page) -> String {
    let s = r.stages();
    let mut on = Vec::new();
    for (flag, key) in [
        (s.city, "rounds.stage.city"),
        (s.formal, "rounds.stage.formal"),
        (s.expert, "rounds.stage.expert"),
        (s.notice, "rounds.stage.notice"),
    ] {
        if flag {
            on.push(page.t(key));
        }
    }
    if on.is_empty() {
        page.t("rounds.stages.none")
    } else {
        on.join("、")
    }
}

fn line(counted: &db::CountedRound, page: &Page) -> RoundLine {
    let r = &counted.round;
    RoundLine {
        id: r.id,
        name: r.name.clone(),
        deadline: r.deadline.map(format_time).unwrap_or_else(|| "—".into()),
        standard: r
            .standard_label
            .clone()
            .unwrap_or_else(|| page.t("rounds.standard.active")),
        scoring_table: r.scoring_table.clone().unwrap_or_else(|| "—".into()),
        stages: stages_text(r, page),
        quota: r.city_quota.map(|q| q.to_string()).unwrap_or_else(|| "—".into()),
        proposals: counted.proposals,
        open: r.is_open(),
        is_default: r.is_default,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "rounds/admin_list.html")]
pub struct RoundsPage {
    pub page: Page,
    pub rounds: Vec<RoundLine>,
    pub versions: Vec<VersionChoice>,
    pub form: RoundForm,
    pub errors: Vec<(&'static str, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "rounds/admin_edit.html")]
pub struct RoundPage {
    pub page: Page,
    pub round: RoundLine,
    pub versions: Vec<VersionChoice>,
    pub form: RoundForm,
    pub errors: Vec<(&'static str, String)>,
}

/// What both forms need to show a field's error and a choice's state.
macro_rules! form_helpers {
    ($t:ty) => {
        impl $t {
            pub fn error_for(&self, field: &str) -> Option<String> {
                self.errors
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map(|(_, m)| m.clone())
            }

            pub fn standard_selected(&self, id: &i64) -> bool {
                self.form.standard.trim() == id.to_string()
            }

            pub fn table_selected(&self, code: &str) -> bool {
                self.form.scoring_table.trim() == code
            }
        }
    };
}
form_helpers!(RoundsPage);
form_helpers!(RoundPage);

async fn versions(state: &AppState, page: &Page) -> AppResult<Vec<VersionChoice>> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let rows = db_standards::list_published(&mut conn).await?;
    Ok(rows
        .into_iter()
        .map(|r| VersionChoice {
            id: r.id,
            label: format!("{} v{}", r.code, r.version),
            tables: r
                .standard()
                .tables
                .iter()
                .map(|t| {
                    let name = if page.is_en() { &t.name_en } else { &t.name_zh };
                    (t.code.clone(), name.clone())
                })
                .collect(),
        })
        .collect())
}

async fn list_page(
    state: &AppState,
    page: Page,
    form: RoundForm,
    errors: Vec<(&'static str, String)>,
) -> AppResult<RoundsPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let rounds = db::list_counted(&mut conn)
        .await?
        .iter()
        .map(|r| line(r, &page))
        .collect();
    drop(conn);
    Ok(RoundsPage {
        versions: versions(state, &page).await?,
        rounds,
        form,
        errors,
        page,
    })
}

fn messages(page: &Page, errors: Vec<(&'static str, &'static str)>) -> Vec<(&'static str, String)> {
    errors.into_iter().map(|(f, k)| (f, page.t(k))).collect()
}

/// `GET /admin/rounds`: every round, and the form to open one.
pub async fn list(State(state): State<AppState>, page: Page, Admin(_): Admin) -> AppResult<RoundsPage> {
    list_page(&state, page, RoundForm::default(), Vec::new()).await
}

/// `POST /admin/rounds`: opens a round.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Form(form): Form<RoundForm>,
) -> AppResult<Response> {
    match service::create(&state.db, &admin, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/admin/rounds/{id}")).into_response()),
        Err(RoundError::Invalid(errors)) => {
            let errors = messages(&page, errors);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                list_page(&state, page, form, errors).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into_app("/admin/rounds")),
    }
}

async fn edit_page(
    state: &AppState,
    page: Page,
    id: i64,
    form: Option<RoundForm>,
    errors: Vec<(&'static str, String)>,
) -> AppResult<RoundPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let counted = db::get_counted(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    Ok(RoundPage {
        round: line(&counted, &page),
        form: form.unwrap_or_else(|| RoundForm::of(&counted.round)),
        versions: versions(state, &page).await?,
        errors,
        page,
    })
}

/// `GET /admin/rounds/{id}`: the round and its form.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Admin(_): Admin,
    Path(id): Path<i64>,
) -> AppResult<RoundPage> {
    edit_page(&state, page, id, None, Vec::new()).await
}

/// `POST /admin/rounds/{id}`: changes an open round.
pub async fn update(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Form(form): Form<RoundForm>,
) -> AppResult<Response> {
    match service::update(&state.db, &admin, id, &form).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/rounds/{id}")).into_response()),
        Err(RoundError::Invalid(errors)) => {
            let errors = messages(&page, errors);
            let body = edit_page(&state, page, id, Some(form), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e.into_app(format!("/admin/rounds/{id}"))),
    }
}

/// `POST /admin/rounds/{id}/close`.
pub async fn close(State(state): State<AppState>, Admin(admin): Admin, Path(id): Path<i64>) -> AppResult<Redirect> {
    match service::close(&state.db, &admin, id).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/rounds/{id}"))),
        Err(e) => Err(e.into_app(format!("/admin/rounds/{id}"))),
    }
}
