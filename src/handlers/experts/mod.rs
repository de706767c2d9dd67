//! `/admin/experts`: the expert pool (DESIGN "Experts"). Admins list the
//! experts, create one (an account of role `expert` whose first password
//! is shown once), edit the field, employer and home region, and take an
//! expert out of the draws or back. Refused forms come back with the typed
//! values and a message beside each field.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::auth::Admin;
use crate::db::{experts as db, regions};
use crate::domain::panel::Field;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::handlers::display::format_time;
use crate::services::experts::{self as service, ExpertError, ExpertInput};
use crate::state::AppState;

/// Session key of a new expert's first password, shown once.
const SHOWN_ONCE: &str = "experts.password_once";

pub struct ExpertLine {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub field: &'static str,
    pub employer: String,
    pub home_region: String,
    pub active: bool,
}

fn line(x: db::ExpertRow, page: &Page) -> ExpertLine {
    ExpertLine {
        id: x.id,
        username: x.username,
        display_name: x.display_name,
        field: Field::from_code(&x.field).map_or("", |f| f.label(page.lang)),
        employer: x.employer,
        home_region: x.home_region_name.unwrap_or_default(),
        active: x.active,
    }
}

/// What the create and edit forms send, kept as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ExpertForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub employer: String,
    #[serde(default)]
    pub home_region: String,
}

impl ExpertForm {
    fn input(&self) -> ExpertInput {
        ExpertInput {
            field: self.field.clone(),
            employer: self.employer.clone(),
            home_region: self.home_region.clone(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "experts/list.html")]
pub struct ListPage {
    pub page: Page,
    pub experts: Vec<ExpertLine>,
    pub fields: Vec<(&'static str, &'static str)>,
    pub regions: Vec<regions::Region>,
    pub form: ExpertForm,
    pub errors: Vec<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "experts/show.html")]
pub struct ShowPage {
    pub page: Page,
    pub expert: ExpertLine,
    pub created: String,
    pub fields: Vec<(&'static str, &'static str)>,
    pub regions: Vec<regions::Region>,
    pub form: ExpertForm,
    pub errors: Vec<(String, String)>,
    pub password: Option<String>,
}

fn error_for(errors: &[(String, String)], field: &str) -> Option<String> {
    errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone())
}

impl ListPage {
    pub fn error_for(&self, field: &str) -> Option<String> {
        error_for(&self.errors, field)
    }
    pub fn region_selected(&self, id: &i64) -> bool {
        self.form.home_region.trim() == id.to_string()
    }
}

impl ShowPage {
    pub fn error_for(&self, field: &str) -> Option<String> {
        error_for(&self.errors, field)
    }
    pub fn region_selected(&self, id: &i64) -> bool {
        self.form.home_region.trim() == id.to_string()
    }
}

fn fields(page: &Page) -> Vec<(&'static str, &'static str)> {
    Field::ALL.iter().map(|f| (f.code(), f.label(page.lang))).collect()
}

fn messages(page: &Page, errors: Vec<(String, &'static str)>) -> Vec<(String, String)> {
    errors.into_iter().map(|(f, k)| (f, page.t(k))).collect()
}

async fn list_page(
    state: &AppState,
    page: Page,
    form: ExpertForm,
    errors: Vec<(String, String)>,
) -> AppResult<ListPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let experts = db::list(&mut conn).await?.into_iter().map(|x| line(x, &page)).collect();
    let regions = regions::list(&mut conn).await?;
    Ok(ListPage {
        fields: fields(&page),
        page,
        experts,
        regions,
        form,
        errors,
    })
}

/// `GET /admin/experts`.
pub async fn list(State(state): State<AppState>, page: Page, Admin(_): Admin) -> AppResult<ListPage> {
    list_page(&state, page, ExpertForm::default(), Vec::new()).await
}

/// `POST /admin/experts`: a new expert and account.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    session: Session,
    Admin(admin): Admin,
    Form(form): Form<ExpertForm>,
) -> AppResult<Response> {
    match service::create(&state.db, admin.id, &form.username, &form.display_name, &form.input()).await {
        Ok((id, _, password)) => {
            session
                .insert(SHOWN_ONCE, (id, password))
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
            Ok(Redirect::to(&format!("/admin/experts/{id}")).into_response())
        }
        Err(ExpertError::Invalid(errors)) => {
            let errors = messages(&page, errors);
            let body = list_page(&state, page, form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn show_page(
    state: &AppState,
    page: Page,
    id: i64,
    form: Option<ExpertForm>,
    errors: Vec<(String, String)>,
    password: Option<String>,
) -> AppResult<ShowPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let x = db::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let regions = regions::list(&mut conn).await?;
    let form = form.unwrap_or_else(|| ExpertForm {
        username: x.username.clone(),
        display_name: x.display_name.clone(),
        field: x.field.clone(),
        employer: x.employer.clone(),
        home_region: x.home_region_id.map(|r| r.to_string()).unwrap_or_default(),
    });
    let created = format_time(x.created_at);
    Ok(ShowPage {
        fields: fields(&page),
        expert: line(x, &page),
        created,
        page,
        regions,
        form,
        errors,
        password,
    })
}

/// `GET /admin/experts/{id}`: one expert; a first password just made is shown once.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    session: Session,
    Admin(_): Admin,
    Path(id): Path<i64>,
) -> AppResult<ShowPage> {
    let once: Option<(i64, String)> = session
        .remove(SHOWN_ONCE)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
    let password = once.filter(|(x, _)| *x == id).map(|(_, p)| p);
    show_page(&state, page, id, None, Vec::new(), password).await
}

/// `POST /admin/experts/{id}`: name, field, employer, home region.
pub async fn update(
    State(state): State<AppState>,
    page: Page,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Form(form): Form<ExpertForm>,
) -> AppResult<Response> {
    match service::update(&state.db, admin.id, id, &form.display_name, &form.input()).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/experts/{id}")).into_response()),
        Err(ExpertError::Invalid(errors)) => {
            let errors = messages(&page, errors);
            let body = show_page(&state, page, id, Some(form), errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    pub active: String,
}

/// `POST /admin/experts/{id}/active` (`active` = true | false).
pub async fn set_active(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> AppResult<Redirect> {
    service::set_active(&state.db, admin.id, id, form.active.trim() == "true").await?;
    Ok(Redirect::to(&format!("/admin/experts/{id}")))
}
