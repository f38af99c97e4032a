//! Administrators' commands, run against the gateway's own schema (migrated first, so they work
//! before the gateway has ever started): automation keys, integrators and their keys, people.

use std::time::Duration;

use qashyq_platform::{
    ServiceDef,
    config::CommonConfig,
    db,
    principal::{Role, Scope},
};
use uuid::Uuid;

use crate::{
    keys::{CreatedKey, DEFAULT_RATE_LIMIT_PER_SECOND, Integrator, KeyStore, MAX_OVERLAP, MAX_SCOPE_DISTRICTS, MAX_SCOPE_REGIONS, MAX_SCOPE_SCHOOLS},
    people::{Lifetimes, People, Person},
};

/// Shortest password a person may be given.
pub const MIN_PASSWORD_CHARS: usize = 12;
const MAX_PASSWORD_CHARS: usize = 200;

async fn pool(config: &CommonConfig) -> anyhow::Result<sqlx::PgPool> {
    let schema = format!("gateway{}", config.db_schema_suffix);
    db::migrate(config.database_url(), &schema, <crate::Gateway as ServiceDef>::migrator()).await?;
    Ok(db::pool(config.database_url(), &schema, 2)?)
}

async fn key_store(config: &CommonConfig) -> anyhow::Result<KeyStore> {
    // The commands never authenticate, so the cache's time does not matter.
    Ok(KeyStore::new(pool(config).await?, Duration::ZERO, config.principal_key()))
}

async fn people(config: &CommonConfig) -> anyhow::Result<People> {
    // The commands issue no tokens: any key and lifetime will do.
    Ok(People::new(pool(config).await?, b"unused", Lifetimes { access: Duration::ZERO, refresh: Duration::ZERO }).await?)
}

/// Creates an administrators' automation key for `name` with the default rate limit.
pub async fn create_api_key(config: &CommonConfig, name: &str) -> anyhow::Result<CreatedKey> {
    create_api_key_limited(config, name, DEFAULT_RATE_LIMIT_PER_SECOND).await
}

/// Creates an administrators' automation key allowed `rate_limit_per_second` calls a second.
pub async fn create_api_key_limited(config: &CommonConfig, name: &str, rate_limit_per_second: i32) -> anyhow::Result<CreatedKey> {
    anyhow::ensure!(!name.trim().is_empty(), "name must not be empty");
    anyhow::ensure!(rate_limit_per_second > 0, "rate limit must be positive");
    Ok(key_store(config).await?.create(name.trim(), rate_limit_per_second).await?)
}

/// Registers an integrator and the schools it serves.
pub async fn create_integrator(config: &CommonConfig, name: &str, scope: &Scope, rate_limit_per_second: i32) -> anyhow::Result<Integrator> {
    anyhow::ensure!(!name.trim().is_empty() && name.chars().count() <= 200, "name must be 1–200 characters");
    anyhow::ensure!(rate_limit_per_second > 0, "rate limit must be positive");
    anyhow::ensure!(scope.regions.len() <= MAX_SCOPE_REGIONS, "at most {MAX_SCOPE_REGIONS} regions");
    anyhow::ensure!(scope.districts.len() <= MAX_SCOPE_DISTRICTS, "at most {MAX_SCOPE_DISTRICTS} districts");
    anyhow::ensure!(scope.schools.len() <= MAX_SCOPE_SCHOOLS, "at most {MAX_SCOPE_SCHOOLS} schools");
    for region in &scope.regions {
        anyhow::ensure!(qashyq_catalogue::catalogue().region(region).is_some(), "{region:?} is not a region code of the catalogue");
    }
    Ok(key_store(config).await?.create_integrator(name.trim(), scope, rate_limit_per_second).await?)
}

/// Issues a key for an integrator; its other keys keep working for `overlap` (zero: until revoked).
pub async fn issue_api_key(config: &CommonConfig, integrator_id: Uuid, overlap: Duration) -> anyhow::Result<CreatedKey> {
    anyhow::ensure!(overlap <= MAX_OVERLAP, "the overlap is at most {} days", MAX_OVERLAP.as_secs() / 86_400);
    key_store(config).await?.issue(integrator_id, overlap).await?.ok_or_else(|| anyhow::anyhow!("no integrator {integrator_id}"))
}

/// Binds a client certificate (its SHA-256 fingerprint, 64 hex digits) to an integrator.
pub async fn bind_certificate(config: &CommonConfig, integrator_id: Uuid, fingerprint_hex: &str) -> anyhow::Result<()> {
    let bytes = hex::decode(fingerprint_hex.trim().replace(':', "")).map_err(|_| anyhow::anyhow!("the fingerprint is not hex"))?;
    let fingerprint: [u8; 32] = bytes.try_into().map_err(|_| anyhow::anyhow!("a SHA-256 fingerprint has 32 bytes"))?;
    anyhow::ensure!(key_store(config).await?.bind_certificate(integrator_id, &fingerprint).await?, "no integrator {integrator_id}");
    Ok(())
}

pub async fn revoke_api_key(config: &CommonConfig, key_id: Uuid) -> anyhow::Result<()> {
    anyhow::ensure!(key_store(config).await?.revoke(key_id).await?, "no live key {key_id}");
    Ok(())
}

fn check_password(password: &str) -> anyhow::Result<()> {
    let chars = password.chars().count();
    anyhow::ensure!((MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars), "a password has {MIN_PASSWORD_CHARS}–{MAX_PASSWORD_CHARS} characters");
    Ok(())
}

/// Creates a person who signs in with `login` and `password`.
pub async fn create_person(
    config: &CommonConfig,
    login: &str,
    full_name: &str,
    role: Role,
    region_code: Option<&str>,
    password: &str,
) -> anyhow::Result<Person> {
    let login = login.trim();
    anyhow::ensure!(
        (3..=100).contains(&login.chars().count()) && login.chars().all(|c| c.is_alphanumeric() || ".-_@".contains(c)),
        "a login has 3–100 characters: letters, digits, '.', '-', '_', '@'"
    );
    anyhow::ensure!(role != Role::Integrator, "integrators sign in with API keys, not as people");
    anyhow::ensure!((role == Role::RegionalObserver) == region_code.is_some(), "a regional observer has a region, and only a regional observer");
    if let Some(region) = region_code {
        anyhow::ensure!(qashyq_catalogue::catalogue().region(region).is_some(), "{region:?} is not a region code of the catalogue");
    }
    check_password(password)?;
    Ok(people(config).await?.create(login, full_name.trim(), role, region_code, password).await?)
}

/// Sets a new password and ends every sign-in of the person.
pub async fn reset_password(config: &CommonConfig, login: &str, password: &str) -> anyhow::Result<Person> {
    check_password(password)?;
    Ok(people(config).await?.reset_password(login.trim(), password).await?)
}
