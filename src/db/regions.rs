use sqlx::PgConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Region {
    pub id: i64,
    pub name: String,
}

pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<Region>> {
    sqlx::query_as("SELECT id, name FROM regions ORDER BY name")
        .fetch_all(conn)
        .await
}

pub async fn find_by_name(conn: &mut PgConnection, name: &str) -> sqlx::Result<Option<Region>> {
    sqlx::query_as("SELECT id, name FROM regions WHERE name = $1")
        .bind(name)
        .fetch_optional(conn)
        .await
}

/// The region of that name, created when unknown.
pub async fn ensure(conn: &mut PgConnection, name: &str) -> sqlx::Result<Region> {
    sqlx::query_as(
        "INSERT INTO regions (name) VALUES ($1)
         ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
         RETURNING id, name",
    )
    .bind(name.trim())
    .fetch_one(conn)
    .await
}
