//! What admins do with accounts and regions: create an account (with a
//! random first password shown once), change role and region, deactivate or
//! reactivate, reset a password; add and rename regions. The last active
//! admin can be neither deactivated nor demoted.

use serde_json::json;
use sqlx::PgPool;

use crate::auth::password;
use crate::db::users::{self, NewUser};
use crate::db::{audit, regions};
use crate::domain::Role;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("not found")]
    NotFound,
    /// The change would leave no active admin.
    #[error("last active admin")]
    LastAdmin,
    /// A form value is not acceptable: (field, catalogue key).
    #[error("invalid {0}")]
    Invalid(&'static str, &'static str),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("hashing failed")]
    Hash,
}

type Result<T> = std::result::Result<T, UserError>;

fn entry<'a>(
    actor: i64,
    action: &'a str,
    entity: &'a str,
    id: i64,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> audit::Entry<'a> {
    audit::Entry {
        actor_id: Some(actor),
        action,
        entity,
        entity_id: Some(id),
        before,
        after,
    }
}

/// Officials act for exactly one county, city users for one city; the
/// other roles for none.
fn check_region(role: Role, region_id: Option<i64>) -> Result<Option<i64>> {
    match region_id {
        None if role.has_region() => Err(UserError::Invalid("region", "admin.users.error.region_required")),
        r if role.has_region() => Ok(r),
        _ => Ok(None),
    }
}

/// A region of the right kind for the role: a county for an official, a
/// city for a city user (the database refuses the others too; this names
/// the field).
async fn check_region_kind(conn: &mut sqlx::PgConnection, role: Role, region_id: Option<i64>) -> Result<()> {
    let Some(id) = region_id else { return Ok(()) };
    let Some(region) = regions::get_tree(conn, id).await? else {
        return Err(UserError::Invalid("region", "admin.users.error.region_required"));
    };
    match role {
        Role::City if !region.is_city() => Err(UserError::Invalid("region", "admin.users.error.region_not_city")),
        Role::Official if region.is_city() => Err(UserError::Invalid("region", "admin.users.error.region_not_county")),
        _ => Ok(()),
    }
}

pub struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub region_id: Option<i64>,
}

/// Creates an account; returns its id and its random first password (to be
/// shown once; it must be changed at first login).
pub async fn create_user(db: &PgPool, actor: i64, new: NewAccount<'_>) -> Result<(i64, String)> {
    let checked = check_account(&new)?;
    let (plain, hash) = first_password().await?;
    let mut tx = crate::db::begin(db).await?;
    let id = insert_account(&mut tx, actor, &checked, &hash).await?;
    tx.commit().await?;
    Ok((id, plain))
}

/// A new account's name, display name and region as they will be stored.
pub struct CheckedAccount<'a> {
    username: &'a str,
    display_name: &'a str,
    role: Role,
    region_id: Option<i64>,
}

/// The account form's rules: a user name of 2–40 letters, digits, `_`,
/// `.` or `-`; a display name of 1–100 characters; a region for the roles
/// that act for one.
pub fn check_account<'a>(new: &NewAccount<'a>) -> Result<CheckedAccount<'a>> {
    let username = new.username.trim();
    let display_name = new.display_name.trim();
    let valid_name = (2..=40).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !valid_name {
        return Err(UserError::Invalid("username", "admin.users.error.username"));
    }
    if display_name.is_empty() || display_name.chars().count() > 100 {
        return Err(UserError::Invalid("display_name", "admin.users.error.display_name"));
    }
    let region_id = check_region(new.role, new.region_id)?;
    Ok(CheckedAccount {
        username,
        display_name,
        role: new.role,
        region_id,
    })
}

/// A random first password and its hash.
pub async fn first_password() -> Result<(String, String)> {
    let plain = password::random_password();
    let hash = password::hash(plain.clone()).await.map_err(|_| UserError::Hash)?;
    Ok((plain, hash))
}

/// Inserts a checked account with its audit row, in the caller's transaction.
pub async fn insert_account(
    tx: &mut sqlx::PgConnection,
    actor: i64,
    new: &CheckedAccount<'_>,
    hash: &str,
) -> Result<i64> {
    check_region_kind(&mut *tx, new.role, new.region_id).await?;
    let id = match users::insert(
        &mut *tx,
        NewUser {
            username: new.username,
            display_name: new.display_name,
            role: new.role,
            region_id: new.region_id,
            password_hash: hash,
            must_change_password: true,
        },
    )
    .await
    {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(UserError::Invalid("username", "admin.users.error.username_taken"));
        }
        Err(e) if matches!(&e, sqlx::Error::Database(d) if d.code().as_deref() == Some("23503")) => {
            return Err(UserError::Invalid("region", "admin.users.error.region_required"));
        }
        Err(e) => return Err(e.into()),
    };
    let after = Some(json!({"username": new.username, "role": new.role.as_str(), "region": new.region_id}));
    audit::record(tx, entry(actor, "user.created", "user", id, None, after)).await?;
    Ok(id)
}

/// Refuses a change that would leave no active admin.
async fn keep_an_admin(tx: &mut sqlx::PgConnection, id: i64) -> Result<()> {
    let admins = users::lock_active_admins(tx).await?;
    if admins == [id] {
        return Err(UserError::LastAdmin);
    }
    Ok(())
}

/// Changes an account's role and region.
pub async fn change_role(db: &PgPool, actor: i64, id: i64, role: Role, region_id: Option<i64>) -> Result<()> {
    let region_id = check_region(role, region_id)?;
    let mut tx = crate::db::begin(db).await?;
    let before = users::lock(&mut tx, id).await?.ok_or(UserError::NotFound)?;
    check_region_kind(&mut tx, role, region_id).await?;
    if before.role == Role::Admin.as_str() && role != Role::Admin && before.active {
        keep_an_admin(&mut tx, id).await?;
    }
    if let Err(e) = users::set_role_region(&mut tx, id, role, region_id).await {
        if matches!(&e, sqlx::Error::Database(d) if d.code().as_deref() == Some("23503")) {
            return Err(UserError::Invalid("region", "admin.users.error.region_required"));
        }
        return Err(e.into());
    }
    let b = Some(json!({"role": before.role, "region": before.region_id}));
    let a = Some(json!({"role": role.as_str(), "region": region_id}));
    audit::record(&mut tx, entry(actor, "user.role_changed", "user", id, b, a)).await?;
    tx.commit().await?;
    Ok(())
}

/// Deactivates (or reactivates) an account; a deactivated user's sessions
/// end at their next request.
pub async fn set_active(db: &PgPool, actor: i64, id: i64, active: bool) -> Result<()> {
    let mut tx = crate::db::begin(db).await?;
    let before = users::lock(&mut tx, id).await?.ok_or(UserError::NotFound)?;
    if !active && before.active && before.role == Role::Admin.as_str() {
        keep_an_admin(&mut tx, id).await?;
    }
    users::set_active(&mut tx, id, active).await?;
    let action = if active { "user.activated" } else { "user.deactivated" };
    let b = Some(json!({"active": before.active}));
    audit::record(
        &mut tx,
        entry(actor, action, "user", id, b, Some(json!({"active": active}))),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Gives an account a new random password, to be changed at next login;
/// returns it (shown once). Other sessions of the user end.
pub async fn reset_password(db: &PgPool, actor: i64, id: i64) -> Result<String> {
    let plain = password::random_password();
    let hash = password::hash(plain.clone()).await.map_err(|_| UserError::Hash)?;
    let mut tx = crate::db::begin(db).await?;
    users::lock(&mut tx, id).await?.ok_or(UserError::NotFound)?;
    users::set_password(&mut tx, id, &hash, true).await?;
    audit::record(&mut tx, entry(actor, "user.password_reset", "user", id, None, None)).await?;
    tx.commit().await?;
    Ok(plain)
}

fn check_region_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(UserError::Invalid("region_name", "admin.regions.error.name"));
    }
    Ok(name)
}

/// Adds a region: a city (地级市), or a county under a city (or under none
/// yet); a name already used is refused.
pub async fn add_region(db: &PgPool, actor: i64, name: &str, city: bool, parent: Option<i64>) -> Result<i64> {
    let name = check_region_name(name)?;
    let mut tx = crate::db::begin(db).await?;
    if regions::find_by_name(&mut tx, name).await?.is_some() {
        return Err(UserError::Invalid("region_name", "admin.regions.error.taken"));
    }
    let parent = if city { None } else { check_city(&mut tx, parent).await? };
    let kind = if city { "city" } else { "county" };
    let id = regions::insert_kind(&mut tx, name, kind).await?;
    if parent.is_some() {
        regions::set_parent(&mut tx, id, parent).await?;
    }
    audit::record(
        &mut tx,
        entry(
            actor,
            "region.created",
            "region",
            id,
            None,
            Some(json!({"name": name, "kind": kind, "city": parent})),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// `parent` is a city (or none).
async fn check_city(conn: &mut sqlx::PgConnection, parent: Option<i64>) -> Result<Option<i64>> {
    let Some(id) = parent else { return Ok(None) };
    match regions::get_tree(conn, id).await? {
        Some(r) if r.is_city() => Ok(Some(id)),
        _ => Err(UserError::Invalid("city", "admin.regions.error.city")),
    }
}

/// Puts a county under a city (or under none): its proposals submitted
/// from then on pass the city's pre-review when their round has it on.
pub async fn assign_city(db: &PgPool, actor: i64, county: i64, city: Option<i64>) -> Result<()> {
    let mut tx = crate::db::begin(db).await?;
    let region = regions::get_tree(&mut tx, county).await?.ok_or(UserError::NotFound)?;
    if region.is_city() {
        return Err(UserError::Invalid("city", "admin.regions.error.not_county"));
    }
    let city = check_city(&mut tx, city).await?;
    regions::set_parent(&mut tx, county, city).await?;
    audit::record(
        &mut tx,
        entry(
            actor,
            "region.city_assigned",
            "region",
            county,
            Some(json!({"city": region.parent_id})),
            Some(json!({"city": city})),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Renames a region.
pub async fn rename_region(db: &PgPool, actor: i64, id: i64, name: &str) -> Result<()> {
    let name = check_region_name(name)?;
    let mut tx = crate::db::begin(db).await?;
    if regions::find_by_name(&mut tx, name).await?.is_some_and(|r| r.id != id) {
        return Err(UserError::Invalid("region_name", "admin.regions.error.taken"));
    }
    if !users::rename_region(&mut tx, id, name).await? {
        return Err(UserError::NotFound);
    }
    audit::record(
        &mut tx,
        entry(actor, "region.renamed", "region", id, None, Some(json!({"name": name}))),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
