//! The gateway: the only public endpoint (R-GW-1). Every call is authenticated by API key
//! ([`keys`]), limited per principal ([`rate_limit`]) and forwarded by its package
//! (`qashyq.<domain>.v1`) to the service that owns it ([`proxy`]); health and reflection are
//! answered by the gateway itself.

pub mod admin;
mod guard;
mod health_mirror;
pub mod keys;
mod proxy;
pub mod rate_limit;

use std::sync::Arc;

use qashyq_platform::{ServiceContext, ServiceDef, ServiceParts};
use sqlx::migrate::Migrator;
use tonic::service::Routes;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

pub struct Gateway;

/// `QASHYQ_GATEWAY_*`: the gateway's own settings.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct GatewaySettings {
    /// `QASHYQ_GATEWAY_KEY_CACHE_SECONDS`: how long a verified (or refused) API key is trusted
    /// without asking the database; a revoked key stops working within it (default 30).
    #[serde(default = "default_key_cache_seconds")]
    pub key_cache_seconds: u64,
}

fn default_key_cache_seconds() -> u64 {
    30
}

impl ServiceDef for Gateway {
    const NAME: &'static str = "gateway";
    const DEFAULT_PORT: u16 = 15050;
    const GRPC_SERVICES: &'static [&'static str] = &[];
    /// Every service that owns a public package.
    const PEERS: &'static [&'static str] = &["schedule", "tvgrid", "assignments", "content", "proctoring", "reporting"];
    type Settings = GatewaySettings;

    fn migrator() -> &'static Migrator {
        &MIGRATOR
    }

    async fn build(ctx: &ServiceContext, settings: GatewaySettings) -> anyhow::Result<ServiceParts> {
        let upstreams = proxy::Upstreams::new(ctx)?;
        let keys = Arc::new(keys::KeyStore::new(ctx.pool.clone(), std::time::Duration::from_secs(settings.key_cache_seconds)));
        let limiter = Arc::new(rate_limit::RateLimiter::new(ctx.config.redis_url())?);
        let health_mirrors: Vec<_> = upstreams
            .packages()
            .map(|(package, channel)| {
                let services = health_mirror::services_of(package, qashyq_proto::FILE_DESCRIPTOR_SET);
                health_mirror::mirror(ctx.health.clone(), channel, services, ctx.shutdown.clone())
            })
            .collect();
        let guarded = guard::Guard::new(proxy::Proxy::new(upstreams), keys, limiter.clone());
        let router = axum::Router::new().fallback_service(guarded);
        let parts = ServiceParts::new(Routes::from(router)).with_worker(limiter.run(ctx.shutdown.clone()));
        Ok(health_mirrors.into_iter().fold(parts, ServiceParts::with_worker))
    }
}
