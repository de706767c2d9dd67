//! The expert pool (DESIGN "Experts"): an admin creates an expert — an
//! account of role `expert` with a random first password shown once, and
//! its pool record (field, employer, home region) — edits the record, and
//! takes an expert out of the draws or back. Each change is one
//! transaction with its audit row.

use serde_json::json;
use sqlx::PgPool;

use super::ServiceError;
use super::users::{self, NewAccount, UserError};
use crate::db::experts::{self as db, ExpertData};
use crate::db::{audit, regions};
use crate::domain::Role;
use crate::domain::panel::Field;

/// Longest employer name.
pub const EMPLOYER_MAX: usize = 200;

/// Why an expert-review use case did not happen: input refused field by
/// field (form field, catalogue key), a draw the pool cannot fill, or a
/// record in the wrong state.
#[derive(Debug, thiserror::Error)]
pub enum ExpertError {
    #[error("invalid input")]
    Invalid(Vec<(String, &'static str)>),
    #[error("the pool cannot fill the panel")]
    Draw(crate::domain::panel::DrawError),
    #[error(transparent)]
    Refused(#[from] ServiceError),
}

impl From<sqlx::Error> for ExpertError {
    fn from(e: sqlx::Error) -> Self {
        ExpertError::Refused(ServiceError::Db(e))
    }
}

impl ExpertError {
    pub(crate) fn field(field: &str, key: &'static str) -> ExpertError {
        ExpertError::Invalid(vec![(field.to_string(), key)])
    }
}

type Result<T> = std::result::Result<T, ExpertError>;

/// The pool record as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct ExpertInput {
    pub field: String,
    pub employer: String,
    /// A region id, or empty for none.
    pub home_region: String,
}

struct Checked {
    field: Field,
    employer: String,
    home_region_id: Option<i64>,
}

async fn check(
    conn: &mut sqlx::PgConnection,
    input: &ExpertInput,
    errors: &mut Vec<(String, &'static str)>,
) -> sqlx::Result<Option<Checked>> {
    let field = Field::from_code(input.field.trim());
    if field.is_none() {
        errors.push(("field".into(), "experts.error.field"));
    }
    let employer = input.employer.trim().to_string();
    if employer.is_empty() || employer.chars().count() > EMPLOYER_MAX {
        errors.push(("employer".into(), "experts.error.employer"));
    }
    let home = input.home_region.trim();
    let home_region_id = if home.is_empty() {
        None
    } else {
        match home.parse::<i64>() {
            Ok(id) if regions::list(conn).await?.iter().any(|r| r.id == id) => Some(id),
            _ => {
                errors.push(("home_region".into(), "experts.error.home_region"));
                None
            }
        }
    };
    Ok(field.map(|field| Checked {
        field,
        employer,
        home_region_id,
    }))
}

fn account_error(e: UserError, errors: &mut Vec<(String, &'static str)>) -> Option<ExpertError> {
    match e {
        UserError::Invalid(field, key) => {
            errors.push((field.to_string(), key));
            None
        }
        UserError::Db(e) => Some(e.into()),
        UserError::NotFound => Some(ServiceError::NotFound.into()),
        UserError::LastAdmin | UserError::Hash => Some(ServiceError::WrongState.into()),
    }
}

/// Creates an expert: the account (role `expert`, a random first password
/// returned to be shown once) and the pool record, in one transaction.
/// Every field's problem is reported at once.
pub async fn create(
    db: &PgPool,
    actor: i64,
    username: &str,
    display_name: &str,
    input: &ExpertInput,
) -> Result<(i64, i64, String)> {
    let mut errors = Vec::new();
    let account = NewAccount {
        username,
        display_name,
        role: Role::Expert,
        region_id: None,
    };
    let checked_account = match users::check_account(&account) {
        Ok(a) => Some(a),
        Err(e) => {
            if let Some(fatal) = account_error(e, &mut errors) {
                return Err(fatal);
            }
            None
        }
    };
    let mut conn = crate::db::acquire(db).await?;
    let checked = check(&mut conn, input, &mut errors).await?;
    drop(conn);
    let (Some(account), Some(checked), true) = (checked_account, checked, errors.is_empty()) else {
        return Err(ExpertError::Invalid(errors));
    };
    let (plain, hash) = users::first_password().await.map_err(|_| ServiceError::WrongState)?;
    let mut tx = crate::db::begin(db).await?;
    let user_id = match users::insert_account(&mut tx, actor, &account, &hash).await {
        Ok(id) => id,
        Err(e) => {
            let mut errors = Vec::new();
            return Err(account_error(e, &mut errors).unwrap_or(ExpertError::Invalid(errors)));
        }
    };
    let data = ExpertData {
        field: checked.field.code(),
        employer: &checked.employer,
        home_region_id: checked.home_region_id,
    };
    let id = db::insert(&mut tx, user_id, &data).await?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: Some(actor),
            action: "expert.created",
            entity: "expert",
            entity_id: Some(id),
            before: None,
            after: Some(json!({
                "user_id": user_id, "field": data.field, "employer": data.employer,
                "home_region": data.home_region_id,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((id, user_id, plain))
}

/// Changes an expert's name as shown, field, employer and home region.
pub async fn update(db: &PgPool, actor: i64, id: i64, display_name: &str, input: &ExpertInput) -> Result<()> {
    let mut errors = Vec::new();
    let name = display_name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(("display_name".into(), "admin.users.error.display_name"));
    }
    let mut tx = crate::db::begin(db).await?;
    let before = db::lock(&mut tx, id).await?.ok_or(ServiceError::NotFound)?;
    let checked = check(&mut tx, input, &mut errors).await?;
    let (Some(checked), true) = (checked, errors.is_empty()) else {
        return Err(ExpertError::Invalid(errors));
    };
    let data = ExpertData {
        field: checked.field.code(),
        employer: &checked.employer,
        home_region_id: checked.home_region_id,
    };
    db::update(&mut tx, id, &data).await?;
    db::display_name(&mut tx, before.user_id, name).await?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: Some(actor),
            action: "expert.updated",
            entity: "expert",
            entity_id: Some(id),
            before: Some(json!({
                "name": before.display_name, "field": before.field, "employer": before.employer,
                "home_region": before.home_region_id,
            })),
            after: Some(json!({
                "name": name, "field": data.field, "employer": data.employer, "home_region": data.home_region_id,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes an expert out of future draws (or back in). Panels already drawn
/// keep their seats.
pub async fn set_active(db: &PgPool, actor: i64, id: i64, active: bool) -> Result<()> {
    let mut tx = crate::db::begin(db).await?;
    let before = db::lock(&mut tx, id).await?.ok_or(ServiceError::NotFound)?;
    db::set_active(&mut tx, id, active).await?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor_id: Some(actor),
            action: if active {
                "expert.activated"
            } else {
                "expert.deactivated"
            },
            entity: "expert",
            entity_id: Some(id),
            before: Some(json!({"active": before.active})),
            after: Some(json!({"active": active})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
