//! Extractors that say who may call a handler, and the guard layers that
//! check the same again for each role's section of the route table.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{AuthSession, User};
use crate::domain::Role;
use crate::error::AppError;

/// Any signed-in user who has no pending forced password change.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

/// Signed in, even when a password change is still owed (for the password
/// page itself and logout).
#[derive(Debug, Clone)]
pub struct SignedIn(pub User);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let mut auth = AuthSession::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("the auth layer is missing")))?;
        let next = || parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/").to_owned();
        let Some(user) = auth.user.clone() else {
            return Err(AppError::LoginRequired { next: next() });
        };
        // However active, a session ends a fixed time after its login.
        let logged_in_at = auth
            .session
            .get::<i64>(super::LOGIN_AT)
            .await
            .ok()
            .flatten()
            .unwrap_or(0);
        if chrono::Utc::now().timestamp() - logged_in_at > super::ABSOLUTE_TIMEOUT_SECONDS {
            let _ = auth.logout().await;
            let _ = auth.session.flush().await;
            return Err(AppError::LoginRequired { next: next() });
        }
        Ok(SignedIn(user))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let SignedIn(user) = SignedIn::from_request_parts(parts, state).await?;
        if user.must_change_password {
            return Err(AppError::PasswordChangeRequired);
        }
        Ok(CurrentUser(user))
    }
}

/// An official, with the region they act for.
#[derive(Debug, Clone)]
pub struct Official {
    pub user: User,
    pub region_id: i64,
}

/// A city user, with the city they act for.
#[derive(Debug, Clone)]
pub struct CityUser {
    pub user: User,
    pub city_id: i64,
}

#[derive(Debug, Clone)]
pub struct Reviewer(pub User);

#[derive(Debug, Clone)]
pub struct Admin(pub User);

/// An expert of the pool: sees only the proposals assigned to them.
#[derive(Debug, Clone)]
pub struct Expert(pub User);

/// A reviewer or an admin: those who see every region.
#[derive(Debug, Clone)]
pub struct Staff(pub User);

async fn with_role<S: Send + Sync>(parts: &mut Parts, state: &S, allowed: &[Role]) -> Result<User, AppError> {
    let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
    if allowed.contains(&user.role) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Official {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let user = with_role(parts, state, &[Role::Official]).await?;
        let region_id = user.region_id.ok_or(AppError::Forbidden)?;
        Ok(Official { user, region_id })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CityUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let user = with_role(parts, state, &[Role::City]).await?;
        let city_id = user.region_id.ok_or(AppError::Forbidden)?;
        Ok(CityUser { user, city_id })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Reviewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        with_role(parts, state, &[Role::Reviewer]).await.map(Reviewer)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        with_role(parts, state, &[Role::Admin]).await.map(Admin)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Expert {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        with_role(parts, state, &[Role::Expert]).await.map(Expert)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Staff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        with_role(parts, state, &[Role::Reviewer, Role::Admin]).await.map(Staff)
    }
}

/// The second line of defence: a layer on each role's nested routes.
async fn guard(allowed: &[Role], request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    match with_role(&mut parts, &(), allowed).await {
        Ok(_) => next.run(Request::from_parts(parts, body)).await,
        Err(err) => err.into_response(),
    }
}

pub async fn officials_area(request: Request, next: Next) -> Response {
    guard(&[Role::Official, Role::Admin], request, next).await
}

pub async fn cities_area(request: Request, next: Next) -> Response {
    guard(&[Role::City], request, next).await
}

pub async fn reviewers_area(request: Request, next: Next) -> Response {
    guard(&[Role::Reviewer], request, next).await
}

pub async fn experts_area(request: Request, next: Next) -> Response {
    guard(&[Role::Expert], request, next).await
}

pub async fn staff_area(request: Request, next: Next) -> Response {
    guard(&[Role::Reviewer, Role::Admin], request, next).await
}

pub async fn admins_area(request: Request, next: Next) -> Response {
    guard(&[Role::Admin], request, next).await
}

pub async fn signed_in_area(request: Request, next: Next) -> Response {
    guard(&Role::ALL, request, next).await
}
