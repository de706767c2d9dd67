//! Login attempts, as the throttle counts them (`domain::throttle`).
//!
//! Checking the limits and counting the attempt happen under one lock per
//! address, in one short transaction, before the password is checked: the
//! attempt is recorded as pending (`succeeded` NULL), which counts as a
//! failure until [`resolve`] records the outcome. So twenty requests sent
//! at once from one address are counted one after the other, and at most
//! the limit's number of them ever reach the password check.

use sqlx::PgPool;

use crate::domain::throttle::{self, Limit};

/// What the throttle decided for one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Go ahead: the attempt is counted (as pending) under `attempt_id`;
    /// the account has `account_failures` recent failures from anywhere.
    Granted { attempt_id: i64, account_failures: i64 },
    /// Refused, without checking the password: `limit` is reached and stays
    /// so for `retry_after_seconds`.
    Refused { limit: Limit, retry_after_seconds: i64 },
}

#[derive(sqlx::FromRow)]
struct Counts {
    pair: i64,
    address: i64,
    account: i64,
}

/// Checks the limits for (`username`, `address`) and, if none is reached,
/// counts the attempt.
pub async fn reserve(db: &PgPool, username: &str, address: &str) -> sqlx::Result<Reservation> {
    let window = throttle::WINDOW_MINUTES;
    let mut tx = crate::db::begin(db).await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('login:' || $1, 0))")
        .bind(address)
        .execute(&mut *tx)
        .await?;
    let counts: Counts = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE a.username = $1) AS pair, count(*) AS address,
                (SELECT count(*) FROM login_attempts x
                 WHERE x.username = $1 AND x.succeeded IS NOT TRUE
                   AND x.at > now() - make_interval(mins => $3)) AS account
         FROM login_attempts a
         WHERE a.address = $2 AND a.succeeded IS NOT TRUE AND a.at > now() - make_interval(mins => $3)",
    )
    .bind(username)
    .bind(address)
    .bind(window)
    .fetch_one(&mut *tx)
    .await?;
    if let Some(limit) = throttle::exceeded(counts.pair, counts.address) {
        // The limit is lifted when the limit-th newest failure it counts
        // leaves the window.
        let retry_after_seconds: Option<i64> = sqlx::query_scalar(
            "SELECT ceil(extract(epoch FROM at + make_interval(mins => $4) - now()))::bigint
             FROM login_attempts
             WHERE address = $2 AND ($5 OR username = $1) AND succeeded IS NOT TRUE
               AND at > now() - make_interval(mins => $4)
             ORDER BY at DESC OFFSET $3 - 1 LIMIT 1",
        )
        .bind(username)
        .bind(address)
        .bind(limit.max_failures())
        .bind(window)
        .bind(limit == Limit::Address)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(Reservation::Refused {
            limit,
            retry_after_seconds: retry_after_seconds.unwrap_or(1).max(1),
        });
    }
    let attempt_id = sqlx::query_scalar(
        "INSERT INTO login_attempts (username, address, succeeded) VALUES ($1, $2, NULL) RETURNING id",
    )
    .bind(username)
    .bind(address)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Reservation::Granted {
        attempt_id,
        account_failures: counts.account,
    })
}

/// Records how a granted attempt ended.
pub async fn resolve(db: &PgPool, attempt_id: i64, succeeded: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE login_attempts SET succeeded = $2 WHERE id = $1")
        .bind(attempt_id)
        .bind(succeeded)
        .execute(&mut *super::acquire(db).await?)
        .await?;
    Ok(())
}

/// Forgets attempts older than a day: the throttle looks back
/// `WINDOW_MINUTES` only, and an attacker's stream of attempts must not grow
/// the table without end.
pub async fn delete_old(db: &PgPool) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM login_attempts WHERE at < now() - interval '1 day'")
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
