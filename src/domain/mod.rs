//! The domain: proposals and their validation, roles, the workflow, batches.
//! Plain Rust: no axum, no sqlx, no I/O.

pub mod creation;
pub mod lang;
pub mod material;
pub mod notice;
pub mod panel;
pub mod password;
pub mod proposal;
pub mod publication;
pub mod role;
pub mod round;
pub mod spreadsheets;
pub mod throttle;
pub mod workflow;

pub use lang::Lang;
pub use role::Role;
pub use workflow::{Action, Status};

/// How many pages of `per_page` rows `total` rows fill: at least one, the
/// page that says there is nothing.
pub fn page_count(total: i64, per_page: i64) -> i64 {
    ((total + per_page - 1) / per_page).max(1)
}
