//! What pages build from records that never change, kept built.
//!
//! An evaluation is immutable (a trigger refuses UPDATE and DELETE), so
//! what a page makes of it — the report's findings rows, its chart, the
//! data as evaluated — is the same every time for one language. Unlike the
//! page cache, which every write empties, these stay valid across writes,
//! so a report rendered fresh after a write elsewhere builds only the parts
//! that may have changed (the review panel, overrides, materials).
//!
//! A view is kept under its kind, the record's id and creation time (a
//! database restored under a running server may reuse an id, not with the
//! same creation time) and the language.

use std::any::Any;
use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use quick_cache::sync::Cache;

use crate::domain::Lang;

type Key = (&'static str, i64, i64, Lang);

#[derive(Clone)]
pub struct ViewCache {
    views: Arc<Cache<Key, Arc<dyn Any + Send + Sync>>>,
}

impl ViewCache {
    /// Keeps at most `items` views.
    pub fn new(items: usize) -> Self {
        Self {
            views: Arc::new(Cache::new(items.max(1))),
        }
    }

    /// The `kind` view of record `id` created at `created` in `lang`, built
    /// by `build` when not kept.
    pub async fn get_or_build<T, E, F>(
        &self,
        kind: &'static str,
        id: i64,
        created: DateTime<Utc>,
        lang: Lang,
        build: F,
    ) -> Result<Arc<T>, E>
    where
        T: Any + Send + Sync,
        F: Future<Output = Result<T, E>>,
    {
        let key = (kind, id, created.timestamp_micros(), lang);
        if let Some(kept) = self.views.get(&key)
            && let Ok(view) = kept.downcast::<T>()
        {
            return Ok(view);
        }
        let view = Arc::new(build.await?);
        self.views.insert(key, view.clone());
        Ok(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[tokio::test]
    async fn a_view_is_built_once_per_record_time_and_language() {
        let cache = ViewCache::new(16);
        let at = Utc.with_ymd_and_hms(2026, 12, 6, 8, 0, 0).unwrap();
        let count = std::sync::atomic::AtomicUsize::new(0);
        let built = &count;
        // Counts when it runs: a kept view never awaits its builder.
        let build = |text: &'static str| async move {
            built.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok::<_, ()>(text.to_owned())
        };
        let a = cache.get_or_build("t", 1, at, Lang::Zh, build("甲")).await.unwrap();
        let again = cache.get_or_build("t", 1, at, Lang::Zh, build("乙")).await.unwrap();
        assert_eq!((a.as_str(), again.as_str()), ("甲", "甲"));
        // Another language, another creation time: built anew.
        let en = cache.get_or_build("t", 1, at, Lang::En, build("A")).await.unwrap();
        let later = at + chrono::Duration::microseconds(1);
        let restored = cache.get_or_build("t", 1, later, Lang::Zh, build("丙")).await.unwrap();
        assert_eq!((en.as_str(), restored.as_str()), ("A", "丙"));
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 3);
        // A kept view of another type is not taken for this one.
        let number = cache
            .get_or_build("t", 1, at, Lang::Zh, async { Ok::<_, ()>(7_u32) })
            .await
            .unwrap();
        assert_eq!(*number, 7);
    }
}
