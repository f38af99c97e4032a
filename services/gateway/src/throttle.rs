//! Login throttling (R-GW-1): failed sign-ins are counted per account and per client address in
//! a window shared by the gateway's replicas through Redis. Past [`ACCOUNT_FAILURES`] for an
//! account or [`ADDRESS_FAILURES`] from an address within [`WINDOW`], logins are refused with
//! `RESOURCE_EXHAUSTED` and a `RetryInfo` until the window ends, before any password is checked
//! (so a guesser learns nothing and costs no Argon2 work). A success clears the account's count.
//! Without Redis each replica counts on its own (the same limits per replica).

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use redis::{AsyncCommands, aio::ConnectionManager};
use tokio::sync::OnceCell;

pub const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const ACCOUNT_FAILURES: u32 = 5;
pub const ADDRESS_FAILURES: u32 = 30;

/// What is counted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Subject {
    Account(String),
    Address(IpAddr),
}

impl Subject {
    fn key(&self, namespace: &str) -> String {
        match self {
            Subject::Account(login) => format!("qashyq:{namespace}:gateway:login-failures:account:{login}"),
            Subject::Address(address) => format!("qashyq:{namespace}:gateway:login-failures:address:{address}"),
        }
    }

    fn limit(&self) -> u32 {
        match self {
            Subject::Account(_) => ACCOUNT_FAILURES,
            Subject::Address(_) => ADDRESS_FAILURES,
        }
    }
}

pub struct LoginThrottle {
    url: String,
    /// The installation's name in Redis keys (its events exchange: one per installation, and one
    /// per test), so that installations sharing a Redis never count each other's failures.
    namespace: String,
    connection: OnceCell<ConnectionManager>,
    /// Counts kept here while Redis is away: (window start, failures).
    local: Mutex<HashMap<Subject, (Instant, u32)>>,
}

fn subjects(login: &str, address: Option<IpAddr>) -> Vec<Subject> {
    let mut list = vec![Subject::Account(login.to_lowercase())];
    list.extend(address.map(Subject::Address));
    list
}

impl LoginThrottle {
    pub fn new(redis_url: &str, namespace: &str) -> Self {
        Self { url: redis_url.to_owned(), namespace: namespace.to_owned(), connection: OnceCell::new(), local: Mutex::new(HashMap::new()) }
    }

    async fn redis(&self) -> redis::RedisResult<ConnectionManager> {
        Ok(self.connection.get_or_try_init(|| qashyq_platform::cache::connect(&self.url)).await?.clone())
    }

    /// `Err(retry_after)` when the account or the address has failed too often.
    pub async fn check(&self, login: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        for subject in subjects(login, address) {
            let (failures, remaining) = match self.shared_count(&subject).await {
                Ok(found) => found,
                Err(_) => self.local_count(&subject),
            };
            if failures >= subject.limit() {
                return Err(remaining.max(Duration::from_secs(1)));
            }
        }
        Ok(())
    }

    pub async fn failed(&self, login: &str, address: Option<IpAddr>) {
        for subject in subjects(login, address) {
            let shared = async {
                let mut connection = self.redis().await?;
                let key = subject.key(&self.namespace);
                let (count, _): (u32, bool) = redis::pipe().incr(&key, 1).expire(&key, WINDOW.as_secs() as i64).arg("NX").query_async(&mut connection).await?;
                Ok::<_, redis::RedisError>(count)
            };
            if shared.await.is_err() {
                let mut local = self.local.lock().expect("not poisoned");
                let entry = local.entry(subject).or_insert((Instant::now(), 0));
                if entry.0.elapsed() >= WINDOW {
                    *entry = (Instant::now(), 0);
                }
                entry.1 += 1;
            }
        }
    }

    pub async fn succeeded(&self, login: &str) {
        let subject = Subject::Account(login.to_lowercase());
        if let Ok(mut connection) = self.redis().await {
            let _: redis::RedisResult<()> = connection.del(subject.key(&self.namespace)).await;
        }
        self.local.lock().expect("not poisoned").remove(&subject);
    }

    async fn shared_count(&self, subject: &Subject) -> redis::RedisResult<(u32, Duration)> {
        let mut connection = self.redis().await?;
        let key = subject.key(&self.namespace);
        let (count, ttl): (Option<u32>, i64) = redis::pipe().get(&key).ttl(&key).query_async(&mut connection).await?;
        Ok((count.unwrap_or(0), Duration::from_secs(ttl.max(0) as u64)))
    }

    fn local_count(&self, subject: &Subject) -> (u32, Duration) {
        let local = self.local.lock().expect("not poisoned");
        match local.get(subject) {
            Some((start, count)) if start.elapsed() < WINDOW => (*count, WINDOW - start.elapsed()),
            _ => (0, Duration::ZERO),
        }
    }
}
