//! The session store: tower-sessions records kept as JSONB in `sessions`.
//!
//! Why not tower-sessions-sqlx-store: it encodes records with MessagePack,
//! which cannot carry serde_json's arbitrary-precision numbers (we need
//! those so that a decimal typed into the API is read exactly, never through
//! f64). JSON carries them losslessly.
//!
//! The idle timeout slides: the session layer saves on every request
//! (`with_always_save`), and `save` skips the write when the record is what
//! this request loaded and its expiry would move by less than
//! [`TOUCH_INTERVAL_SECONDS`]. An active user stays signed in at the price
//! of one write a minute per session instead of one per request.
//!
//! A session ended is never written back: `save` updates an existing row
//! and nothing else, so a request still running when its user logs out
//! cannot re-create the session it loaded (new sessions, including the new
//! id given at login, come through `create`).
//!
//! Loading a session also reads its signed-in user, in the same statement:
//! the auth backend, asked for that user next in the same request, takes it
//! from [`take_signed_in`] instead of querying again. The same statement
//! reads the data version that the page cache keys pages by
//! ([`data_version`]), and the user's to-do count for the navigation
//! ([`todo_count`], the SQL function `todo_count`).
//!
//! The connection a page's session was read on stays with the request
//! ([`lend`]; a GET or HEAD only, see `auth::signed_in_slot`): the
//! handler's [`super::acquire`] takes it instead of queueing for the pool a
//! second time. Every return to the pool costs a round trip (sqlx checks
//! the connection), and a page that took two connections paid two of those
//! and waited in the pool's queue twice. Whatever the request does not
//! take goes back to the pool when its response starts.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgConnectOptions;
use sqlx::{PgPool, Postgres};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use super::users::UserRow;

/// The user named by the session a request loaded: its id, and its row if
/// that user exists and is active.
struct SignedIn {
    id: i64,
    row: Option<UserRow>,
}

/// What loading a request's session read besides the session.
#[derive(Default)]
struct Loaded {
    signed_in: Option<SignedIn>,
    data_version: Option<i64>,
    todo_count: Option<i64>,
}

/// A request's place for what its session's loading read, and for the
/// connection it was read on.
#[derive(Default)]
struct Slot {
    loaded: Loaded,
    /// Whether the request keeps its session's connection ([`lend`]).
    keeps_connection: bool,
    lent: Option<Lent>,
}

/// The connection a request's session was read on, until the request takes
/// it or ends; `of` tells its pool (the options' `Arc` is the pool's own).
struct Lent {
    of: Arc<PgConnectOptions>,
    conn: PoolConnection<Postgres>,
}

tokio::task_local! {
    static LOADED: RefCell<Slot>;
}

/// Runs one request with a place for the user its session names, and for
/// the connection it was read on when `keeps_connection`.
pub async fn with_signed_in_slot<F: Future>(keeps_connection: bool, request: F) -> F::Output {
    let slot = Slot {
        keeps_connection,
        ..Slot::default()
    };
    LOADED.scope(RefCell::new(slot), request).await
}

/// The user `id` as read with this request's session: `Some(row)` when it
/// was (`row` is `None` for an unknown or inactive user), `None` when the
/// session named someone else or was not read in this request.
pub fn take_signed_in(id: i64) -> Option<Option<UserRow>> {
    LOADED
        .try_with(|slot| slot.borrow_mut().loaded.signed_in.take())
        .ok()
        .flatten()
        .filter(|s| s.id == id)
        .map(|s| s.row)
}

/// `data_version` as read with this request's session, in the same snapshot
/// as the session (`None` when no session was loaded in this request).
pub fn data_version() -> Option<i64> {
    LOADED.try_with(|slot| slot.borrow().loaded.data_version).ok().flatten()
}

/// The signed-in user's to-do count (待办) as read with this request's
/// session (`None` when no one is signed in or no session was loaded).
pub fn todo_count() -> Option<i64> {
    LOADED.try_with(|slot| slot.borrow().loaded.todo_count).ok().flatten()
}

fn put_loaded(loaded: Loaded) {
    let _ = LOADED.try_with(|slot| slot.borrow_mut().loaded = loaded);
}

/// Keeps `conn` of `pool` for the rest of this request when it keeps its
/// connection (otherwise, and outside a request, it goes back to the pool).
fn lend(pool: &PgPool, conn: PoolConnection<Postgres>) {
    let mut conn = Some(conn);
    let _ = LOADED.try_with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.keeps_connection {
            slot.lent = conn.take().map(|conn| Lent {
                of: pool.connect_options(),
                conn,
            });
        }
    });
}

/// The connection of `pool` this request's session was read on, if the
/// request still has it.
pub(super) fn take_lent(pool: &PgPool) -> Option<PoolConnection<Postgres>> {
    LOADED
        .try_with(|slot| {
            let mut slot = slot.borrow_mut();
            let ours = slot
                .lent
                .as_ref()
                .is_some_and(|l| Arc::ptr_eq(&l.of, &pool.connect_options()));
            if ours { slot.lent.take().map(|l| l.conn) } else { None }
        })
        .ok()
        .flatten()
}

/// Gives the request's kept connection back to its pool.
pub(super) fn return_lent() {
    let lent = LOADED.try_with(|slot| slot.borrow_mut().lent.take()).ok().flatten();
    drop(lent);
}

/// A session row with the active user its axum-login data names.
#[derive(sqlx::FromRow)]
struct SessionRow {
    data: serde_json::Value,
    expiry_date: DateTime<Utc>,
    session_user_id: Option<i64>,
    id: Option<i64>,
    username: Option<String>,
    display_name: Option<String>,
    role: Option<String>,
    region_id: Option<i64>,
    region_name: Option<String>,
    password_hash: Option<String>,
    must_change_password: Option<bool>,
    data_version: i64,
    todo_count: Option<i64>,
}

impl SessionRow {
    fn signed_in(&mut self) -> Option<SignedIn> {
        let id = self.session_user_id?;
        let row = match (
            self.id,
            self.username.take(),
            self.role.take(),
            self.password_hash.take(),
        ) {
            (Some(uid), Some(username), Some(role), Some(password_hash)) => Some(UserRow {
                id: uid,
                username,
                display_name: self.display_name.take().unwrap_or_default(),
                role,
                region_id: self.region_id,
                region_name: self.region_name.take(),
                password_hash,
                must_change_password: self.must_change_password.unwrap_or(false),
                active: true,
            }),
            _ => None,
        };
        Some(SignedIn { id, row })
    }
}

/// The session, and the active user named in axum-login's part of its data
/// (`sessions.user_id`, generated from the data: a session without a user
/// id there, or with anything but a plain integer, names no one). The user
/// and the region are looked up by key: as joins, PostgreSQL hashed the
/// whole users table for the one session (the `OFFSET 0` keeps the lookup
/// from being turned back into a join).
const LOAD: &str = "SELECT s.data, s.expiry_date, s.user_id AS session_user_id,
           u.id, u.username, u.display_name, u.role, u.region_id,
           (SELECT r.name FROM regions r WHERE r.id = u.region_id) AS region_name,
           u.password_hash, u.must_change_password,
           (SELECT version FROM data_version) AS data_version,
           CASE WHEN u.id IS NOT NULL THEN todo_count(u.id, u.role, u.region_id) END AS todo_count
    FROM sessions s
    LEFT JOIN LATERAL (SELECT u.id, u.username, u.display_name, u.role, u.region_id, u.password_hash,
               u.must_change_password FROM users u WHERE u.id = s.user_id AND u.active OFFSET 0) u ON true
    WHERE s.id = $1 AND s.expiry_date > now()";

/// How far the stored expiry may lag behind the sliding one.
pub const TOUCH_INTERVAL_SECONDS: i64 = 60;

/// Above this many remembered sessions the memory is cleared: a forgotten
/// session costs one write on its next request, nothing more.
const MAX_REMEMBERED: usize = 100_000;

/// A session's stored state as this process last read or wrote it: its
/// data (the record without its expiry) and its expiry.
#[derive(Debug, Clone)]
struct Stored {
    data: serde_json::Value,
    expiry: DateTime<Utc>,
}

impl Stored {
    fn of(record: &Record) -> session_store::Result<Stored> {
        Ok(Stored {
            data: serde_json::to_value(&record.data).map_err(backend)?,
            expiry: expiry(record),
        })
    }
}

#[derive(Debug, Clone)]
pub struct PgSessionStore {
    pool: PgPool,
    /// Refreshed by every load, so `save` compares with what the same
    /// request read — never with a stale copy (another instance may have
    /// changed the row since an earlier request).
    stored: Arc<Mutex<HashMap<String, Stored>>>,
}

impl PgSessionStore {
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            stored: Arc::default(),
        }
    }

    /// Removes expired sessions; run now and then by the server.
    pub async fn delete_expired(&self) -> sqlx::Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expiry_date < now()")
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// The request's connection, or one from the pool.
    async fn connection(&self) -> session_store::Result<PoolConnection<Postgres>> {
        super::acquire(&self.pool).await.map_err(backend)
    }

    fn remember(&self, id: String, stored: Option<Stored>) {
        let mut map = self.stored.lock().unwrap_or_else(|e| e.into_inner());
        match stored {
            Some(s) => {
                if map.len() >= MAX_REMEMBERED {
                    map.clear();
                }
                map.insert(id, s);
            }
            None => {
                map.remove(&id);
            }
        }
    }

    /// Writing would change nothing but push the expiry a little later.
    fn needless_write(&self, id: &str, new: &Stored) -> bool {
        let map = self.stored.lock().unwrap_or_else(|e| e.into_inner());
        map.get(id).is_some_and(|old| {
            old.data == new.data
                && new.expiry >= old.expiry
                && (new.expiry - old.expiry).num_seconds() < TOUCH_INTERVAL_SECONDS
        })
    }
}

fn backend(err: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

fn expiry(record: &Record) -> DateTime<Utc> {
    DateTime::from_timestamp(record.expiry_date.unix_timestamp(), 0).unwrap_or_default()
}

#[async_trait]
impl SessionStore for PgSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A new id that happens to exist already is drawn again.
        loop {
            let data = serde_json::to_value(&*record).map_err(backend)?;
            let mut conn = self.connection().await?;
            let inserted = sqlx::query(
                "INSERT INTO sessions (id, data, expiry_date) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
            )
            .bind(record.id.to_string())
            .bind(&data)
            .bind(expiry(record))
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
            lend(&self.pool, conn);
            if inserted.rows_affected() == 1 {
                self.remember(record.id.to_string(), Some(Stored::of(record)?));
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let id = record.id.to_string();
        let new = Stored::of(record)?;
        if self.needless_write(&id, &new) {
            return Ok(());
        }
        let data = serde_json::to_value(record).map_err(backend)?;
        // Only a row that still exists is written: a session ended while
        // this request ran (logout, a new id at login or a password change,
        // expiry) stays ended. New ids come through `create`, never here.
        let mut conn = self.connection().await?;
        let updated = sqlx::query("UPDATE sessions SET data = $2, expiry_date = $3 WHERE id = $1")
            .bind(&id)
            .bind(data)
            .bind(new.expiry)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
        lend(&self.pool, conn);
        self.remember(id, (updated.rows_affected() == 1).then_some(new));
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let key = id.to_string();
        let mut conn = self.connection().await?;
        let row: Option<SessionRow> = sqlx::query_as(LOAD)
            .bind(&key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(backend)?;
        lend(&self.pool, conn);
        let Some(mut row) = row else {
            self.remember(key, None);
            put_loaded(Loaded::default());
            return Ok(None);
        };
        put_loaded(Loaded {
            signed_in: row.signed_in(),
            data_version: Some(row.data_version),
            todo_count: row.todo_count,
        });
        let record = Record::deserialize(&row.data).map_err(backend)?;
        // The record's data as stored is what `Stored::of` would serialise
        // it back to; taken as it is rather than serialised again. The
        // expiry is the column's, not the record's (that has nanoseconds).
        let stored = Stored {
            data: row
                .data
                .get_mut("data")
                .map(serde_json::Value::take)
                .unwrap_or_default(),
            expiry: row.expiry_date,
        };
        self.remember(key, Some(stored));
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.remember(id.to_string(), None);
        let mut conn = self.connection().await?;
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
        lend(&self.pool, conn);
        Ok(())
    }
}
