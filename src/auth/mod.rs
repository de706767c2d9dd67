//! Who is asking: accounts, passwords, server-side sessions (axum-login on
//! tower-sessions, stored in PostgreSQL so several instances share them),
//! CSRF protection, and the extractors that make a handler's signature say
//! which role may call it.

pub mod client;
pub mod csrf;
pub mod extract;
pub mod password;

use axum_login::{AuthUser, AuthnBackend, UserId};
use sqlx::PgPool;

use crate::db::users::{self, UserRow};
use crate::domain::Role;

pub use extract::{Admin, CityUser, CurrentUser, Expert, Official, Reviewer, Staff};

pub type AuthSession = axum_login::AuthSession<Backend>;

/// Session key holding the login time (Unix seconds).
pub const LOGIN_AT: &str = "login_at";
/// A session ends this long after login, however active (the idle timeout
/// is in `routes.rs`).
pub const ABSOLUTE_TIMEOUT_SECONDS: i64 = 12 * 3600;

/// The signed-in user, loaded again from the database on every request (so
/// a deactivation or role change takes effect at once) — in the statement
/// that loads the session (see `db::sessions`).
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region_id: Option<i64>,
    pub region_name: Option<String>,
    pub must_change_password: bool,
    /// What binds sessions to the password: a digest of its hash, so that
    /// sessions neither store the hash nor carry a hundred-byte array.
    password_digest: [u8; 16],
}

fn password_digest(hash: &str) -> [u8; 16] {
    use sha2::{Digest, Sha256};
    let full = Sha256::digest(hash.as_bytes());
    let mut short = [0u8; 16];
    short.copy_from_slice(&full[..16]);
    short
}

impl User {
    fn from_row(row: UserRow) -> Option<User> {
        Some(User {
            role: Role::parse(&row.role)?,
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            region_id: row.region_id,
            region_name: row.region_name,
            must_change_password: row.must_change_password,
            password_digest: password_digest(&row.password_hash),
        })
    }
}

impl User {
    /// After a password change, so the current session stays valid.
    pub fn set_password_hash(&mut self, hash: String) {
        self.password_digest = password_digest(&hash);
    }
}

impl AuthUser for User {
    type Id = i64;

    fn id(&self) -> i64 {
        self.id
    }

    /// Sessions are bound to the password hash: changing the password ends
    /// every other session of the user.
    fn session_auth_hash(&self) -> &[u8] {
        &self.password_digest
    }
}

/// Loads an active user by id (for the command line and tests).
pub async fn load_user(db: &PgPool, id: i64) -> sqlx::Result<Option<User>> {
    let mut conn = crate::db::acquire(db).await?;
    Ok(users::find_active(&mut conn, id).await?.and_then(User::from_row))
}

/// Wraps each request so that the user read with its session reaches the
/// auth backend without a second query, and a page's handler the
/// connection its session was read on. Only requests without a body keep
/// that connection: a form or an upload can take as long to arrive as its
/// sender likes, and must not hold a connection idle meanwhile.
pub async fn signed_in_slot(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let keeps_connection = matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    crate::db::sessions::with_signed_in_slot(keeps_connection, next.run(request)).await
}

/// The hash a login is checked against, and the account it would sign in.
/// An unknown or inactive account is checked against a dummy hash made with
/// the same parameters, so it costs one full Argon2id verification like a
/// wrong password, and timing does not reveal which accounts exist.
fn hash_to_check(row: Option<UserRow>) -> (String, Option<UserRow>) {
    match row {
        Some(row) if row.active => (row.password_hash.clone(), Some(row)),
        _ => (password::dummy_hash().to_owned(), None),
    }
}

#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

#[derive(Clone)]
pub struct Backend {
    db: PgPool,
}

impl Backend {
    pub fn new(db: PgPool) -> Self {
        Self { db }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Hash(#[from] tokio::task::JoinError),
}

impl AuthnBackend for Backend {
    type User = User;
    type Credentials = Credentials;
    type Error = AuthError;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<User>, AuthError> {
        let mut conn = crate::db::acquire(&self.db).await?;
        let row = users::find_by_username(&mut conn, creds.username.trim()).await?;
        drop(conn);
        let (hash, candidate) = hash_to_check(row);
        let ok = password::verify(creds.password, hash).await?;
        Ok(if ok { candidate.and_then(User::from_row) } else { None })
    }

    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<User>, AuthError> {
        if let Some(row) = crate::db::sessions::take_signed_in(*id) {
            return Ok(row.and_then(User::from_row));
        }
        let mut conn = crate::db::acquire(&self.db).await?;
        Ok(users::find_active(&mut conn, *id).await?.and_then(User::from_row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(active: bool, hash: &str) -> UserRow {
        UserRow {
            id: 1,
            username: "rev".into(),
            display_name: "rev".into(),
            role: "reviewer".into(),
            region_id: None,
            region_name: None,
            password_hash: hash.into(),
            must_change_password: false,
            active,
        }
    }

    /// Without timing: an unknown or inactive account goes through the same
    /// single verification as a wrong password, against a hash that costs
    /// what a real one costs (see `password::tests`).
    #[test]
    fn unknown_and_inactive_accounts_are_checked_against_the_dummy_hash() {
        let (hash, who) = hash_to_check(None);
        assert_eq!(hash, password::dummy_hash());
        assert!(who.is_none());
        let (hash, who) = hash_to_check(Some(row(false, "$argon2id$real")));
        assert_eq!(hash, password::dummy_hash());
        assert!(who.is_none());
        let (hash, who) = hash_to_check(Some(row(true, "$argon2id$real")));
        assert_eq!(hash, "$argon2id$real");
        assert_eq!(who.map(|r| r.id), Some(1));
    }
}
