//! Unwrapped data keys, kept briefly in memory so a chart page does not
//! unwrap the same key for every field. Small and bounded: an entry expires
//! after a few minutes, the oldest goes first when it is full, and a key is
//! wiped when its last user drops it (the AES key schedule zeroizes itself).

use super::{Scope, sealed::FieldKey};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// An unwrapped data key and whose it is.
#[derive(Clone, Debug)]
pub struct DataKey {
    pub key: Arc<FieldKey>,
    pub scope: Scope,
}

#[derive(Debug)]
pub struct DekCache {
    entries: Mutex<HashMap<u32, (DataKey, Instant)>>,
    capacity: usize,
    ttl: Duration,
}

impl DekCache {
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            entries: Mutex::new(HashMap::with_capacity(capacity)),
            capacity,
            ttl,
        }
    }

    pub fn get(&self, id: u32) -> Option<DataKey> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(&id) {
            Some((key, at)) if at.elapsed() < self.ttl => Some(key.clone()),
            Some(_) => {
                entries.remove(&id);
                None
            }
            None => None,
        }
    }

    pub fn put(&self, id: u32, key: DataKey) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let ttl = self.ttl;
        entries.retain(|_, (_, at)| at.elapsed() < ttl);
        if entries.len() >= self.capacity && !entries.contains_key(&id) {
            let oldest = entries
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(id, _)| *id);
            if let Some(oldest) = oldest {
                entries.remove(&oldest);
            }
        }
        entries.insert(id, (key, Instant::now()));
    }

    /// Forgets a key (it was rotated away or destroyed).
    pub fn forget(&self, id: u32) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn key(id: u32) -> DataKey {
        DataKey {
            key: Arc::new(FieldKey::new(id, [id as u8; 32])),
            scope: Scope {
                organization_id: Uuid::nil(),
                patient_id: None,
                purpose: crate::backend::vault::Purpose::Record,
            },
        }
    }

    #[test]
    fn it_holds_at_most_its_capacity_and_drops_the_oldest() {
        let cache = DekCache::new(2, Duration::from_secs(60));
        cache.put(1, key(1));
        cache.put(2, key(2));
        cache.put(3, key(3));
        assert_eq!(cache.len(), 2);
        assert!(cache.get(1).is_none());
        assert!(cache.get(2).is_some() && cache.get(3).is_some());
        cache.forget(2);
        assert!(cache.get(2).is_none());
    }

    #[test]
    fn entries_expire() {
        let cache = DekCache::new(4, Duration::ZERO);
        cache.put(1, key(1));
        assert!(cache.get(1).is_none());
        assert!(cache.is_empty());
    }
}
