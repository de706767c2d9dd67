//! Exports read their rows as PostgreSQL sends them, one statement, never
//! the whole result in memory: the caller writes each row out before the
//! next is read, and a slow reader slows the statement (the socket fills).

use futures_util::stream::BoxStream;
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgConnection, Postgres, QueryBuilder};

/// The rows of `query` (built by a `db` module) as a stream.
pub fn rows<'c, R>(
    conn: &'c mut PgConnection,
    query: &'c mut QueryBuilder<'static, Postgres>,
) -> BoxStream<'c, sqlx::Result<R>>
where
    R: for<'r> FromRow<'r, PgRow> + Send + Unpin + 'c,
{
    query.build_query_as::<R>().fetch(conn)
}
