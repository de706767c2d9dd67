//! The session store: tower-sessions records kept as JSONB in `sessions`.
//!
//! Why not tower-sessions-sqlx-store: it encodes records with MessagePack,
//! which cannot carry serde_json's arbitrary-precision numbers (we need
//! those so that a decimal typed into the API is read exactly, never through
//! f64). JSON carries them losslessly.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

#[derive(Debug, Clone)]
pub struct PgSessionStore {
    pool: PgPool,
}

impl PgSessionStore {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Removes expired sessions; run now and then by the server.
    pub async fn delete_expired(&self) -> sqlx::Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expiry_date < now()")
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
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
        let data = serde_json::to_value(&*record).map_err(backend)?;
        // A new id that happens to exist already is drawn again.
        loop {
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
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_value(record).map_err(backend)?;
        sqlx::query(
            "INSERT INTO sessions (id, data, expiry_date) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, expiry_date = EXCLUDED.expiry_date",
        )
        .bind(record.id.to_string())
        .bind(data)
        .bind(expiry(record))
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let data: Option<serde_json::Value> =
            sqlx::query_scalar("SELECT data FROM sessions WHERE id = $1 AND expiry_date > now()")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        data.map(|d| serde_json::from_value(d).map_err(backend)).transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
