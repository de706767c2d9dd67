//! All SQL lives here: one module per aggregate, functions taking a
//! connection or transaction, bound parameters only. Queries use
//! `sqlx::query_as` (checked at run time) rather than the compile-time
//! macros, so that building needs no database; every query is exercised by
//! the integration tests.

pub mod audit;
pub mod batches;
pub mod boundaries;
pub mod catalogue;
pub mod creation;
pub mod dashboard;
pub mod embedded;
pub mod evaluations;
pub mod experts;
pub mod export;
pub mod kept;
pub mod login_attempts;
pub mod materials;
pub mod objections;
pub mod panels;
pub mod proposals;
pub mod queue;
pub mod regions;
pub mod report;
pub mod reviews;
pub mod rounds;
pub mod score_sheets;
pub mod self_assessments;
pub mod sessions;
pub mod spreadsheets;
pub mod standards;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};

use crate::config::DbArgs;
use embedded::{Cluster, Reuse};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connects to `DATABASE_URL`, or starts the private cluster. The cluster,
/// when one was started, must be stopped by the caller after the pool closes.
pub async fn open(args: &DbArgs, reuse: Reuse) -> anyhow::Result<(PgPool, Option<Cluster>)> {
    match &args.database_url {
        Some(url) => Ok((connect(url).await?, None)),
        None => {
            let cluster = Cluster::open(&args.data_dir, args.pg_bin.as_deref(), reuse).await?;
            match connect(cluster.database_url()).await {
                Ok(pool) => Ok((pool, Some(cluster))),
                Err(err) => {
                    let _ = cluster.stop().await;
                    Err(err)
                }
            }
        }
    }
}

/// The target of the event logged each time a connection is taken from a
/// pool (at trace level): what the tests count connections by.
pub const POOL_EVENTS: &str = "xiaozhen::db::pool";

/// A pooled connection idle this long is checked before it is used.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

/// A pool on `url`, creating the database first when it is missing.
pub async fn connect(url: &str) -> anyhow::Result<PgPool> {
    let options = PgConnectOptions::from_str(url).context("DATABASE_URL is not a valid PostgreSQL URL")?;
    create_database_if_missing(&options).await?;
    pool(options).await
}

/// The pages' pool: `XIAOZHEN_DB_POOL` connections, else
/// [`default_pool_size`] for this machine's cores.
pub async fn pool(options: PgConnectOptions) -> anyhow::Result<PgPool> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let max = env_size("XIAOZHEN_DB_POOL").unwrap_or_else(|| default_pool_size(cores));
    pool_of(options, max).await
}

/// Twice the cores, 4 to 16. More connections than PostgreSQL has cores to
/// run them do not serve more pages: its backends then take turns and evict
/// each other's caches (on two cores, the report's statements cost 195 µs
/// with 4 clients and 321 µs with 16; issue 19). Every request holds at
/// most one connection at a time (the API suite runs its server on one), so
/// a small pool cannot starve itself.
pub fn default_pool_size(cores: usize) -> u32 {
    u32::try_from(cores.saturating_mul(2)).unwrap_or(u32::MAX).clamp(4, 16)
}

/// Connections of the downloads' pool (`XIAOZHEN_DB_EXPORT_POOL`).
const EXPORT_POOL: u32 = 4;

/// The pool the streamed downloads read from, beside the pages' own: a
/// download holds its connection until the browser has taken the last row,
/// however slowly it reads, and slow downloads must not take the
/// connections pages need. Opened lazily, with the pages' pool's settings.
pub fn export_pool(pages: &PgPool) -> PgPool {
    let max = env_size("XIAOZHEN_DB_EXPORT_POOL").unwrap_or(EXPORT_POOL);
    options(max).connect_lazy_with((*pages.connect_options()).clone())
}

fn env_size(name: &str) -> Option<u32> {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0)
}

/// A pool of at most `max` connections.
pub async fn pool_of(options: PgConnectOptions, max: u32) -> anyhow::Result<PgPool> {
    self::options(max)
        .connect_with(options)
        .await
        .context("cannot connect to the PostgreSQL server of DATABASE_URL; is it running?")
}

fn options(max: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max)
        // A request must not wait long for a dead database: /healthz and
        // pages answer 503 instead.
        .acquire_timeout(Duration::from_secs(3))
        // sqlx pings every connection it hands out by default: a round trip
        // per acquire, as costly as a small query. A connection used moments
        // ago is known to be alive; only one idle for a while is pinged (a
        // restarted server leaves dead ones behind, and those are dropped).
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                tracing::trace!(target: POOL_EVENTS, "connection taken from the pool");
                if meta.idle_for >= PING_WHEN_IDLE_FOR {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

async fn create_database_if_missing(options: &PgConnectOptions) -> anyhow::Result<()> {
    use sqlx::Connection;
    let name = options.get_database().unwrap_or("postgres").to_owned();
    match sqlx::PgConnection::connect_with(options).await {
        Ok(conn) => {
            let _ = conn.close().await;
            Ok(())
        }
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("3D000") => {
            let mut admin = sqlx::PgConnection::connect_with(&options.clone().database("postgres"))
                .await
                .with_context(|| format!("database {name} does not exist and cannot be created"))?;
            // Identifiers cannot be bound; quote it the SQL way.
            let quoted = format!("\"{}\"", name.replace('"', "\"\""));
            sqlx::query(&format!("CREATE DATABASE {quoted}"))
                .execute(&mut admin)
                .await
                .with_context(|| format!("database {name} does not exist and this user may not create it"))?;
            let _ = admin.close().await;
            Ok(())
        }
        Err(err) => {
            Err(anyhow::Error::new(err)
                .context("cannot connect to the PostgreSQL server of DATABASE_URL; is it running?"))
        }
    }
}

pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await.context("database migration failed")
}

/// A connection of `pool` for this request: the one its session was read
/// on while the request has it (see [`sessions`]), else one from the pool.
/// Outside a request, simply one from the pool.
///
/// A request that turns to another pool (a download to the downloads'
/// pool) gives the kept connection back first: it must never hold one
/// connection idle while it waits for another.
pub async fn acquire(pool: &PgPool) -> sqlx::Result<PoolConnection<Postgres>> {
    match sessions::take_lent(pool) {
        Some(conn) => Ok(conn),
        None => {
            release_kept();
            pool.acquire().await
        }
    }
}

/// Gives this request's kept connection (see [`acquire`]) back to its pool,
/// for a request about to wait on something else.
pub fn release_kept() {
    sessions::return_lent();
}

/// Whether the database answers a trivial statement (the health probe).
pub async fn answers(pool: &PgPool) -> sqlx::Result<()> {
    let mut conn = acquire(pool).await?;
    sqlx::query("SELECT 1").execute(&mut *conn).await.map(|_| ())
}

/// A transaction on `pool`. The request's kept connection goes back to the
/// pool first, so that the request never holds two (sqlx begins its owned
/// transactions on a connection it acquires itself).
pub async fn begin(pool: &PgPool) -> sqlx::Result<Transaction<'static, Postgres>> {
    release_kept();
    pool.begin().await
}

/// True when the error is a unique-constraint violation (23505).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.code().as_deref() == Some("23505"))
}

#[cfg(test)]
mod tests {
    use super::default_pool_size;

    #[test]
    fn the_pages_pool_is_twice_the_cores_from_4_to_16() {
        let sizes: Vec<u32> = [1, 2, 3, 4, 8, 9, 64].into_iter().map(default_pool_size).collect();
        assert_eq!(sizes, [4, 4, 6, 8, 16, 16, 16]);
    }
}
