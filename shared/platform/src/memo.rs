//! A small in-process map whose entries are served for a fixed time and then read again: the
//! hot reads' caches ("what is on today", a grade's TV day) use it. It is bounded by emptying
//! itself when full (the keys a replica sees in one TTL are few: a country's classes, a
//! campaign's dates), which keeps it free of per-entry bookkeeping on the read path.

use std::{
    collections::HashMap,
    hash::Hash,
    time::{Duration, Instant},
};

use tokio::sync::RwLock;

pub struct Memo<K, V> {
    ttl: Duration,
    max_entries: usize,
    entries: RwLock<HashMap<K, (V, Instant)>>,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self { ttl, max_entries, entries: RwLock::new(HashMap::new()) }
    }

    /// The value stored less than the TTL ago.
    pub async fn get(&self, key: &K) -> Option<V> {
        self.entries.read().await.get(key).filter(|(_, at)| at.elapsed() < self.ttl).map(|(value, _)| value.clone())
    }

    pub async fn insert(&self, key: K, value: V) {
        let mut entries = self.entries.write().await;
        if entries.len() >= self.max_entries {
            entries.clear();
        }
        entries.insert(key, (value, Instant::now()));
    }

    /// Drops the entries whose key fails `keep`.
    pub async fn retain(&self, mut keep: impl FnMut(&K) -> bool) {
        self.entries.write().await.retain(|key, _| keep(key));
    }

    pub async fn clear(&self) {
        self.entries.write().await.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn entries_expire_and_a_full_memo_starts_over() {
        let memo = Memo::new(Duration::from_millis(50), 2);
        memo.insert(1, "a").await;
        memo.insert(2, "b").await;
        assert_eq!(memo.get(&1).await, Some("a"));
        memo.insert(3, "c").await;
        assert_eq!((memo.get(&1).await, memo.get(&3).await), (None, Some("c")), "full: emptied, then the new entry");
        memo.retain(|k| *k != 3).await;
        assert_eq!(memo.get(&3).await, None);
        memo.insert(4, "d").await;
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(memo.get(&4).await, None, "expired");
    }
}
