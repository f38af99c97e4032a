//! Integrators' API keys: generated with 256 bits of randomness, shown once, stored as SHA-256.
//! Verified keys are cached briefly so the hot path does not touch PostgreSQL on every call;
//! a revoked key stops working within the cache's time (`QASHYQ_GATEWAY_KEY_CACHE_SECONDS`).

use std::time::Duration;

use qashyq_platform::memo::Memo;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

/// Key hashes a gateway keeps verified at once (the cache empties itself when full).
const MAX_CACHED_KEYS: usize = 100_000;
const KEY_PREFIX: &str = "qk_";
const KEY_BYTES: usize = 32;
/// Calls per second a new key may make unless told otherwise.
pub const DEFAULT_RATE_LIMIT_PER_SECOND: i32 = 20_000;

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub key_id: Uuid,
    pub name: String,
    pub rate_limit_per_second: i32,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing credentials: send `authorization: Bearer <api key>`")]
    Missing,
    #[error("invalid or revoked API key")]
    Invalid,
    #[error("cannot verify credentials now")]
    Unavailable(#[from] sqlx::Error),
}

/// A key as created: `key` is shown to the integrator once and never stored.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub key_id: Uuid,
    pub key: String,
}

pub fn hash_key(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

fn generate_key() -> String {
    let mut bytes = [0u8; KEY_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    format!("{KEY_PREFIX}{}", hex::encode(bytes))
}

/// A cheap check before hashing: right prefix and length, hex digits only.
fn well_formed(key: &str) -> bool {
    key.strip_prefix(KEY_PREFIX).is_some_and(|rest| rest.len() == KEY_BYTES * 2 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub struct KeyStore {
    pool: PgPool,
    /// A key hash looked up: its principal (none: unknown or revoked).
    cache: Memo<Vec<u8>, Option<Principal>>,
}

impl KeyStore {
    /// Keys verified against `pool`, each trusted for `cache_ttl`.
    pub fn new(pool: PgPool, cache_ttl: Duration) -> Self {
        Self { pool, cache: Memo::new(cache_ttl, MAX_CACHED_KEYS) }
    }

    /// Returns the principal a presented key belongs to.
    pub async fn authenticate(&self, presented: Option<&str>) -> Result<Principal, AuthError> {
        let presented = presented.ok_or(AuthError::Missing)?;
        if !well_formed(presented) {
            return Err(AuthError::Invalid);
        }
        let hash = hash_key(presented);
        let principal = self
            .cache
            .get_or_fill(hash.clone(), || async {
                let found: Option<(Uuid, String, i32)> =
                    sqlx::query_as("SELECT key_id, name, rate_limit_per_second FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
                        .bind(&hash)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok::<_, AuthError>(found.map(|(key_id, name, rate_limit_per_second)| Principal { key_id, name, rate_limit_per_second }))
            })
            .await?;
        principal.ok_or(AuthError::Invalid)
    }

    pub async fn create(&self, name: &str, rate_limit_per_second: i32) -> Result<CreatedKey, sqlx::Error> {
        let key = generate_key();
        let key_id = Uuid::now_v7();
        sqlx::query("INSERT INTO api_keys (key_id, name, key_hash, rate_limit_per_second) VALUES ($1, $2, $3, $4)")
            .bind(key_id)
            .bind(name)
            .bind(hash_key(&key))
            .bind(rate_limit_per_second)
            .execute(&self.pool)
            .await?;
        Ok(CreatedKey { key_id, key })
    }

    /// Returns whether a live key was revoked.
    pub async fn revoke(&self, key_id: Uuid) -> Result<bool, sqlx::Error> {
        let revoked = sqlx::query("UPDATE api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL")
            .bind(key_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(revoked == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_well_formed_and_distinct() {
        let (a, b) = (generate_key(), generate_key());
        assert!(well_formed(&a) && well_formed(&b));
        assert_ne!(a, b);
        assert_ne!(hash_key(&a), hash_key(&b));
        assert!(!well_formed("qk_short"));
        assert!(!well_formed(&a.replace("qk_", "xx_")));
    }
}
