//! The lists the review queue shows beside its rows and in them — the
//! regions, the standard codes and the rounds — kept in memory under their
//! version (`data_version.catalogue`, migration 20261209000500), which
//! changes only when one of those tables does.
//!
//! The queue is rendered fresh after every write anywhere (the page cache
//! keeps nothing across writes), and most writes are to proposals: reading
//! and sorting these lists again for each page was a third of the queue's
//! work in PostgreSQL (issue 19). The version is read in the same statement
//! as the queue's counters, before the lists themselves, so lists kept under
//! a version are at least as new as it (the page cache's reasoning).

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::PgConnection;

use super::kept::KeptAt;

/// Regions (by name), standard codes (sorted) and rounds, as one version of
/// the database has them.
#[derive(Debug, Default)]
pub struct Catalogue {
    pub regions: Vec<(i64, String)>,
    pub standard_codes: Vec<String>,
    region_names: HashMap<i64, usize>,
    round_names: HashMap<i64, String>,
}

impl Catalogue {
    fn new(regions: Vec<(i64, String)>, standard_codes: Vec<String>, rounds: Vec<(i64, String)>) -> Self {
        let region_names = regions.iter().enumerate().map(|(i, (id, _))| (*id, i)).collect();
        Self {
            regions,
            standard_codes,
            region_names,
            round_names: rounds.into_iter().collect(),
        }
    }

    pub fn region_name(&self, id: i64) -> Option<&str> {
        self.region_names.get(&id).map(|&i| self.regions[i].1.as_str())
    }

    pub fn round_name(&self, id: i64) -> Option<&str> {
        self.round_names.get(&id).map(String::as_str)
    }
}

/// The catalogue last read, under its version.
#[derive(Clone, Default)]
pub struct CatalogueCache {
    kept: KeptAt<Arc<Catalogue>>,
}

impl CatalogueCache {
    /// The catalogue of `version` (read from the database when the one kept
    /// is of another version).
    pub async fn get(&self, conn: &mut PgConnection, version: i64) -> sqlx::Result<Arc<Catalogue>> {
        match self.kept.at(version) {
            Some(kept) => Ok(kept),
            None => self.refresh(conn, version).await,
        }
    }

    /// The catalogue read afresh and kept under `version`: when the one kept
    /// is of another version, and for a page whose rows name a region or
    /// round that was added after the version was read.
    pub async fn refresh(&self, conn: &mut PgConnection, version: i64) -> sqlx::Result<Arc<Catalogue>> {
        let catalogue = Arc::new(read(conn).await?);
        self.kept.keep(version, catalogue.clone());
        Ok(catalogue)
    }
}

/// (kind, id, label), decoded by position as [`super::queue::QueueRow`].
struct Entry(String, Option<i64>, String);

impl sqlx::FromRow<'_, sqlx::postgres::PgRow> for Entry {
    fn from_row(row: &sqlx::postgres::PgRow) -> sqlx::Result<Self> {
        use sqlx::Row;
        Ok(Self(
            row.try_get_unchecked(0)?,
            row.try_get_unchecked(1)?,
            row.try_get_unchecked(2)?,
        ))
    }
}

async fn read(conn: &mut PgConnection) -> sqlx::Result<Catalogue> {
    let rows: Vec<Entry> = sqlx::query_as(
        "SELECT 'region' AS kind, id, name AS label FROM regions
         UNION ALL SELECT DISTINCT 'standard', NULL::bigint, code FROM standards
         UNION ALL SELECT 'round', id, name FROM rounds
         ORDER BY 1, 3",
    )
    .fetch_all(conn)
    .await?;
    let (mut regions, mut standard_codes, mut rounds) = (Vec::new(), Vec::new(), Vec::new());
    for Entry(kind, id, label) in rows {
        match (kind.as_str(), id) {
            ("region", Some(id)) => regions.push((id, label)),
            ("standard", _) => standard_codes.push(label),
            ("round", Some(id)) => rounds.push((id, label)),
            _ => {}
        }
    }
    Ok(Catalogue::new(regions, standard_codes, rounds))
}
