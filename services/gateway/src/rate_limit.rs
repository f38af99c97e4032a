//! Per-principal rate limits (R-GW-3), counted in Redis so that every gateway replica shares
//! one budget: a fixed one-second window per API key. When Redis is unreachable the gateway
//! lets calls through (and says so in its logs) rather than failing the whole country's
//! morning on a cache outage; it tries Redis again after a short pause.

use std::{
    sync::Mutex,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use redis::aio::ConnectionManager;
use tokio::sync::OnceCell;

use crate::keys::Principal;

/// Pause after Redis failed before trying it again.
const RETRY_AFTER: Duration = Duration::from_secs(5);

pub struct RateLimiter {
    url: String,
    connection: OnceCell<ConnectionManager>,
    down_until: Mutex<Option<Instant>>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Limited { limit: i32 },
    /// Redis could not be asked; the call is let through.
    Unchecked,
}

impl RateLimiter {
    pub fn new(redis_url: &str) -> anyhow::Result<Self> {
        redis::Client::open(redis_url)?;
        Ok(Self { url: redis_url.to_owned(), connection: OnceCell::new(), down_until: Mutex::new(None) })
    }

    /// Counts one call of `principal` in the current second.
    pub async fn check(&self, principal: &Principal) -> Verdict {
        if self.down_until.lock().expect("not poisoned").is_some_and(|until| Instant::now() < until) {
            return Verdict::Unchecked;
        }
        match self.count(principal).await {
            Ok(count) if count > i64::from(principal.rate_limit_per_second) => Verdict::Limited { limit: principal.rate_limit_per_second },
            Ok(_) => Verdict::Allowed,
            Err(error) => {
                tracing::warn!(%error, "rate limiter cannot reach redis; letting calls through");
                *self.down_until.lock().expect("not poisoned") = Some(Instant::now() + RETRY_AFTER);
                Verdict::Unchecked
            }
        }
    }

    async fn count(&self, principal: &Principal) -> redis::RedisResult<i64> {
        let connection = self.connection.get_or_try_init(|| qashyq_platform::cache::connect(&self.url)).await?;
        let second = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let key = format!("qashyq:gateway:rate:{}:{second}", principal.key_id);
        let (count,): (i64,) = redis::pipe()
            .atomic()
            .incr(&key, 1)
            .expire(&key, 2)
            .ignore()
            .query_async(&mut connection.clone())
            .await?;
        Ok(count)
    }
}
