//! Idempotency keys (R-GW-3, R-AS-7). A write sent with an `idempotency-key` header (1–64
//! characters: letters, digits, `-`, `_`; a UUID is the usual choice) is done once per principal,
//! method and key: a retry with the same body gets the first answer, even after a restart of the
//! gateway or of the service (answers are kept in PostgreSQL for [`RETENTION`], then deleted); the
//! same key with a different body is refused with `INVALID_ARGUMENT` naming `idempotency-key`; a
//! retry while the first call is still running waits for it up to [`WAIT_FOR_FIRST`], then is told
//! `ABORTED` to retry.
//!
//! What is kept: the answer of a call that ended in a definite outcome (OK, or a status that a
//! retry would only repeat: INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED,
//! FAILED_PRECONDITION, OUT_OF_RANGE). After a status that may pass on retry (UNAVAILABLE,
//! ABORTED, INTERNAL, DEADLINE_EXCEEDED, …) the key is released, so the retry does the call.
//!
//! A call in flight holds a lease ([`LEASE`]) as its owner, renewed while it runs (a long import
//! is never taken over); a call its caller abandons releases its key; a gateway that dies
//! mid-call leaves the lease to run out, after which a retry takes the call over and sends it
//! again. Only the lease's owner keeps an answer or releases the key. The service then decides,
//! because the key goes on to it (`x-qashyq-request-key`, [`qashyq_platform::request_key`]):
//! homework is created under an id derived from the key, so the repetition meets the first one;
//! the directory's records have keys of their own (a school's name in its region, a district's,
//! a class's grade and letter, a pupil's IIN); repeating a publication, an approval or a
//! scheduling changes nothing. Where none of these holds (a pupil without an IIN, a teacher, a
//! lesson asset) a repetition after such a crash can still create a second record (README).

use std::time::Duration;

use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tonic::Code;
use uuid::Uuid;

pub const HEADER: &str = "idempotency-key";
pub const RETENTION: Duration = Duration::from_secs(24 * 3600);
pub const LEASE: Duration = Duration::from_secs(30);
pub const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);
const MAX_KEY_CHARS: usize = 64;

/// Reads an idempotency key: `Ok(None)` when absent, `Err` naming what is wrong with it.
pub fn read_key(headers: &http::HeaderMap) -> Result<Option<String>, &'static str> {
    let Some(value) = headers.get(HEADER) else { return Ok(None) };
    let key = value.to_str().map_err(|_| "is not ASCII")?.trim();
    if key.is_empty() || key.len() > MAX_KEY_CHARS || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err("must be 1–64 characters: letters, digits, '-', '_'");
    }
    Ok(Some(key.to_owned()))
}

pub fn body_hash(method: &str, body: &[u8]) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    hasher.finalize().to_vec()
}

/// Whether a status is a definite outcome a retry would only repeat.
pub fn is_final(code: Code) -> bool {
    matches!(
        code,
        Code::Ok | Code::InvalidArgument | Code::NotFound | Code::AlreadyExists | Code::PermissionDenied | Code::FailedPrecondition | Code::OutOfRange
    )
}

/// An answer as kept: the response body (gRPC frames) and its status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAnswer {
    pub code: i32,
    pub message: String,
    /// `grpc-status-details-bin`, base64 as on the wire.
    #[serde(default)]
    pub details: String,
    /// The frames, base64.
    pub body: String,
}

impl StoredAnswer {
    pub fn new(code: Code, message: String, details: String, body: &[u8]) -> Self {
        Self { code: code as i32, message, details, body: STANDARD.encode(body) }
    }

    pub fn body(&self) -> Vec<u8> {
        STANDARD.decode(&self.body).unwrap_or_default()
    }
}

/// What beginning a keyed call found.
#[derive(Debug)]
pub enum Begin {
    /// This call does the work (first time, or a dead gateway's lease ran out), as the lease's
    /// owner.
    Go(Uuid),
    /// Done before: its answer.
    Replay(StoredAnswer),
    /// The key was used for a different request.
    Mismatch,
    /// The first call is still running.
    InFlight,
}

#[derive(Clone)]
pub struct Idempotency {
    pool: PgPool,
}

/// Identifies a keyed call.
#[derive(Debug, Clone, Copy)]
pub struct KeyedCall<'a> {
    pub principal: Uuid,
    pub method: &'a str,
    pub key: &'a str,
}

impl Idempotency {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub async fn begin(&self, call: KeyedCall<'_>, hash: &[u8]) -> Result<Begin, sqlx::Error> {
        let now = Utc::now();
        let owner = Uuid::new_v4();
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (principal_id, method, key, body_hash, lease_owner, lease_until, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(call.principal)
        .bind(call.method)
        .bind(call.key)
        .bind(hash)
        .bind(owner)
        .bind(now + LEASE)
        .bind(now + RETENTION)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(Begin::Go(owner));
        }
        let mut tx = self.pool.begin().await?;
        let row: Option<(Vec<u8>, Option<DateTime<Utc>>, Option<sqlx::types::Json<StoredAnswer>>)> =
            sqlx::query_as("SELECT body_hash, lease_until, response FROM idempotency_keys WHERE principal_id = $1 AND method = $2 AND key = $3 FOR UPDATE")
                .bind(call.principal)
                .bind(call.method)
                .bind(call.key)
                .fetch_optional(&mut *tx)
                .await?;
        // Released between our insert and this read: begin again.
        let Some((stored_hash, lease_until, response)) = row else { return Box::pin(self.begin(call, hash)).await };
        if stored_hash != hash {
            return Ok(Begin::Mismatch);
        }
        if let Some(answer) = response {
            return Ok(Begin::Replay(answer.0));
        }
        if lease_until.is_some_and(|until| until > now) {
            return Ok(Begin::InFlight);
        }
        sqlx::query("UPDATE idempotency_keys SET lease_owner = $4, lease_until = $5 WHERE principal_id = $1 AND method = $2 AND key = $3")
            .bind(call.principal)
            .bind(call.method)
            .bind(call.key)
            .bind(owner)
            .bind(now + LEASE)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::warn!(method = call.method, "an idempotent call's lease ran out (its gateway died mid-call); taking it over");
        Ok(Begin::Go(owner))
    }

    /// Extends the lease of a call still running.
    pub async fn renew(&self, call: KeyedCall<'_>, owner: Uuid) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE idempotency_keys SET lease_until = now() + $5::interval \
             WHERE principal_id = $1 AND method = $2 AND key = $3 AND lease_owner = $4 AND response IS NULL",
        )
        .bind(call.principal)
        .bind(call.method)
        .bind(call.key)
        .bind(owner)
        .bind(format!("{} seconds", LEASE.as_secs()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Keeps a definite answer, or releases the key so that a retry does the call.
    pub async fn finish(&self, call: KeyedCall<'_>, owner: Uuid, answer: &StoredAnswer) -> Result<(), sqlx::Error> {
        if is_final(Code::from_i32(answer.code)) {
            sqlx::query(
                "UPDATE idempotency_keys SET response = $5, code = $6, lease_until = NULL \
                 WHERE principal_id = $1 AND method = $2 AND key = $3 AND lease_owner = $4",
            )
            .bind(call.principal)
            .bind(call.method)
            .bind(call.key)
            .bind(owner)
            .bind(sqlx::types::Json(answer))
            .bind(answer.code)
            .execute(&self.pool)
            .await?;
        } else {
            self.release(call, owner).await?;
        }
        Ok(())
    }

    /// Lets a retry do the call: the key goes, unless an answer was kept or another call took the
    /// lease over.
    pub async fn release(&self, call: KeyedCall<'_>, owner: Uuid) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM idempotency_keys WHERE principal_id = $1 AND method = $2 AND key = $3 AND lease_owner = $4 AND response IS NULL")
            .bind(call.principal)
            .bind(call.method)
            .bind(call.key)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes answers past their retention; returns how many.
    pub async fn forget_expired(&self) -> Result<u64, sqlx::Error> {
        Ok(sqlx::query("DELETE FROM idempotency_keys WHERE expires_at < now()").execute(&self.pool).await?.rows_affected())
    }
}

/// Releases a key if its call is abandoned (the caller went away, or its deadline passed) before
/// an answer was kept, so that the caller's retry does not wait out the lease.
pub struct ReleaseOnDrop {
    store: Idempotency,
    principal: Uuid,
    method: String,
    key: String,
    owner: Uuid,
    armed: bool,
}

impl ReleaseOnDrop {
    pub fn new(store: &Idempotency, call: KeyedCall<'_>, owner: Uuid) -> Self {
        Self { store: store.clone(), principal: call.principal, method: call.method.to_owned(), key: call.key.to_owned(), owner, armed: true }
    }

    /// The call ended with its answer handled: nothing to release.
    pub fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (store, principal, method, key, owner) =
            (self.store.clone(), self.principal, std::mem::take(&mut self.method), std::mem::take(&mut self.key), self.owner);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let call = KeyedCall { principal, method: &method, key: &key };
                if let Err(error) = store.release(call, owner).await {
                    tracing::warn!(%error, "an abandoned idempotent call's key cannot be released; it frees itself when its lease runs out");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_gw_3_keys_are_short_plain_tokens() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(read_key(&headers), Ok(None));
        headers.insert(HEADER, "0196a000-0000-7000-8000-000000000001".parse().unwrap());
        assert_eq!(read_key(&headers), Ok(Some("0196a000-0000-7000-8000-000000000001".to_owned())));
        headers.insert(HEADER, "x".repeat(65).parse().unwrap());
        assert!(read_key(&headers).is_err());
        headers.insert(HEADER, "a b".parse().unwrap());
        assert!(read_key(&headers).is_err());
        assert_ne!(body_hash("/a", b"1"), body_hash("/a", b"2"));
        assert_ne!(body_hash("/a", b"1"), body_hash("/b", b"1"));
        assert!(is_final(Code::AlreadyExists) && !is_final(Code::Unavailable) && !is_final(Code::Internal));
    }
}
