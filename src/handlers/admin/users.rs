//! `/admin/users`: accounts (create, change role and region, deactivate,
//! reset a password), with the regions listed (their forms: `regions`). A
//! new or reset password is
//! shown once, on the page the POST redirects to, and must be changed at the
//! next login.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::auth::Admin;
use crate::db::{regions, users};
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::handlers::Page;
use crate::services::users::{self as service, NewAccount, UserError};
use crate::state::AppState;

/// Session key of the password to show once.
const SHOWN_ONCE: &str = "admin.password_once";

pub struct UserLine {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub region: String,
    pub active: bool,
    pub must_change: bool,
}

pub struct RegionLine {
    pub id: i64,
    pub name: String,
    pub is_city: bool,
    pub parent_id: Option<i64>,
    pub officials: i64,
    pub proposals: i64,
}

impl RegionLine {
    pub fn in_city(&self, city: &i64) -> bool {
        self.parent_id == Some(*city)
    }
}

/// The values typed in the new-account form, kept on errors.
#[derive(Debug, Default, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub region: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub page: Page,
    pub users: Vec<UserLine>,
    pub regions: Vec<RegionLine>,
    pub roles: Vec<(&'static str, &'static str)>,
    pub form: CreateForm,
    /// (field, message) of the form that failed.
    pub error: Option<(&'static str, String)>,
    pub region_name: String,
}

impl UsersPage {
    pub fn error_for(&self, field: &str) -> Option<String> {
        self.error.as_ref().filter(|(f, _)| *f == field).map(|(_, m)| m.clone())
    }

    pub fn region_selected(&self, id: &i64) -> bool {
        self.form.region == id.to_string()
    }

    /// The cities, for the new region's and each county's city select.
    pub fn cities(&self) -> Vec<&RegionLine> {
        self.regions.iter().filter(|r| r.is_city).collect()
    }
}

fn roles(page: &Page) -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.as_str(), r.label(page.lang))).collect()
}

pub(super) async fn users_page(
    state: &AppState,
    page: Page,
    form: CreateForm,
    error: Option<(&'static str, String)>,
    region_name: String,
) -> AppResult<UsersPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let lang = page.lang;
    let users = users::list_all(&mut conn)
        .await?
        .into_iter()
        .map(|u| UserLine {
            role: Role::parse(&u.role).map(|r| r.label(lang)).unwrap_or(""),
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            region: u.region_name.unwrap_or_default(),
            active: u.active,
            must_change: u.must_change_password,
        })
        .collect();
    let regions = users::regions_in_use(&mut conn)
        .await?
        .into_iter()
        .map(|r| RegionLine {
            id: r.id,
            name: r.name,
            is_city: r.kind == "city",
            parent_id: r.parent_id,
            officials: r.officials,
            proposals: r.proposals,
        })
        .collect();
    Ok(UsersPage {
        roles: roles(&page),
        page,
        users,
        regions,
        form,
        error,
        region_name,
    })
}

/// `GET /admin/users`.
pub async fn list(State(state): State<AppState>, page: Page, Admin(_): Admin) -> AppResult<UsersPage> {
    users_page(&state, page, CreateForm::default(), None, String::new()).await
}

pub(super) fn region_id(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

/// `POST /admin/users`: creates an account with a random first password.
pub async fn create(
    State(state): State<AppState>,
    page: Page,
    session: Session,
    Admin(admin): Admin,
    Form(form): Form<CreateForm>,
) -> AppResult<Response> {
    let Some(role) = Role::parse(form.role.trim()) else {
        let message = page.t("admin.users.error.role");
        return unprocessable(users_page(&state, page, form, Some(("role", message)), String::new()).await?);
    };
    let new = NewAccount {
        username: &form.username,
        display_name: &form.display_name,
        role,
        region_id: region_id(&form.region),
    };
    match service::create_user(&state.db, admin.id, new).await {
        Ok((id, password)) => {
            show_once(&session, id, &password).await?;
            Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
        }
        Err(UserError::Invalid(field, key)) => {
            let message = page.t(key);
            unprocessable(users_page(&state, page, form, Some((field, message)), String::new()).await?)
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) fn unprocessable(body: impl IntoResponse) -> AppResult<Response> {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
}

async fn show_once(session: &Session, id: i64, password: &str) -> AppResult<()> {
    session
        .insert(SHOWN_ONCE, (id, password.to_owned()))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user.html")]
pub struct UserPage {
    pub page: Page,
    pub user: UserLine,
    pub role_code: String,
    pub region_id: Option<i64>,
    pub roles: Vec<(&'static str, &'static str)>,
    pub regions: Vec<crate::db::regions::Region>,
    /// The new password, shown this once.
    pub password: Option<String>,
    pub error: Option<String>,
}

impl UserPage {
    pub fn is_region(&self, id: &i64) -> bool {
        self.region_id == Some(*id)
    }
}

async fn user_page(
    state: &AppState,
    page: Page,
    id: i64,
    password: Option<String>,
    error: Option<String>,
) -> AppResult<UserPage> {
    let mut conn = crate::db::acquire(&state.db).await?;
    let u = users::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let regions = regions::list(&mut conn).await?;
    let lang = page.lang;
    Ok(UserPage {
        roles: roles(&page),
        role_code: u.role.clone(),
        region_id: u.region_id,
        user: UserLine {
            role: Role::parse(&u.role).map(|r| r.label(lang)).unwrap_or(""),
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            region: u.region_name.unwrap_or_default(),
            active: u.active,
            must_change: u.must_change_password,
        },
        regions,
        password,
        error,
        page,
    })
}

/// `GET /admin/users/{id}`: one account; a password just set is shown once.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    session: Session,
    Admin(_): Admin,
    Path(id): Path<i64>,
) -> AppResult<UserPage> {
    let once: Option<(i64, String)> = session
        .remove(SHOWN_ONCE)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
    let password = once.filter(|(uid, _)| *uid == id).map(|(_, p)| p);
    user_page(&state, page, id, password, None).await
}

#[derive(Debug, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub region: String,
}

/// `POST /admin/users/{id}/role`: role and region.
pub async fn change_role(
    State(state): State<AppState>,
    page: Page,
    session: Session,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> AppResult<Response> {
    let Some(role) = Role::parse(form.role.trim()) else {
        let message = page.t("admin.users.error.role");
        return unprocessable(user_page(&state, page, id, None, Some(message)).await?);
    };
    match service::change_role(&state.db, admin.id, id, role, region_id(&form.region)).await {
        Ok(()) => {
            // One's own powers changed: the session gets a new id, as at a
            // login, so an id known before means nothing after.
            if id == admin.id {
                session
                    .cycle_id()
                    .await
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
            }
            Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
        }
        Err(UserError::Invalid(_, key)) => {
            let message = page.t(key);
            unprocessable(user_page(&state, page, id, None, Some(message)).await?)
        }
        Err(e) => Err(AppError::from(e).linked(format!("/admin/users/{id}"))),
    }
}

#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    pub active: String,
}

/// `POST /admin/users/{id}/active` (`active` = true | false).
pub async fn set_active(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> AppResult<Redirect> {
    let active = form.active.trim() == "true";
    match service::set_active(&state.db, admin.id, id, active).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}"))),
        Err(e) => Err(AppError::from(e).linked(format!("/admin/users/{id}"))),
    }
}

/// `POST /admin/users/{id}/password`: a new random password, shown once.
pub async fn reset_password(
    State(state): State<AppState>,
    session: Session,
    Admin(admin): Admin,
    Path(id): Path<i64>,
) -> AppResult<Redirect> {
    let password = service::reset_password(&state.db, admin.id, id).await?;
    show_once(&session, id, &password).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")))
}
