//! Administration commands, run against the gateway's own schema (migrated first, so they work
//! before the gateway has ever started).

use qashyq_platform::{ServiceDef, config::CommonConfig, db};
use uuid::Uuid;

use crate::keys::{CreatedKey, DEFAULT_RATE_LIMIT_PER_SECOND, KeyStore};

async fn key_store(config: &CommonConfig) -> anyhow::Result<KeyStore> {
    let schema = format!("gateway{}", config.db_schema_suffix);
    db::migrate(config.database_url(), &schema, <crate::Gateway as ServiceDef>::migrator()).await?;
    // The admin commands never authenticate, so the cache's time does not matter.
    Ok(KeyStore::new(db::pool(config.database_url(), &schema, 2)?, std::time::Duration::ZERO))
}

/// Creates an API key for `name` with the default rate limit.
pub async fn create_api_key(config: &CommonConfig, name: &str) -> anyhow::Result<CreatedKey> {
    create_api_key_limited(config, name, DEFAULT_RATE_LIMIT_PER_SECOND).await
}

/// Creates an API key for `name` allowed `rate_limit_per_second` calls a second.
pub async fn create_api_key_limited(config: &CommonConfig, name: &str, rate_limit_per_second: i32) -> anyhow::Result<CreatedKey> {
    anyhow::ensure!(!name.trim().is_empty(), "name must not be empty");
    anyhow::ensure!(rate_limit_per_second > 0, "rate limit must be positive");
    Ok(key_store(config).await?.create(name.trim(), rate_limit_per_second).await?)
}

pub async fn revoke_api_key(config: &CommonConfig, key_id: Uuid) -> anyhow::Result<()> {
    anyhow::ensure!(key_store(config).await?.revoke(key_id).await?, "no live key {key_id}");
    Ok(())
}
