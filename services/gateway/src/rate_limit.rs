//! Per-principal rate limits (R-GW-3), counted in Redis so that every gateway replica shares
//! one budget: a fixed one-second window per API key.
//!
//! A call does not wait for Redis: each replica counts its calls in memory and adds them to the
//! shared count every [`FLUSH_EVERY`] (one pipelined INCRBY per active key), learning the other
//! replicas' calls from the totals Redis returns. A call is judged on the shared total last seen
//! plus this replica's calls since; with R replicas a key can overshoot its limit by at most what
//! the others send in one flush interval. Counting per call in Redis cost a round trip on every
//! call and capped the gateway's throughput (`make bench`).
//!
//! When Redis is unreachable the gateway lets calls through (and says so in its logs) rather
//! than failing the whole country's morning on a cache outage; it tries Redis again after a
//! short pause.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use redis::aio::ConnectionManager;
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::keys::Principal;

/// Pause after Redis failed before trying it again.
const RETRY_AFTER: Duration = Duration::from_secs(5);
/// How often local counts are added to the shared ones.
pub const FLUSH_EVERY: Duration = Duration::from_millis(50);

/// One key's current second.
#[derive(Debug, Default)]
struct Window {
    second: u64,
    /// Calls here not yet added to Redis.
    pending: i64,
    /// The shared count of the second as Redis last returned it.
    shared: i64,
}

pub struct RateLimiter {
    url: String,
    connection: OnceCell<ConnectionManager>,
    down_until: Mutex<Option<Instant>>,
    windows: Mutex<HashMap<Uuid, Window>>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Limited {
        limit: i32,
    },
    /// Redis could not be asked; the call is let through.
    Unchecked,
}

fn current_second() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn redis_key(key_id: Uuid, second: u64) -> String {
    format!("qashyq:gateway:rate:{key_id}:{second}")
}

impl RateLimiter {
    pub fn new(redis_url: &str) -> anyhow::Result<Self> {
        redis::Client::open(redis_url)?;
        Ok(Self { url: redis_url.to_owned(), connection: OnceCell::new(), down_until: Mutex::new(None), windows: Mutex::new(HashMap::new()) })
    }

    fn is_down(&self) -> bool {
        self.down_until.lock().expect("not poisoned").is_some_and(|until| Instant::now() < until)
    }

    /// Counts one call of `principal` in the current second.
    pub async fn check(&self, principal: &Principal) -> Verdict {
        if self.is_down() {
            return Verdict::Unchecked;
        }
        let second = current_second();
        let mut windows = self.windows.lock().expect("not poisoned");
        let window = windows.entry(principal.key_id).or_default();
        if window.second != second {
            *window = Window { second, pending: 0, shared: 0 };
        }
        window.pending += 1;
        if window.shared + window.pending > i64::from(principal.rate_limit_per_second) {
            Verdict::Limited { limit: principal.rate_limit_per_second }
        } else {
            Verdict::Allowed
        }
    }

    /// Adds the local counts to the shared ones every [`FLUSH_EVERY`] until shutdown.
    pub async fn run(self: std::sync::Arc<Self>, shutdown: CancellationToken) {
        let mut ticks = tokio::time::interval(FLUSH_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = ticks.tick() => {}
            }
            if self.is_down() {
                continue;
            }
            if let Err(error) = self.flush().await {
                tracing::warn!(%error, "rate limiter cannot reach redis; letting calls through");
                *self.down_until.lock().expect("not poisoned") = Some(Instant::now() + RETRY_AFTER);
                // What was not added is forgotten: calls pass while Redis is away anyway.
                self.windows.lock().expect("not poisoned").clear();
            }
        }
    }

    /// One round trip: every key's pending calls added, the totals read back. With nothing
    /// pending it pings, so an outage is noticed before the next burst of calls.
    async fn flush(&self) -> redis::RedisResult<()> {
        let now = current_second();
        let batch: Vec<(Uuid, u64, i64)> = {
            let mut windows = self.windows.lock().expect("not poisoned");
            windows.retain(|_, w| w.second + 1 >= now);
            windows
                .iter_mut()
                .filter(|(_, w)| w.pending > 0)
                .map(|(id, w)| {
                    let pending = std::mem::take(&mut w.pending);
                    (*id, w.second, pending)
                })
                .collect()
        };
        let connection = self.connection.get_or_try_init(|| qashyq_platform::cache::connect(&self.url)).await?;
        let mut connection = connection.clone();
        if batch.is_empty() {
            let _: String = redis::cmd("PING").query_async(&mut connection).await?;
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for (id, second, pending) in &batch {
            let key = redis_key(*id, *second);
            pipe.incr(&key, *pending).expire(&key, 2).ignore();
        }
        let totals: Vec<i64> = pipe.query_async(&mut connection).await?;
        let mut windows = self.windows.lock().expect("not poisoned");
        for ((id, second, _), total) in batch.iter().zip(totals) {
            if let Some(window) = windows.get_mut(id)
                && window.second == *second
            {
                window.shared = window.shared.max(total);
            }
        }
        Ok(())
    }
}
