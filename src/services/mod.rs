//! Use cases: each public function is one thing a user does, run as one
//! transaction over the store, the engine and the domain rules. Handlers,
//! the command line and tests call these; none of them holds SQL.

pub mod batches;
pub mod boundaries;
pub mod creation;
pub mod expert_review;
pub mod experts;
pub mod materials;
pub mod notice;
pub mod panels;
pub mod proposals;
pub mod reviews;
pub mod rounds;
pub mod self_assessment;
pub mod spreadsheets;
pub mod standards;
pub mod users;

use crate::db::proposals::ChangeRefused;
use crate::domain::proposal::FieldError;

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not found")]
    NotFound,
    /// Someone changed the record since the caller loaded it.
    #[error("stale version")]
    Stale,
    /// The record is not in a state that allows this.
    #[error("wrong state")]
    WrongState,
    /// Not in a state that allows this, with the catalogue key saying why.
    #[error("refused: {0}")]
    Refused(&'static str),
    /// The input is not acceptable; every problem at once.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("no active standard")]
    NoActiveStandard,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<ChangeRefused> for ServiceError {
    fn from(r: ChangeRefused) -> Self {
        match r {
            ChangeRefused::NotFound => ServiceError::NotFound,
            ChangeRefused::Stale => ServiceError::Stale,
            ChangeRefused::WrongStatus => ServiceError::WrongState,
        }
    }
}
