//! The creation system's pages (STANDARDS.md §5): officials' annual reports
//! ([`reports`]), reviewers' grades and acceptance ([`review`]), admins'
//! publication and per-county summary ([`admin`]). The public results are
//! public pages (`handlers::public::creation`).

pub mod admin;
mod assessment;
pub mod grading;
pub mod reports;
pub mod review;
mod sheet;

use crate::error::AppError;
use crate::services::ServiceError;

fn refused(err: ServiceError, link: String) -> AppError {
    match err {
        ServiceError::Stale => AppError::Conflict {
            key: "error.conflict.stale",
            link: Some(link),
        },
        ServiceError::WrongState => AppError::Conflict {
            key: "creation.conflict.state",
            link: Some(link),
        },
        ServiceError::Refused(key) => AppError::Conflict { key, link: Some(link) },
        other => other.into(),
    }
}
