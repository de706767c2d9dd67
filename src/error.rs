//! The web layer's one error type. Handlers return `AppResult<T>` and use
//! `?`; `IntoResponse` only records what went wrong, and the `render`
//! middleware turns it into a page (in the user's language, inside the
//! layout) or a JSON answer for `/api/` paths, in one place.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Also used for records the user may not see: existence is not revealed.
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("missing or wrong CSRF token")]
    Csrf,
    /// Anonymous on a private page: back to this path after login.
    #[error("login required")]
    LoginRequired { next: String },
    /// The user must set a new password before anything else.
    #[error("password change required")]
    PasswordChangeRequired,
    /// A stale version or a record not in the right state. The key names a
    /// catalogue message; `link` where the current data can be seen.
    #[error("conflict: {key}")]
    Conflict { key: &'static str, link: Option<String> },
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// A body larger, or with more fields, than any form of the application.
    #[error("too large: {0}")]
    TooLarge(&'static str),
    #[error("too many requests")]
    TooManyRequests,
    /// The database does not answer.
    #[error("service unavailable")]
    Unavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<rust_xlsxwriter::XlsxError> for AppError {
    fn from(err: rust_xlsxwriter::XlsxError) -> Self {
        AppError::Internal(anyhow::anyhow!("xlsx: {err}"))
    }
}

impl AppError {
    pub fn conflict(key: &'static str) -> Self {
        AppError::Conflict { key, link: None }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::LoginRequired { .. } | AppError::PasswordChangeRequired => StatusCode::SEE_OTHER,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Catalogue keys of the page title and explanation.
    pub fn message_keys(&self) -> (&'static str, &'static str) {
        match self {
            AppError::NotFound => ("error.not_found.title", "error.not_found.body"),
            AppError::Forbidden => ("error.forbidden.title", "error.forbidden.body"),
            AppError::Csrf => ("error.csrf.title", "error.csrf.body"),
            AppError::Conflict { key, .. } => ("error.conflict.title", key),
            AppError::BadRequest(key) => ("error.bad_request.title", key),
            AppError::TooLarge(key) => ("error.too_large.title", key),
            AppError::TooManyRequests => ("error.too_many.title", "error.too_many.body"),
            AppError::Unavailable => ("error.unavailable.title", "error.unavailable.body"),
            AppError::LoginRequired { .. } | AppError::PasswordChangeRequired | AppError::Internal(_) => {
                ("error.internal.title", "error.internal.body")
            }
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::warn!(error = %err, "database unavailable");
                AppError::Unavailable
            }
            other => AppError::Internal(other.into()),
        }
    }
}

/// Carried from `IntoResponse` to the rendering middleware.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub title_key: &'static str,
    pub body_key: &'static str,
    pub link: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            AppError::LoginRequired { next } => {
                let target = format!(
                    "/login?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                return Redirect::to(&target).into_response();
            }
            AppError::PasswordChangeRequired => return Redirect::to("/account/password").into_response(),
            AppError::Internal(err) => tracing::error!(error = ?err, "internal error"),
            _ => {}
        }
        let (title_key, body_key) = self.message_keys();
        let link = match &self {
            AppError::Conflict { link, .. } => link.clone(),
            _ => None,
        };
        let mut response = self.status().into_response();
        response.extensions_mut().insert(ErrorInfo {
            title_key,
            body_key,
            link,
        });
        response
    }
}
