//! Login, logout and one's own password.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{NextQuery, Page, safe_next};
use crate::auth::client::ClientAddr;
use crate::auth::extract::SignedIn;
use crate::auth::{AuthSession, Credentials, password};
use crate::db::login_attempts::{self, Reservation};
use crate::db::{audit, users};
use crate::domain::password as policy;
use crate::domain::throttle;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub page: Page,
    pub username: String,
    pub next: String,
    pub error: Option<String>,
}

pub async fn login_form(page: Page, auth: AuthSession, Query(q): Query<NextQuery>) -> AppResult<Response> {
    if let Some(user) = &auth.user {
        return Ok(Redirect::to(user.role.home()).into_response());
    }
    let page = page.with_csrf(&auth).await?;
    let next = safe_next(q.next.as_deref()).unwrap_or_default();
    Ok(LoginPage {
        page,
        username: String::new(),
        next,
        error: None,
    }
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub next: String,
}

pub async fn login(
    State(state): State<AppState>,
    page: Page,
    mut auth: AuthSession,
    ClientAddr(address): ClientAddr,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    // No account name is longer; a longer one is simply a failed login
    // (and must not bloat the attempts table).
    let username: String = form.username.trim().chars().take(100).collect();
    let page = page.with_csrf(&auth).await?;
    let next = safe_next(Some(&form.next)).unwrap_or_default();
    let (attempt_id, account_failures) = match login_attempts::reserve(&state.db, &username, &address).await? {
        Reservation::Granted {
            attempt_id,
            account_failures,
        } => (attempt_id, account_failures),
        Reservation::Refused {
            limit,
            retry_after_seconds,
        } => {
            let minutes = throttle::minutes(retry_after_seconds).to_string();
            let error = Some(page.t(limit.message_key()).replace("%{minutes}", &minutes));
            let body = LoginPage {
                page,
                username,
                next,
                error,
            };
            let retry_after = [("retry-after", retry_after_seconds.to_string())];
            return Ok((StatusCode::TOO_MANY_REQUESTS, retry_after, body).into_response());
        }
    };
    // An account under attack from many addresses: every attempt on it
    // waits a little, its owner's too, but none is refused.
    tokio::time::sleep(throttle::delay(account_failures)).await;
    let creds = Credentials {
        username: username.clone(),
        password: form.password,
    };
    let user = auth
        .authenticate(creds)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    login_attempts::resolve(&state.db, attempt_id, user.is_some()).await?;
    let Some(user) = user else {
        let error = Some(page.t("login.failed"));
        return Ok((
            StatusCode::UNAUTHORIZED,
            LoginPage {
                page,
                username,
                next,
                error,
            },
        )
            .into_response());
    };
    // login() gives the session a new id, so a planted cookie is useless —
    // but only to a session not signed in yet: one signed in as someone
    // else gets its new id here.
    if auth.user.is_some() {
        auth.session
            .cycle_id()
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    }
    auth.login(&user)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    auth.session
        .insert(crate::auth::LOGIN_AT, chrono::Utc::now().timestamp())
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let target = if user.must_change_password {
        "/account/password".to_owned()
    } else if next.is_empty() {
        user.role.home().to_owned()
    } else {
        next
    };
    Ok(Redirect::to(&target).into_response())
}

pub async fn logout(mut auth: AuthSession) -> AppResult<Response> {
    auth.logout()
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    // Remove the session on the server too: the old cookie is worth nothing.
    auth.session
        .flush()
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(Redirect::to("/").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "password.html")]
pub struct PasswordPage {
    pub page: Page,
    pub forced: bool,
    pub errors: Vec<(String, String)>,
}

impl PasswordPage {
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

pub async fn password_form(page: Page, SignedIn(user): SignedIn) -> PasswordPage {
    PasswordPage {
        page,
        forced: user.must_change_password,
        errors: Vec::new(),
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub confirm_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    page: Page,
    SignedIn(user): SignedIn,
    mut auth: AuthSession,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let mut conn = crate::db::acquire(&state.db).await?;
    let row = users::find_active(&mut conn, user.id)
        .await?
        .ok_or(AppError::Forbidden)?;
    drop(conn);
    if !password::verify(form.current_password, row.password_hash)
        .await
        .map_err(anyhow::Error::from)?
    {
        errors.push(("current_password".to_owned(), page.t("password.wrong_current")));
    }
    if let Err(problem) = policy::check(&user.username, &form.new_password) {
        errors.push(("new_password".to_owned(), page.t(problem.key())));
    } else if form.new_password != form.confirm_password {
        errors.push(("confirm_password".to_owned(), page.t("password.mismatch")));
    }
    if !errors.is_empty() {
        let body = PasswordPage {
            page,
            forced: user.must_change_password,
            errors,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    }
    let hash = password::hash(form.new_password).await.map_err(anyhow::Error::from)?;
    let mut tx = crate::db::begin(&state.db).await?;
    users::set_password(&mut tx, user.id, &hash, false).await?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: Some(user.id),
            action: "user.password_changed",
            entity: "user",
            entity_id: Some(user.id),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    // The hash changed, so every session of the user is now invalid; log
    // this one in again with the new hash.
    let mut conn = crate::db::acquire(&state.db).await?;
    let fresh = users::find_active(&mut conn, user.id)
        .await?
        .ok_or(AppError::Forbidden)?;
    drop(conn);
    let mut refreshed = user.clone();
    refreshed.must_change_password = fresh.must_change_password;
    refreshed.set_password_hash(fresh.password_hash);
    auth.login(&refreshed)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    // A new id too: whoever learnt the old one (it was valid for the old
    // password) holds nothing now.
    auth.session
        .cycle_id()
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(Redirect::to(user.role.home()).into_response())
}
