//! API keys (R-GW-1): generated with 256 bits of randomness, shown once, stored as SHA-256. A key
//! is an integrator's (its principal: the integrator, role integrator, scope its schools) or an
//! administrators' automation key (role administrator: `make run`'s demo loader, tests' setup).
//! An integrator's key is rotated by issuing a new one with an overlap: the old ones keep working
//! until the overlap ends. Verified keys are cached briefly so the hot path does not touch
//! PostgreSQL on every call; a revoked or expired key stops working within the cache's time
//! (`QASHYQ_GATEWAY_KEY_CACHE_SECONDS`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use std::sync::Arc;

use qashyq_platform::{
    memo::Memo,
    principal::{Kind, Principal, PrincipalKey, Role, Scope},
};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use crate::rate_limit::Rate;

/// Key hashes a gateway keeps verified at once (the cache empties itself when full).
const MAX_CACHED_KEYS: usize = 100_000;
const KEY_PREFIX: &str = "qk_";
const KEY_BYTES: usize = 32;
/// Calls per second an administrators' key may make unless told otherwise.
pub const DEFAULT_RATE_LIMIT_PER_SECOND: i32 = 20_000;
/// Longest overlap of a rotation.
pub const MAX_OVERLAP: Duration = Duration::from_secs(30 * 24 * 3600);
/// Bounds of an integrator's scope.
pub const MAX_SCOPE_REGIONS: usize = 20;
pub const MAX_SCOPE_DISTRICTS: usize = 200;
pub const MAX_SCOPE_SCHOOLS: usize = 200;

/// Who is calling, how fast it may, and its principal signed for the services (signed once
/// when the credential is verified, not on every call).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    pub principal: Principal,
    pub rate: Rate,
    pub signed: http::HeaderValue,
}

impl Authenticated {
    pub fn new(principal: Principal, rate: Rate, signer: &PrincipalKey) -> Option<Self> {
        let signed = http::HeaderValue::from_str(&signer.sign(&principal)).ok()?;
        Some(Self { principal, rate, signed })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing credentials: send `authorization: Bearer <api key or access token>`")]
    Missing,
    #[error("invalid, expired or revoked credentials")]
    Invalid,
    #[error("cannot verify credentials now")]
    Unavailable(#[from] sqlx::Error),
}

/// A key as created: `key` is shown once and never stored.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub key_id: Uuid,
    pub key: String,
}

/// An integrator as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integrator {
    pub id: Uuid,
    pub name: String,
    pub scope: Scope,
    pub rate_limit_per_second: i32,
}

/// The SHA-256 of a certificate's DER: how a client certificate is bound to an integrator.
pub fn certificate_fingerprint(der: &[u8]) -> [u8; 32] {
    Sha256::digest(der).into()
}

pub fn hash_key(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

fn generate_key() -> String {
    let mut bytes = [0u8; KEY_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    format!("{KEY_PREFIX}{}", hex::encode(bytes))
}

/// Whether a presented bearer credential is meant as an API key (else: an access token).
pub fn is_api_key(presented: &str) -> bool {
    presented.starts_with(KEY_PREFIX)
}

/// A cheap check before hashing: right prefix and length, hex digits only.
fn well_formed(key: &str) -> bool {
    key.strip_prefix(KEY_PREFIX).is_some_and(|rest| rest.len() == KEY_BYTES * 2 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

type KeyRow = (Uuid, String, String, i32, Option<Uuid>, Option<String>, Option<Vec<String>>, Option<Vec<Uuid>>, Option<Vec<Uuid>>, Option<i32>);

fn authenticated(
    (key_id, key_name, role, key_rate, integrator_id, integrator_name, regions, districts, schools, integrator_rate): KeyRow,
    signer: &PrincipalKey,
) -> Option<Arc<Authenticated>> {
    let role = Role::parse(&role)?;
    let (principal, rate) = match integrator_id {
        Some(id) => (
            Principal {
                kind: Kind::Integrator,
                id,
                name: integrator_name.unwrap_or_default(),
                role,
                scope: Some(Scope { regions: regions.unwrap_or_default(), districts: districts.unwrap_or_default(), schools: schools.unwrap_or_default() }),
            },
            Rate(u32::try_from(integrator_rate.unwrap_or(key_rate)).unwrap_or(1)),
        ),
        None => (Principal { kind: Kind::Integrator, id: key_id, name: key_name, role, scope: None }, Rate(u32::try_from(key_rate).unwrap_or(1))),
    };
    Authenticated::new(principal, rate, signer).map(Arc::new)
}

pub struct KeyStore {
    pool: PgPool,
    /// A key hash looked up: its caller (none: unknown, expired or revoked).
    cache: Memo<Vec<u8>, Option<Arc<Authenticated>>>,
    signer: PrincipalKey,
}

impl KeyStore {
    /// Keys verified against `pool`, each trusted for `cache_ttl`, their principals signed with
    /// `signer`.
    pub fn new(pool: PgPool, cache_ttl: Duration, signer: PrincipalKey) -> Self {
        Self { pool, cache: Memo::new(cache_ttl, MAX_CACHED_KEYS), signer }
    }

    /// Returns the caller a presented key belongs to.
    pub async fn authenticate(&self, presented: &str) -> Result<Arc<Authenticated>, AuthError> {
        if !well_formed(presented) {
            return Err(AuthError::Invalid);
        }
        let hash = hash_key(presented);
        let found = self
            .cache
            .get_or_fill(hash.clone(), || async {
                let row: Option<KeyRow> = sqlx::query_as(
                    "SELECT k.key_id, k.name, k.role, k.rate_limit_per_second, i.integrator_id, i.name, i.region_codes, i.district_ids, i.school_ids, \
                            i.rate_limit_per_second \
                     FROM api_keys k LEFT JOIN integrators i USING (integrator_id) \
                     WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())",
                )
                .bind(&hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok::<_, AuthError>(row.and_then(|row| authenticated(row, &self.signer)))
            })
            .await?;
        found.ok_or(AuthError::Invalid)
    }

    /// Returns the integrator a verified client certificate (DER) is bound to (mutual TLS).
    pub async fn authenticate_certificate(&self, der: &[u8]) -> Result<Arc<Authenticated>, AuthError> {
        let fingerprint = certificate_fingerprint(der);
        // Kept apart from key hashes in the one cache.
        let mut cache_key = b"certificate:".to_vec();
        cache_key.extend_from_slice(&fingerprint);
        let found = self
            .cache
            .get_or_fill(cache_key, || async {
                let row: Option<KeyRow> = sqlx::query_as(
                    "SELECT c.integrator_id, i.name, 'integrator', i.rate_limit_per_second, i.integrator_id, i.name, i.region_codes, i.district_ids, \
                            i.school_ids, i.rate_limit_per_second \
                     FROM integrator_certificates c JOIN integrators i USING (integrator_id) \
                     WHERE c.fingerprint = $1 AND c.revoked_at IS NULL",
                )
                .bind(fingerprint.as_slice())
                .fetch_optional(&self.pool)
                .await?;
                Ok::<_, AuthError>(row.and_then(|row| authenticated(row, &self.signer)))
            })
            .await?;
        found.ok_or(AuthError::Invalid)
    }

    /// Binds a client certificate, by its SHA-256 fingerprint, to an integrator. False when
    /// there is no such integrator.
    pub async fn bind_certificate(&self, integrator_id: Uuid, fingerprint: &[u8; 32]) -> Result<bool, sqlx::Error> {
        let bound = sqlx::query(
            "INSERT INTO integrator_certificates (fingerprint, integrator_id) SELECT $1, integrator_id FROM integrators WHERE integrator_id = $2 \
             ON CONFLICT (fingerprint) DO UPDATE SET integrator_id = EXCLUDED.integrator_id, revoked_at = NULL",
        )
        .bind(fingerprint.as_slice())
        .bind(integrator_id)
        .execute(&self.pool)
        .await?;
        Ok(bound.rows_affected() == 1)
    }

    /// An administrators' automation key.
    pub async fn create(&self, name: &str, rate_limit_per_second: i32) -> Result<CreatedKey, sqlx::Error> {
        let key = generate_key();
        let key_id = Uuid::now_v7();
        sqlx::query("INSERT INTO api_keys (key_id, name, key_hash, rate_limit_per_second, role) VALUES ($1, $2, $3, $4, 'administrator')")
            .bind(key_id)
            .bind(name)
            .bind(hash_key(&key))
            .bind(rate_limit_per_second)
            .execute(&self.pool)
            .await?;
        Ok(CreatedKey { key_id, key })
    }

    pub async fn create_integrator(&self, name: &str, scope: &Scope, rate_limit_per_second: i32) -> Result<Integrator, sqlx::Error> {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO integrators (integrator_id, name, region_codes, district_ids, school_ids, rate_limit_per_second) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(name)
        .bind(&scope.regions)
        .bind(&scope.districts)
        .bind(&scope.schools)
        .bind(rate_limit_per_second)
        .execute(&self.pool)
        .await?;
        Ok(Integrator { id, name: name.to_owned(), scope: scope.clone(), rate_limit_per_second })
    }

    /// Issues a new key for an integrator; its live keys keep working for `overlap` (zero:
    /// until revoked). `None` when there is no such integrator.
    pub async fn issue(&self, integrator_id: Uuid, overlap: Duration) -> Result<Option<CreatedKey>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let name: Option<String> =
            sqlx::query_scalar("SELECT name FROM integrators WHERE integrator_id = $1 FOR UPDATE").bind(integrator_id).fetch_optional(&mut *tx).await?;
        let Some(name) = name else { return Ok(None) };
        if !overlap.is_zero() {
            let until: DateTime<Utc> = Utc::now() + overlap;
            sqlx::query("UPDATE api_keys SET expires_at = least(coalesce(expires_at, $2), $2) WHERE integrator_id = $1 AND revoked_at IS NULL")
                .bind(integrator_id)
                .bind(until)
                .execute(&mut *tx)
                .await?;
        }
        let key = generate_key();
        let key_id = Uuid::now_v7();
        sqlx::query("INSERT INTO api_keys (key_id, name, key_hash, role, integrator_id) VALUES ($1, $2, $3, 'integrator', $4)")
            .bind(key_id)
            .bind(&name)
            .bind(hash_key(&key))
            .bind(integrator_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(CreatedKey { key_id, key }))
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
