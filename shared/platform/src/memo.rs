//! A small in-process map whose entries are served for a fixed time and then read again: the
//! hot reads' caches ("what is on today", a grade's TV day) use it. It is bounded by emptying
//! itself when full (the keys a replica sees in one TTL are few: a country's classes, a
//! campaign's dates), which keeps it free of per-entry bookkeeping on the read path.

use std::{
    collections::HashMap,
    hash::{BuildHasher, Hash, RandomState},
    time::{Duration, Instant},
};

use tokio::sync::{Mutex, RwLock};

pub struct Memo<K, V> {
    ttl: Duration,
    max_entries: usize,
    entries: RwLock<HashMap<K, (V, Instant)>>,
    /// Taken by a caller that missed in [`Memo::get_or_fill`], so that a burst of concurrent
    /// misses of one key (every caller at start, or when a hot entry expires under load) computes
    /// the value once instead of once per caller. Keys share these locks by hash, so misses of
    /// different keys rarely wait for each other.
    filling: Vec<Mutex<()>>,
    hasher: RandomState,
}

/// Fill locks of a memo.
const FILL_LOCKS: usize = 64;

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self { ttl, max_entries, entries: RwLock::new(HashMap::new()), filling: (0..FILL_LOCKS).map(|_| Mutex::new(())).collect(), hasher: RandomState::new() }
    }

    /// The value stored less than the TTL ago, or the one `fill` computes (and stores) when
    /// there is none: while one caller fills, the others wait for it and then read its value.
    /// A failed fill stores nothing.
    pub async fn get_or_fill<E, F, Fut>(&self, key: K, fill: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(value) = self.get(&key).await {
            return Ok(value);
        }
        let lock = usize::try_from(self.hasher.hash_one(&key) % FILL_LOCKS as u64).unwrap_or(0);
        let _filling = self.filling[lock].lock().await;
        if let Some(value) = self.get(&key).await {
            return Ok(value);
        }
        let value = fill().await?;
        self.insert(key, value.clone()).await;
        Ok(value)
    }

    /// Drops one entry.
    pub async fn remove(&self, key: &K) {
        self.entries.write().await.remove(key);
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_misses_fill_once_and_a_failed_fill_stores_nothing() {
        let memo = std::sync::Arc::new(Memo::new(Duration::from_secs(60), 10));
        let fills = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let callers: Vec<_> = (0..16)
            .map(|_| {
                let (memo, fills) = (memo.clone(), fills.clone());
                tokio::spawn(async move {
                    memo.get_or_fill("day", || async {
                        fills.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok::<_, ()>(7)
                    })
                    .await
                })
            })
            .collect();
        for caller in callers {
            assert_eq!(caller.await.unwrap(), Ok(7));
        }
        assert_eq!(fills.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(memo.get_or_fill("other", || async { Err::<i32, _>("down") }).await, Err("down"));
        assert_eq!(memo.get(&"other").await, None);
        memo.remove(&"day").await;
        assert_eq!(memo.get(&"day").await, None);
    }
}
