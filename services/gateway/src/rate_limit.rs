//! Per-principal rate limits (R-GW-3) as a generic cell rate algorithm (GCRA), one budget shared
//! by every gateway replica through Redis.
//!
//! A principal allowed `r` calls a second has an emission interval `T = 1/r` and may burst up to
//! one second's worth (`τ = r·T`). Its state is one number, the theoretical arrival time (TAT): a
//! call at `now` is allowed when `max(TAT, now) + T − τ ≤ now`, and moves TAT on by `T`; a refused
//! call learns when it could pass (`max(TAT, now) + T − τ − now`), sent back as a `RetryInfo`.
//!
//! A call does not wait for Redis: each replica judges calls on the TAT it last learnt plus its
//! own calls since, and every [`FLUSH_EVERY`] adds them to the shared TAT in one round trip (a Lua
//! script per principal, pipelined) and learns the others'. With R replicas a principal can
//! overshoot by at most what the others let through in one flush interval. Asking Redis on every
//! call cost a round trip per call and capped the gateway's throughput (`make bench`).
//!
//! **When Redis is unreachable** each replica goes on limiting on its own: the same algorithm on
//! the calls it sees, so a principal gets at most its rate per replica (R× in all) instead of
//! either no limit or no service. The gateway logs it, counts it
//! (`qashyq_rate_limit_degraded_total`), and tries Redis again every [`RETRY_AFTER`]; when Redis is
//! back the shared TAT takes over again.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use redis::{Script, aio::ConnectionManager};
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Pause after Redis failed before trying it again.
const RETRY_AFTER: Duration = Duration::from_secs(5);
/// How often local calls are added to the shared state.
pub const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// How long after its last call here a principal's shared TAT is still refreshed every flush.
const ACTIVE_FOR: Duration = Duration::from_secs(2);
/// Principals kept; the least recently seen go first beyond it (their state is in Redis anyway).
const MAX_CELLS: usize = 100_000;

/// Adds `n` emission intervals to a principal's TAT and returns it (µs since the epoch). The TAT
/// never lags `now`: idle time does not pile up as credit beyond the burst.
const ADVANCE: &str = r"
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local now = tonumber(ARGV[1])
if tat < now then tat = now end
tat = tat + tonumber(ARGV[2]) * tonumber(ARGV[3])
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
return string.format('%.0f', tat)
";

/// A principal's limit: calls per second (its burst is one second's worth).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate(pub u32);

impl Rate {
    fn interval_us(self) -> f64 {
        1_000_000.0 / f64::from(self.0.max(1))
    }

    fn tolerance_us(self) -> f64 {
        self.interval_us() * f64::from(self.0.max(1))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    Allowed,
    /// Refused; the call could pass after this long.
    Limited {
        limit: u32,
        retry_after: Duration,
    },
}

/// One principal's state on this replica.
#[derive(Debug)]
struct Cell {
    rate: Rate,
    /// The TAT: the shared one as last learnt from Redis, moved on by every call allowed here
    /// since (alone while Redis is away), µs since the epoch.
    tat_us: f64,
    /// Calls allowed here not yet added to the shared TAT.
    pending: u32,
    seen: Instant,
}

fn now_us() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_micros() as f64)
}

fn redis_key(principal: Uuid) -> String {
    format!("qashyq:gateway:gcra:{principal}")
}

/// The GCRA decision for one call, on a TAT that already counts `pending` calls.
fn decide(rate: Rate, tat_us: f64, now_us: f64) -> Result<f64, Duration> {
    let start = tat_us.max(now_us);
    let allow_at = start + rate.interval_us() - rate.tolerance_us();
    if allow_at <= now_us { Ok(start + rate.interval_us()) } else { Err(Duration::from_micros((allow_at - now_us).ceil() as u64)) }
}

pub struct RateLimiter {
    url: String,
    connection: OnceCell<ConnectionManager>,
    script: Script,
    down_until: Mutex<Option<Instant>>,
    cells: Mutex<HashMap<Uuid, Cell>>,
}

impl RateLimiter {
    pub fn new(redis_url: &str) -> anyhow::Result<Self> {
        redis::Client::open(redis_url)?;
        Ok(Self {
            url: redis_url.to_owned(),
            connection: OnceCell::new(),
            script: Script::new(ADVANCE),
            down_until: Mutex::new(None),
            cells: Mutex::new(HashMap::new()),
        })
    }

    /// Whether Redis is being left alone after a failure (this replica limits on its own).
    pub fn degraded(&self) -> bool {
        self.down_until.lock().expect("not poisoned").is_some_and(|until| Instant::now() < until)
    }

    /// Judges one call of `principal`, allowed `rate` calls a second.
    pub fn check(&self, principal: Uuid, rate: Rate) -> Verdict {
        let now = now_us();
        let mut cells = self.cells.lock().expect("not poisoned");
        if cells.len() >= MAX_CELLS && !cells.contains_key(&principal) {
            let oldest = cells.iter().min_by_key(|(_, c)| c.seen).map(|(id, _)| *id);
            if let Some(oldest) = oldest {
                cells.remove(&oldest);
            }
        }
        let cell = cells.entry(principal).or_insert(Cell { rate, tat_us: 0.0, pending: 0, seen: Instant::now() });
        cell.rate = rate;
        cell.seen = Instant::now();
        match decide(rate, cell.tat_us, now) {
            Ok(tat) => {
                cell.tat_us = tat;
                cell.pending += 1;
                Verdict::Allowed
            }
            Err(retry_after) => Verdict::Limited { limit: rate.0, retry_after },
        }
    }

    /// Adds the local calls to the shared TATs every [`FLUSH_EVERY`] until shutdown.
    pub async fn run(self: std::sync::Arc<Self>, shutdown: CancellationToken) {
        let mut ticks = tokio::time::interval(FLUSH_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = ticks.tick() => {}
            }
            if self.degraded() {
                self.absorb_locally();
                continue;
            }
            if let Err(error) = self.flush().await {
                tracing::warn!(%error, "rate limiter cannot reach redis; each replica limits on its own until it is back");
                qashyq_platform::metrics::instruments().rate_limit_degraded.add(1, &[qashyq_platform::metrics::service("gateway")]);
                *self.down_until.lock().expect("not poisoned") = Some(Instant::now() + RETRY_AFTER);
                self.absorb_locally();
            }
        }
    }

    /// Without Redis: the calls let through stay in this replica's own TAT only.
    fn absorb_locally(&self) {
        for cell in self.cells.lock().expect("not poisoned").values_mut() {
            cell.pending = 0;
        }
    }

    /// One round trip: every principal's pending calls added to its shared TAT, which comes
    /// back. With nothing pending it pings, so an outage is noticed before the next burst.
    async fn flush(&self) -> redis::RedisResult<()> {
        let batch: Vec<(Uuid, u32, Rate)> = {
            let mut cells = self.cells.lock().expect("not poisoned");
            cells
                .iter_mut()
                // Principals that called here lately learn the others' calls even when they have
                // none of their own to add.
                .filter(|(_, c)| c.pending > 0 || c.seen.elapsed() < ACTIVE_FOR)
                .map(|(id, c)| {
                    let pending = std::mem::take(&mut c.pending);
                    (*id, pending, c.rate)
                })
                .collect()
        };
        // A failed flush loses the batch's count for the shared TAT only: the calls stay in this
        // replica's own TAT, which goes on limiting alone.
        let connection = self.connection.get_or_try_init(|| qashyq_platform::cache::connect(&self.url)).await?;
        let mut connection = connection.clone();
        if batch.is_empty() {
            let _: String = redis::cmd("PING").query_async(&mut connection).await?;
            return Ok(());
        }
        let now = now_us();
        let mut pipe = redis::pipe();
        for (id, pending, rate) in &batch {
            pipe.invoke_script(self.script.key(redis_key(*id)).arg(format!("{now:.0}")).arg(*pending).arg(format!("{:.3}", rate.interval_us())));
        }
        // A pipeline calls the script by its digest: Redis must have it (loaded once, and again
        // after a Redis restart forgot it).
        let tats: Vec<String> = match pipe.query_async(&mut connection).await {
            Err(error) if error.kind() == redis::ErrorKind::NoScriptError => {
                self.script.prepare_invoke().load_async(&mut connection).await?;
                pipe.query_async(&mut connection).await?
            }
            other => other?,
        };
        let mut cells = self.cells.lock().expect("not poisoned");
        for ((id, _, _), tat) in batch.iter().zip(tats) {
            // The shared TAT counts every replica's calls up to the flush; calls allowed here
            // during the round trip are in the local one.
            if let (Some(cell), Ok(tat)) = (cells.get_mut(id), tat.parse::<f64>()) {
                cell.tat_us = cell.tat_us.max(tat);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_gw_3_gcra_allows_a_seconds_burst_then_one_call_per_interval() {
        let rate = Rate(10);
        let now = 1_000_000_000.0;
        let mut tat = 0.0;
        for i in 0..10 {
            tat = decide(rate, tat, now).unwrap_or_else(|_| panic!("call {i} of the burst"));
        }
        let wait = decide(rate, tat, now).unwrap_err();
        assert_eq!(wait, Duration::from_millis(100), "the 11th waits one interval");
        assert!(decide(rate, tat, now + 100_000.0).is_ok(), "and passes after it");
        assert!(decide(rate, tat, now + 2_000_000.0).is_ok());
    }

    #[test]
    fn r_gw_3_a_replica_limits_on_its_own_calls_between_flushes() {
        let limiter = RateLimiter::new("redis://127.0.0.1:1/").unwrap();
        let principal = Uuid::now_v7();
        let allowed = (0..50).filter(|_| limiter.check(principal, Rate(20)) == Verdict::Allowed).count();
        assert_eq!(allowed, 20, "one second's burst");
        let Verdict::Limited { limit, retry_after } = limiter.check(principal, Rate(20)) else { panic!("limited") };
        assert_eq!(limit, 20);
        assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_millis(50), "{retry_after:?}");
        limiter.absorb_locally();
        assert!(matches!(limiter.check(principal, Rate(20)), Verdict::Limited { .. }), "absorbed calls still count");
    }
}
