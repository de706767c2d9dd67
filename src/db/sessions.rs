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
//! The store keeps each session it reads, with that user, to-do count and
//! data version, and serves it again while neither the data version (every
//! table but the sessions bumps it, the users and regions included) nor the
//! session version (migration `…0700_session_version`: a session ended or
//! its data changed) has moved. The statement that reads both versions
//! reads the session only when one has, so a kept session still costs one
//! statement, a cheap one, and a change made on any server counts on the
//! next request everywhere.
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
#[derive(Clone)]
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

/// What [`LOAD`] reads: the versions, whether the session was read again,
/// and if so the session row with the active user its axum-login data
/// names (all `None` when it was not, or when no live session has the id).
#[derive(sqlx::FromRow)]
struct SessionRow {
    data_version: i64,
    session_version: i64,
    reloaded: bool,
    data: Option<serde_json::Value>,
    expiry_date: Option<DateTime<Utc>>,
    session_user_id: Option<i64>,
    id: Option<i64>,
    username: Option<String>,
    display_name: Option<String>,
    role: Option<String>,
    region_id: Option<i64>,
    region_name: Option<String>,
    password_hash: Option<String>,
    must_change_password: Option<bool>,
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

/// The data version and the session version, and — only when one of them
/// has moved since this server kept the session (`$2`, `$3`), when its kept
/// expiry (`$4`) has passed, or when it kept none (`$2` NULL) — the session
/// and the active user named in axum-login's part of its data
/// (`sessions.user_id`, generated from the data: a session without a user
/// id there, or with anything but a plain integer, names no one).
///
/// The condition is a one-time filter over the session's part (`OFFSET 0`
/// keeps PostgreSQL from folding it into a join filter, which would read
/// the session anyway): a kept session costs the versions' two one-row
/// tables. The versions are scalar subqueries, not a join of the two
/// tables: before `ANALYZE` has seen them PostgreSQL guesses thousands of
/// rows for each, and the product of the guesses made it compile the
/// statement with JIT (100 ms). The user and the region are looked up by
/// key: as joins, PostgreSQL hashed the whole users table for the one
/// session (the inner `OFFSET 0` keeps that look-up from being turned back
/// into a join).
const LOAD: &str = "SELECT g.data_version, g.session_version, g.reloaded, l.*
    FROM (SELECT v.data_version, v.session_version,
                 ($2::bigint IS NULL OR v.data_version <> $2 OR v.session_version <> $3
                  OR COALESCE($4::timestamptz <= now(), true)) AS reloaded
          FROM (SELECT (SELECT version FROM data_version) AS data_version,
                       (SELECT version FROM session_version) AS session_version) v) g
    LEFT JOIN LATERAL (
        SELECT s.data, s.expiry_date, s.user_id AS session_user_id,
               u.id, u.username, u.display_name, u.role, u.region_id,
               (SELECT r.name FROM regions r WHERE r.id = u.region_id) AS region_name,
               u.password_hash, u.must_change_password,
               CASE WHEN u.id IS NOT NULL THEN todo_count(u.id, u.role, u.region_id) END AS todo_count
        FROM sessions s
        LEFT JOIN LATERAL (SELECT u.id, u.username, u.display_name, u.role, u.region_id, u.password_hash,
                   u.must_change_password FROM users u WHERE u.id = s.user_id AND u.active OFFSET 0) u ON true
        WHERE g.reloaded AND s.id = $1 AND s.expiry_date > now()
        OFFSET 0) l ON true";

/// How long a kept session's to-do count may be served: an official's
/// counts rounds whose deadline is near, which changes with the clock
/// alone.
const KEPT_TODO_SECONDS: u64 = 30;

/// How far the stored expiry may lag behind the sliding one.
pub const TOUCH_INTERVAL_SECONDS: i64 = 60;

/// Above this many remembered sessions the memory is cleared: a forgotten
/// session costs one write or one full read on its next request, nothing more.
const MAX_REMEMBERED: usize = 100_000;

/// Above this many kept sessions they are all forgotten: each is a few
/// kilobytes (the record twice and the user), so the bound holds them under
/// about 30 MB however many sessions are made, and a province's staff
/// signed in at once stay well below it. A forgotten session costs one
/// full read on its next request.
const MAX_KEPT: usize = 10_000;

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
    /// The sessions this server has read, with what was read with them,
    /// served again while neither version has moved (see [`LOAD`]).
    kept: Arc<Mutex<HashMap<String, Kept>>>,
}

/// A session as this server last read it, and what was read with it.
#[derive(Clone)]
struct Kept {
    data_version: i64,
    session_version: i64,
    read_at: std::time::Instant,
    record: Record,
    /// What [`PgSessionStore::remember`] holds after reading it.
    stored: Stored,
    signed_in: Option<SignedIn>,
    todo_count: Option<i64>,
}

/// Without the session's data and user (a password's hash among them).
impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kept")
            .field("data_version", &self.data_version)
            .field("session_version", &self.session_version)
            .field("expiry", &self.stored.expiry)
            .finish_non_exhaustive()
    }
}

impl PgSessionStore {
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            stored: Arc::default(),
            kept: Arc::default(),
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
        put(&self.stored, id, stored, MAX_REMEMBERED);
    }

    /// The session as this server kept it, unless its to-do count is too
    /// old to be served.
    fn kept(&self, id: &str) -> Option<Kept> {
        let map = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        map.get(id)
            .filter(|k| k.read_at.elapsed().as_secs() < KEPT_TODO_SECONDS)
            .cloned()
    }

    fn keep(&self, id: String, kept: Option<Kept>) {
        put(&self.kept, id, kept, MAX_KEPT);
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

/// Puts `value` under `id` (or removes the entry for `None`), in a map
/// cleared whole once it holds `max` sessions.
fn put<T>(map: &Mutex<HashMap<String, T>>, id: String, value: Option<T>, max: usize) {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    match value {
        Some(value) => {
            if map.len() >= max {
                map.clear();
            }
            map.insert(id, value);
        }
        None => {
            map.remove(&id);
        }
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
        // Read again next time: the expiry kept is now older than the row's.
        self.keep(id.clone(), None);
        self.remember(id, (updated.rows_affected() == 1).then_some(new));
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let key = id.to_string();
        let kept = self.kept(&key);
        let mut conn = self.connection().await?;
        let mut row: SessionRow = sqlx::query_as(LOAD)
            .bind(&key)
            .bind(kept.as_ref().map(|k| k.data_version))
            .bind(kept.as_ref().map(|k| k.session_version))
            .bind(kept.as_ref().map(|k| k.stored.expiry))
            .fetch_one(&mut *conn)
            .await
            .map_err(backend)?;
        lend(&self.pool, conn);
        if let Some(kept) = kept.filter(|_| !row.reloaded) {
            put_loaded(Loaded {
                signed_in: kept.signed_in,
                data_version: Some(row.data_version),
                todo_count: kept.todo_count,
            });
            self.remember(key, Some(kept.stored));
            return Ok(Some(kept.record));
        }
        let (Some(mut data), Some(expiry)) = (row.data.take(), row.expiry_date) else {
            self.keep(key.clone(), None);
            self.remember(key, None);
            put_loaded(Loaded::default());
            return Ok(None);
        };
        let signed_in = row.signed_in();
        put_loaded(Loaded {
            signed_in: signed_in.clone(),
            data_version: Some(row.data_version),
            todo_count: row.todo_count,
        });
        let record = Record::deserialize(&data).map_err(backend)?;
        // The record's data as stored is what `Stored::of` would serialise
        // it back to; taken as it is rather than serialised again. The
        // expiry is the column's, not the record's (that has nanoseconds).
        let stored = Stored {
            data: data.get_mut("data").map(serde_json::Value::take).unwrap_or_default(),
            expiry,
        };
        self.keep(
            key.clone(),
            Some(Kept {
                data_version: row.data_version,
                session_version: row.session_version,
                read_at: std::time::Instant::now(),
                record: record.clone(),
                stored: stored.clone(),
                signed_in,
                todo_count: row.todo_count,
            }),
        );
        self.remember(key, Some(stored));
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.remember(id.to_string(), None);
        self.keep(id.to_string(), None);
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
