//! xiaozhen (小镇): characteristic-town proposals, their evaluation against
//! the provincial standards, review, and the published creation list.
//!
//! Layers (dependencies point inward):
//! `handlers`/`routes` (web) → `domain`, `standards` (pure) and `db` (SQL).

rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod assets;
pub mod auth;
pub mod cli;
pub mod config;
pub mod csv_out;
pub mod db;
pub mod domain;
pub mod error;
pub mod handlers;
pub mod i18n;
pub mod page_cache;
pub mod routes;
pub mod services;
pub mod spatial;
pub mod standards;
pub mod state;
pub mod telemetry;
pub mod view_cache;
pub mod xlsx;

pub use routes::build_app;
pub use state::AppState;
