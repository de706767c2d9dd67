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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

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
            let inserted = sqlx::query(
                "INSERT INTO sessions (id, data, expiry_date) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
            )
            .bind(record.id.to_string())
            .bind(&data)
            .bind(expiry(record))
            .execute(&self.pool)
            .await
            .map_err(backend)?;
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
        sqlx::query(
            "INSERT INTO sessions (id, data, expiry_date) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, expiry_date = EXCLUDED.expiry_date",
        )
        .bind(&id)
        .bind(data)
        .bind(new.expiry)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        self.remember(id, Some(new));
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let key = id.to_string();
        let row: Option<(serde_json::Value, DateTime<Utc>)> =
            sqlx::query_as("SELECT data, expiry_date FROM sessions WHERE id = $1 AND expiry_date > now()")
                .bind(&key)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        let Some((data, expiry)) = row else {
            self.remember(key, None);
            return Ok(None);
        };
        let record: Record = serde_json::from_value(data).map_err(backend)?;
        // The stored expiry column, not the record's (it has nanoseconds).
        let stored = Stored {
            expiry,
            ..Stored::of(&record)?
        };
        self.remember(key, Some(stored));
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.remember(id.to_string(), None);
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
