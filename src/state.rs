//! The one application state every handler shares.

use std::sync::Arc;

use sqlx::PgPool;

use crate::config::Config;
use crate::db::catalogue::CatalogueCache;
use crate::db::evaluations::EvaluationCache;
use crate::db::queue::KeptCounters;
use crate::page_cache::PageCache;
use crate::view_cache::ViewCache;

/// About 32 MB of decoded evaluations: some 500 proposals' reports.
const EVALUATION_CACHE_BYTES: u64 = 32 << 20;

/// Built views of evaluations (a report's findings, chart and data: some
/// 40 KB each): about 40 MB.
const VIEWS_KEPT: usize = 1_000;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    /// The streamed downloads' own connections ([`crate::db::export_pool`]).
    pub exports: PgPool,
    pub config: Arc<Config>,
    pub pages: PageCache,
    /// Decoded evaluations: they never change, so pages rendered fresh
    /// need not decode them again.
    pub evaluations: EvaluationCache,
    /// What pages build of immutable records, per language.
    pub views: ViewCache,
    /// The regions, standard codes and rounds the review queue shows, kept
    /// until one of them changes.
    pub catalogue: CatalogueCache,
    /// The review queue's counters, kept while the data version stands.
    pub counters: KeptCounters,
}

impl AppState {
    pub fn new(db: PgPool, config: Config) -> Self {
        Self {
            exports: crate::db::export_pool(&db),
            db,
            pages: PageCache::new(config.page_cache_bytes),
            evaluations: EvaluationCache::new(EVALUATION_CACHE_BYTES),
            views: ViewCache::new(VIEWS_KEPT),
            catalogue: CatalogueCache::default(),
            counters: KeptCounters::default(),
            config: Arc::new(config),
        }
    }
}
