//! The one application state every handler shares.

use std::sync::Arc;

use sqlx::PgPool;

use crate::config::Config;
use crate::page_cache::PageCache;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub config: Arc<Config>,
    pub pages: PageCache,
}

impl AppState {
    pub fn new(db: PgPool, config: Config) -> Self {
        Self {
            db,
            pages: PageCache::new(config.page_cache_bytes),
            config: Arc::new(config),
        }
    }
}
