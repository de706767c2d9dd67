//! One value kept in memory under the version it was read at: the review
//! queue's catalogue (under `data_version.catalogue`) and its counters
//! (under the data version read with the session). There is one database,
//! and a version once superseded is never asked for again, so one entry is
//! enough.

use std::sync::{Arc, Mutex, MutexGuard};

pub struct KeptAt<T> {
    kept: Arc<Mutex<Option<(i64, T)>>>,
}

impl<T> Default for KeptAt<T> {
    fn default() -> Self {
        Self { kept: Arc::default() }
    }
}

impl<T> Clone for KeptAt<T> {
    fn clone(&self) -> Self {
        Self {
            kept: self.kept.clone(),
        }
    }
}

impl<T: Clone> KeptAt<T> {
    /// The value kept under `version`, if that is the version kept.
    pub fn at(&self, version: i64) -> Option<T> {
        match &*self.lock() {
            Some((kept, value)) if *kept == version => Some(value.clone()),
            _ => None,
        }
    }

    /// Keeps `value` under `version`, in place of whatever was kept.
    pub fn keep(&self, version: i64, value: T) {
        *self.lock() = Some((version, value));
    }

    /// The entry is replaced whole, so a panic elsewhere while the lock was
    /// held cannot leave it half-written: a poisoned lock is taken as is.
    fn lock(&self) -> MutexGuard<'_, Option<(i64, T)>> {
        self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
