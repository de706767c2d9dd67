//! The web layer's one error type. Handlers return `AppResult<T>` and use
//! `?`; `IntoResponse` only records what went wrong, and the `render`
//! middleware turns it into a page (in the user's language, inside the
//! layout) or a JSON answer for `/api/` paths, in one place.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::services::ServiceError;
use crate::services::batches::BatchError;
use crate::services::notice::ObjectionRefused;
use crate::services::rounds::RoundError;
use crate::services::standards::StandardsError;
use crate::services::users::UserError;

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

/// A part of a page rendered on its own (kept for later requests).
impl From<askama::Error> for AppError {
    fn from(err: askama::Error) -> Self {
        AppError::Internal(anyhow::anyhow!("template: {err}"))
    }
}

// The services' errors as the web answers them: one conversion each, here.

impl From<ServiceError> for AppError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::NotFound => AppError::NotFound,
            ServiceError::Stale => AppError::conflict("error.conflict.stale"),
            ServiceError::WrongState => AppError::conflict("error.conflict.wrong_state"),
            ServiceError::Refused(key) => AppError::conflict(key),
            // Handlers that accept input render their form themselves; one
            // that reaches here had no form to show.
            ServiceError::Invalid(_) => AppError::BadRequest("error.bad_request.invalid"),
            ServiceError::NoActiveStandard => AppError::Internal(anyhow::anyhow!("no active standard")),
            ServiceError::Db(e) => e.into(),
        }
    }
}

impl ServiceError {
    /// A refused action as its page answers it: a record not in a state
    /// that allows the action says `wrong_state` (the page's own words), and
    /// every conflict links to `link`, where the current data can be seen.
    pub fn into_app(self, wrong_state: &'static str, link: impl Into<String>) -> AppError {
        match self {
            ServiceError::WrongState => AppError::conflict(wrong_state),
            other => AppError::from(other),
        }
        .linked(link)
    }
}

impl From<BatchError> for AppError {
    fn from(err: BatchError) -> Self {
        let key = match err {
            BatchError::NotFound => return AppError::NotFound,
            BatchError::Published => "admin.batches.error.published",
            BatchError::NotApproved => "admin.batches.error.not_approved",
            BatchError::AlreadyListed => "admin.batches.error.already_listed",
            BatchError::NotListed => "admin.batches.error.not_listed",
            BatchError::Empty => "admin.batches.error.empty",
            BatchError::MissingReason => "admin.batches.error.reason_required",
            BatchError::OnNotice => "notice.error.on_notice",
            BatchError::OnNoticeElsewhere => "notice.error.on_notice_elsewhere",
            BatchError::NoticeRequired => "notice.error.notice_required",
            BatchError::NoticeNotEnded => "notice.error.not_ended",
            BatchError::OpenObjections => "notice.error.open_objections",
            BatchError::AlreadyResolved => "notice.error.resolved",
            BatchError::Invalid(_, key) => return AppError::BadRequest(key),
            BatchError::Db(e) => return e.into(),
        };
        AppError::Conflict { key, link: None }
    }
}

impl From<ObjectionRefused> for AppError {
    fn from(err: ObjectionRefused) -> Self {
        match err {
            ObjectionRefused::NotFound => AppError::NotFound,
            ObjectionRefused::Closed => AppError::conflict("notice.error.closed"),
            ObjectionRefused::Limited => AppError::TooManyRequests,
            // The objection form answers these itself, beside its fields;
            // one that reaches here had no form to show.
            ObjectionRefused::Token(_) | ObjectionRefused::Honeypot | ObjectionRefused::Invalid(_) => {
                AppError::BadRequest("error.bad_request.invalid")
            }
            ObjectionRefused::Db(e) => e.into(),
        }
    }
}

impl From<RoundError> for AppError {
    fn from(err: RoundError) -> Self {
        match err {
            // Forms answer these beside their fields; one that reaches here
            // had no form to show.
            RoundError::Invalid(_) => AppError::BadRequest("error.bad_request.invalid"),
            RoundError::Refused(e) => e.into(),
        }
    }
}

impl RoundError {
    /// A refused act as its page answers it, linking back to `link`.
    pub fn into_app(self, link: impl Into<String>) -> AppError {
        match self {
            RoundError::Refused(e) => e.into_app("error.conflict.wrong_state", link),
            other => AppError::from(other).linked(link),
        }
    }
}

impl From<UserError> for AppError {
    fn from(err: UserError) -> Self {
        match err {
            UserError::NotFound => AppError::NotFound,
            UserError::LastAdmin => AppError::conflict("admin.users.error.last_admin"),
            UserError::Invalid(_, key) => AppError::BadRequest(key),
            UserError::Db(e) => e.into(),
            UserError::Hash => AppError::Internal(anyhow::anyhow!("password hashing failed")),
        }
    }
}

impl StandardsError {
    /// The error as a page, with a link back to the version when known.
    pub fn into_app(self, id: Option<i64>) -> AppError {
        let link = id.map(|id| format!("/admin/standards/{id}"));
        let conflict = |key| AppError::Conflict {
            key,
            link: link.clone(),
        };
        match self {
            StandardsError::NotFound => AppError::NotFound,
            StandardsError::NotDraft => conflict("standards.error.not_draft"),
            StandardsError::Used => conflict("standards.error.used"),
            StandardsError::Stale => conflict("error.conflict.stale"),
            StandardsError::ExamplesFail => conflict("standards.error.examples_fail"),
            StandardsError::AlreadyActive => conflict("standards.error.already_active"),
            StandardsError::NotEvaluable => conflict("standards.error.not_evaluable"),
            StandardsError::OnNotice => conflict("notice.error.reevaluate_on_notice"),
            StandardsError::Invalid(_) | StandardsError::BadCode => AppError::BadRequest("error.bad_request.invalid"),
            StandardsError::NoActiveStandard => AppError::Internal(anyhow::anyhow!("no active standard")),
            StandardsError::Db(e) => e.into(),
        }
    }
}

impl From<StandardsError> for AppError {
    fn from(err: StandardsError) -> Self {
        err.into_app(None)
    }
}

impl AppError {
    pub fn conflict(key: &'static str) -> Self {
        AppError::Conflict { key, link: None }
    }

    /// The same error; a conflict now links to `link`, where the current
    /// data can be seen.
    pub fn linked(self, link: impl Into<String>) -> Self {
        match self {
            AppError::Conflict { key, .. } => AppError::Conflict {
                key,
                link: Some(link.into()),
            },
            other => other,
        }
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
