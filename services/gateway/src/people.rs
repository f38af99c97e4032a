//! People who sign in (R-GW-1): Ministry staff, observers, reviewers, administrators.
//!
//! - Passwords are hashed with Argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes, 1 lane,
//!   OWASP's recommendation), on a blocking thread; an unknown login is checked against a dummy
//!   hash so that it takes as long as a wrong password.
//! - A login opens a *sign-in* and returns a short-lived access token (a JWT, HS256, signed with
//!   `QASHYQ_GATEWAY_TOKEN_KEY`, carrying the person, role, region and sign-in) and a refresh
//!   token (256 random bits, kept as SHA-256).
//! - A refresh token is used once: refreshing returns a new pair. A used one presented again
//!   means it was copied: the whole sign-in is revoked (the thief's and the owner's tokens alike).
//! - Logout, a reused refresh token and a password reset revoke sign-ins; an access token of a
//!   revoked sign-in stops working within the gateway's credential cache time.

use std::time::Duration;

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use qashyq_platform::principal::{Kind, Principal, Role, Scope};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

const REFRESH_BYTES: usize = 32;
const REFRESH_PREFIX: &str = "qr_";
const ISSUER: &str = "qashyq-gateway";

/// A person as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: Uuid,
    pub login: String,
    pub full_name: String,
    pub role: Role,
    pub region_code: Option<String>,
}

impl Person {
    pub fn principal(&self) -> Principal {
        Principal {
            kind: Kind::Person,
            id: self.id,
            name: self.login.clone(),
            role: self.role,
            scope: self.region_code.as_ref().map(|region| Scope { regions: vec![region.clone()], ..Scope::default() }),
        }
    }
}

/// A pair of tokens, as handed to a person.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    pub person: Person,
}

/// What an access token says.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: Uuid,
    /// The sign-in it belongs to.
    sid: Uuid,
    login: String,
    role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    region: Option<String>,
    iat: i64,
    exp: i64,
}

/// An access token verified: the person and the sign-in it belongs to.
#[derive(Debug, Clone)]
pub struct Access {
    pub person: Person,
    pub sign_in_id: Uuid,
}

#[derive(Debug, thiserror::Error)]
pub enum PeopleError {
    #[error("wrong login or password")]
    WrongCredentials,
    #[error("the refresh token is unknown, expired, used or revoked")]
    BadRefreshToken,
    #[error("the access token is invalid or expired")]
    BadAccessToken,
    #[error("no person {0}")]
    UnknownPerson(String),
    #[error("a person with login {0:?} already exists")]
    DuplicateLogin(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// Token lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub access: Duration,
    pub refresh: Duration,
}

/// Argon2id checks at once (each takes 19 MiB and a core for tens of milliseconds): more wait,
/// so the memory sign-in takes stays about this many times 19 MiB.
const HASHING_AT_ONCE: usize = 2;

pub struct People {
    pool: PgPool,
    hashing: tokio::sync::Semaphore,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    lifetimes: Lifetimes,
    /// Checked when a login is unknown, so that it costs as much as a wrong password.
    dummy_hash: String,
}

fn new_refresh_token() -> String {
    let mut bytes = [0u8; REFRESH_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    format!("{REFRESH_PREFIX}{}", hex::encode(bytes))
}

/// Makes every allocation of 1 MiB or more its own mapping, returned to the system when freed.
/// Argon2id takes 19 MiB per check on whichever blocking thread runs it; glibc would otherwise
/// keep each thread's freed block in that thread's arena for reuse (its threshold for separate
/// mappings grows past 19 MiB after the first is freed), and the gateway's memory would grow by
/// 19 MiB for every thread that ever checked a password (hundreds of MiB, seen in `make bench`).
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator's thresholds; it is called before any password
    // is hashed, and a failure leaves the defaults (it returns 0, ignored).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

/// What an access token must be: HS256, issued here, not expired (5 s of clock leeway).
fn access_validation() -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.leeway = 5;
    validation
}

/// Hashes a password with Argon2id on a blocking thread.
pub async fn hash_password(password: String) -> Result<String, PeopleError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string()).map_err(|e| PeopleError::Hashing(e.to_string()))
    })
    .await
    .map_err(|e| PeopleError::Hashing(e.to_string()))?
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || PasswordHash::new(&hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()))
        .await
        .unwrap_or(false)
}

type PersonRow = (Uuid, String, String, String, Option<String>);

fn person_of((id, login, full_name, role, region_code): PersonRow) -> Result<Person, PeopleError> {
    let role = Role::parse(&role).ok_or_else(|| PeopleError::Database(sqlx::Error::Decode(format!("stored role {role:?}").into())))?;
    Ok(Person { id, login, full_name, role, region_code })
}

impl People {
    pub async fn new(pool: PgPool, token_key: &[u8], lifetimes: Lifetimes) -> Result<Self, PeopleError> {
        return_large_blocks_to_the_system();
        let dummy_hash = hash_password("not a password anyone has".to_owned()).await?;
        Ok(Self {
            pool,
            hashing: tokio::sync::Semaphore::new(HASHING_AT_ONCE),
            encoding: EncodingKey::from_secret(token_key),
            decoding: DecodingKey::from_secret(token_key),
            validation: access_validation(),
            lifetimes,
            dummy_hash,
        })
    }

    /// Stores a person (administrators' command).
    pub async fn create(&self, login: &str, full_name: &str, role: Role, region_code: Option<&str>, password: &str) -> Result<Person, PeopleError> {
        let hash = hash_password(password.to_owned()).await?;
        let id = Uuid::now_v7();
        let inserted = sqlx::query(
            "INSERT INTO people (person_id, login, full_name, role, region_code, password_hash) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (login) DO NOTHING",
        )
        .bind(id)
        .bind(login)
        .bind(full_name)
        .bind(role.as_str())
        .bind(region_code)
        .bind(&hash)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(PeopleError::DuplicateLogin(login.to_owned()));
        }
        Ok(Person { id, login: login.to_owned(), full_name: full_name.to_owned(), role, region_code: region_code.map(str::to_owned) })
    }

    /// Sets a new password and revokes every sign-in of the person.
    pub async fn reset_password(&self, login: &str, password: &str) -> Result<Person, PeopleError> {
        let hash = hash_password(password.to_owned()).await?;
        let mut tx = self.pool.begin().await?;
        let row: Option<PersonRow> =
            sqlx::query_as("UPDATE people SET password_hash = $2 WHERE login = $1 RETURNING person_id, login, full_name, role, region_code")
                .bind(login)
                .bind(&hash)
                .fetch_optional(&mut *tx)
                .await?;
        let person = person_of(row.ok_or_else(|| PeopleError::UnknownPerson(login.to_owned()))?)?;
        sqlx::query("UPDATE sign_ins SET revoked_at = now(), revoked_why = 'password reset' WHERE person_id = $1 AND revoked_at IS NULL")
            .bind(person.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(person)
    }

    /// Checks a login and opens a sign-in.
    pub async fn login(&self, login: &str, password: &str) -> Result<Tokens, PeopleError> {
        let row: Option<(Uuid, String, String, String, Option<String>, String)> =
            sqlx::query_as("SELECT person_id, login, full_name, role, region_code, password_hash FROM people WHERE login = $1")
                .bind(login)
                .fetch_optional(&self.pool)
                .await?;
        let _permit = self.hashing.acquire().await.map_err(|e| PeopleError::Hashing(e.to_string()))?;
        let Some((id, login, full_name, role, region_code, hash)) = row else {
            verify_password(password.to_owned(), self.dummy_hash.clone()).await;
            return Err(PeopleError::WrongCredentials);
        };
        if !verify_password(password.to_owned(), hash).await {
            return Err(PeopleError::WrongCredentials);
        }
        let person = person_of((id, login, full_name, role, region_code))?;
        let sign_in_id = Uuid::now_v7();
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO sign_ins (sign_in_id, person_id) VALUES ($1, $2)").bind(sign_in_id).bind(person.id).execute(&mut *tx).await?;
        let tokens = self.issue(&mut tx, person, sign_in_id).await?;
        tx.commit().await?;
        Ok(tokens)
    }

    /// Uses a refresh token up and returns a new pair; a used one presented again revokes its
    /// sign-in.
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, PeopleError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<(Uuid, Option<DateTime<Utc>>, DateTime<Utc>, Option<DateTime<Utc>>, Uuid)> = sqlx::query_as(
            "SELECT t.sign_in_id, t.used_at, t.expires_at, s.revoked_at, s.person_id FROM refresh_tokens t JOIN sign_ins s USING (sign_in_id) \
             WHERE t.token_hash = $1 FOR UPDATE OF t, s",
        )
        .bind(crate::keys::hash_key(refresh_token))
        .fetch_optional(&mut *tx)
        .await?;
        let Some((sign_in_id, used_at, expires_at, revoked_at, person_id)) = row else { return Err(PeopleError::BadRefreshToken) };
        if used_at.is_some() {
            // Someone kept a copy: end the sign-in for everyone holding its tokens.
            sqlx::query("UPDATE sign_ins SET revoked_at = coalesce(revoked_at, now()), revoked_why = coalesce(revoked_why, 'refresh token reused') WHERE sign_in_id = $1")
                .bind(sign_in_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::warn!(%sign_in_id, %person_id, "a used refresh token was presented again; the sign-in is revoked");
            return Err(PeopleError::BadRefreshToken);
        }
        if revoked_at.is_some() || expires_at <= Utc::now() {
            return Err(PeopleError::BadRefreshToken);
        }
        sqlx::query("UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1").bind(crate::keys::hash_key(refresh_token)).execute(&mut *tx).await?;
        let row: PersonRow = sqlx::query_as("SELECT person_id, login, full_name, role, region_code FROM people WHERE person_id = $1")
            .bind(person_id)
            .fetch_one(&mut *tx)
            .await?;
        let tokens = self.issue(&mut tx, person_of(row)?, sign_in_id).await?;
        tx.commit().await?;
        Ok(tokens)
    }

    /// Ends the sign-in a refresh token belongs to. An unknown token ends nothing.
    pub async fn logout(&self, refresh_token: &str) -> Result<(), PeopleError> {
        sqlx::query(
            "UPDATE sign_ins SET revoked_at = now(), revoked_why = 'logout' \
             WHERE revoked_at IS NULL AND sign_in_id = (SELECT sign_in_id FROM refresh_tokens WHERE token_hash = $1)",
        )
        .bind(crate::keys::hash_key(refresh_token))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Reads an access token: signature, issuer and expiry. Whether its sign-in is still open is
    /// asked apart ([`People::sign_in_open`]), so that it can be cached.
    pub fn verify_access(&self, token: &str) -> Result<Access, PeopleError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|_| PeopleError::BadAccessToken)?.claims;
        Ok(Access {
            person: Person { id: claims.sub, login: claims.login, full_name: String::new(), role: claims.role, region_code: claims.region },
            sign_in_id: claims.sid,
        })
    }

    /// The person of an open sign-in, as stored now (role and region from the database, not
    /// from the token); `None` when the sign-in is unknown or ended.
    pub async fn signed_in(&self, sign_in_id: Uuid) -> Result<Option<Person>, PeopleError> {
        let row: Option<PersonRow> = sqlx::query_as(
            "SELECT p.person_id, p.login, p.full_name, p.role, p.region_code FROM sign_ins s JOIN people p USING (person_id) \
             WHERE s.sign_in_id = $1 AND s.revoked_at IS NULL",
        )
        .bind(sign_in_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(person_of).transpose()
    }

    async fn issue(&self, tx: &mut sqlx::PgConnection, person: Person, sign_in_id: Uuid) -> Result<Tokens, PeopleError> {
        let now = Utc::now();
        let access_expires_at = now + self.lifetimes.access;
        let refresh_expires_at = now + self.lifetimes.refresh;
        let claims = Claims {
            iss: ISSUER.to_owned(),
            sub: person.id,
            sid: sign_in_id,
            login: person.login.clone(),
            role: person.role,
            region: person.region_code.clone(),
            iat: now.timestamp(),
            exp: access_expires_at.timestamp(),
        };
        let access_token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| PeopleError::Hashing(e.to_string()))?;
        let refresh_token = new_refresh_token();
        sqlx::query("INSERT INTO refresh_tokens (token_hash, sign_in_id, expires_at) VALUES ($1, $2, $3)")
            .bind(crate::keys::hash_key(&refresh_token))
            .bind(sign_in_id)
            .bind(refresh_expires_at)
            .execute(&mut *tx)
            .await?;
        Ok(Tokens { access_token, access_expires_at, refresh_token, refresh_expires_at, person })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn r_gw_1_passwords_are_argon2id_and_verify_only_themselves() {
        let hash = hash_password("correct horse battery staple".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery staple".into(), hash.clone()).await);
        assert!(!verify_password("correct horse battery stapler".into(), hash.clone()).await);
        assert!(!verify_password("anything".into(), "not a hash".into()).await);
    }
}
