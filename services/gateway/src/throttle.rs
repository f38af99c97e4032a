//! Login throttling (R-GW-1): sign-in attempts are counted per account and per client address in
//! a window shared by the gateway's replicas through Redis, *before* the password is checked (an
//! attempt is reserved atomically, so guesses sent at once cannot all slip under the limit); a
//! success clears the account's count and gives the address its attempt back, so only failures
//! remain counted. Past [`ACCOUNT_FAILURES`] for an account or [`ADDRESS_FAILURES`] from an
//! address within [`WINDOW`], logins are refused with `RESOURCE_EXHAUSTED` and a `RetryInfo`
//! until the window ends, without checking any password (no Argon2 work for a guesser). Without
//! Redis each replica counts on its own (the same limits per replica).

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

    /// Reserves one attempt for the account and the address: `Err(retry_after)` when either has
    /// used up its attempts in the window.
    pub async fn attempt(&self, login: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        let mut refused: Option<Duration> = None;
        for subject in subjects(login, address) {
            let (count, remaining) = match self.shared_increment(&subject).await {
                Ok(found) => found,
                Err(_) => self.local_increment(&subject),
            };
            if count > subject.limit() {
                refused = Some(refused.unwrap_or_default().max(remaining.max(Duration::from_secs(1))));
            }
        }
        refused.map_or(Ok(()), Err)
    }

    /// A success: the account's count is cleared and the address gets its attempt back.
    pub async fn succeeded(&self, login: &str, address: Option<IpAddr>) {
        let account = Subject::Account(login.to_lowercase());
        if let Ok(mut connection) = self.redis().await {
            let _: redis::RedisResult<()> = connection.del(account.key(&self.namespace)).await;
            if let Some(address) = address {
                let _: redis::RedisResult<i64> = connection.decr(Subject::Address(address).key(&self.namespace), 1).await;
            }
        }
        let mut local = self.local.lock().expect("not poisoned");
        local.remove(&account);
        if let Some(entry) = address.and_then(|a| local.get_mut(&Subject::Address(a))) {
            entry.1 = entry.1.saturating_sub(1);
        }
    }

    async fn shared_increment(&self, subject: &Subject) -> redis::RedisResult<(u32, Duration)> {
        let mut connection = self.redis().await?;
        let key = subject.key(&self.namespace);
        let (count, _, ttl): (u32, bool, i64) =
            redis::pipe().incr(&key, 1).expire(&key, WINDOW.as_secs() as i64).arg("NX").ttl(&key).query_async(&mut connection).await?;
        Ok((count, Duration::from_secs(ttl.max(0) as u64)))
    }

    fn local_increment(&self, subject: &Subject) -> (u32, Duration) {
        let mut local = self.local.lock().expect("not poisoned");
        let entry = local.entry(subject.clone()).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= WINDOW {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
        (entry.1, WINDOW.saturating_sub(entry.0.elapsed()))
    }
}
