//! The creation system's pages (STANDARDS.md §5): officials' annual reports
//! ([`reports`]), reviewers' grades and acceptance ([`review`]), admins'
//! publication and per-county summary ([`admin`]). The public results are
//! public pages (`handlers::public::creation`).

pub mod admin;
mod assessment;
pub mod grading;
pub mod reports;
pub mod review;

/// What these pages say of a record not in a state that allows an action
/// (`ServiceError::into_app`).
const WRONG_STATE: &str = "creation.conflict.state";
