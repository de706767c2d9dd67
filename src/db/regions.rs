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

/// A region with its place in the tree (DESIGN: province → cities →
/// counties).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TreeRegion {
    pub id: i64,
    pub name: String,
    /// `city` or `county`.
    pub kind: String,
    pub parent_id: Option<i64>,
    pub parent_name: Option<String>,
}

impl TreeRegion {
    pub fn is_city(&self) -> bool {
        self.kind == "city"
    }
}

/// Every region with its kind and city, cities first, by name.
pub async fn tree(conn: &mut PgConnection) -> sqlx::Result<Vec<TreeRegion>> {
    sqlx::query_as(
        "SELECT r.id, r.name, r.kind, r.parent_id, c.name AS parent_name
         FROM regions r LEFT JOIN regions c ON c.id = r.parent_id
         ORDER BY r.kind = 'county', r.name",
    )
    .fetch_all(conn)
    .await
}

pub async fn get_tree(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<TreeRegion>> {
    sqlx::query_as(
        "SELECT r.id, r.name, r.kind, r.parent_id, c.name AS parent_name
         FROM regions r LEFT JOIN regions c ON c.id = r.parent_id WHERE r.id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Adds a region of `kind` (`city` or `county`); returns its id.
pub async fn insert_kind(conn: &mut PgConnection, name: &str, kind: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("INSERT INTO regions (name, kind) VALUES ($1, $2) RETURNING id")
        .bind(name.trim())
        .bind(kind)
        .fetch_one(conn)
        .await
}

/// The city of that name, created when unknown; `None` when the name is a
/// county's.
pub async fn ensure_city(conn: &mut PgConnection, name: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO regions (name, kind) VALUES ($1, 'city')
         ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
         RETURNING CASE WHEN kind = 'city' THEN id END",
    )
    .bind(name.trim())
    .fetch_one(conn)
    .await
}

/// Puts a county under a city (or under none).
pub async fn set_parent(conn: &mut PgConnection, county: i64, city: Option<i64>) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE regions SET parent_id = $2 WHERE id = $1 AND kind = 'county'")
        .bind(county)
        .bind(city)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Counties without a city, by name.
pub async fn counties_without_city(conn: &mut PgConnection) -> sqlx::Result<Vec<Region>> {
    sqlx::query_as("SELECT id, name FROM regions WHERE kind = 'county' AND parent_id IS NULL ORDER BY name")
        .fetch_all(conn)
        .await
}
