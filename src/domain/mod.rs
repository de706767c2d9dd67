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
