//! The gateway: the only public endpoint (R-GW-1 … R-GW-3). Every call passes the [`guard`]:
//! authenticated ([`authn`]: integrators' API keys, [`keys`]; people's access tokens,
//! [`people`]), allowed for the caller's role ([`access`]), limited per principal
//! ([`rate_limit`]), done once per idempotency key ([`idempotency`]), audited for observers, and
//! forwarded with the signed principal to the service that owns its package ([`proxy`]) or to
//! the gateway's own sign-in and audit services ([`api`]). Health and reflection are answered by
//! the gateway itself. Dashboards read the reports as JSON or CSV over plain HTTP
//! ([`dashboards`]), each read made into the gRPC call and passed through the same guard.

pub mod access;
pub mod admin;
mod api;
mod authn;
mod dashboards;
pub mod feed;
mod grpc_frame;
mod guard;
mod health_mirror;
pub mod idempotency;
pub mod keys;
mod mutual_tls;
pub mod people;
mod proxy;
pub mod rate_limit;
mod record;
mod throttle;

use std::{sync::Arc, time::Duration};

use qashyq_platform::{ServiceContext, ServiceDef, ServiceParts};
use qashyq_proto::gateway::v1::{audit_service_server::AuditServiceServer, auth_service_server::AuthServiceServer, feed_service_server::FeedServiceServer};
use secrecy::{ExposeSecret, SecretString};
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
    /// `QASHYQ_GATEWAY_TOKEN_KEY`: the secret people's access tokens are signed with (HS256);
    /// the same on every replica. Unset: a development key, with a warning at start.
    #[serde(default)]
    pub token_key: Option<SecretString>,
    /// `QASHYQ_GATEWAY_ACCESS_TOKEN_SECONDS`: how long an access token is valid (default 900).
    #[serde(default = "default_access_token_seconds")]
    pub access_token_seconds: u64,
    /// `QASHYQ_GATEWAY_REFRESH_TOKEN_SECONDS`: how long a refresh token is valid unless used
    /// (default 7 days).
    #[serde(default = "default_refresh_token_seconds")]
    pub refresh_token_seconds: u64,
    /// `QASHYQ_GATEWAY_FEED_HEARTBEAT_SECONDS`: how long a feed subscriber waits at most for
    /// something (an event or a heartbeat; default 10).
    #[serde(default = "default_feed_heartbeat_seconds")]
    pub feed_heartbeat_seconds: u64,
    /// `QASHYQ_GATEWAY_TLS_ADDR`: where the gateway also listens with TLS, asking clients for a
    /// certificate of `QASHYQ_GATEWAY_TLS_CLIENT_CA` (mutual TLS for integrators; a client with
    /// no certificate may still present a key). Unset: no TLS port. With it:
    /// `QASHYQ_GATEWAY_TLS_CERT` and `QASHYQ_GATEWAY_TLS_KEY`, the server's PEM files.
    #[serde(default)]
    pub tls_addr: Option<std::net::SocketAddr>,
    #[serde(default)]
    pub tls_cert: Option<std::path::PathBuf>,
    #[serde(default)]
    pub tls_key: Option<std::path::PathBuf>,
    #[serde(default)]
    pub tls_client_ca: Option<std::path::PathBuf>,
    /// `QASHYQ_GATEWAY_FEED_RETENTION_DAYS`: how long the feed keeps events (default 7).
    #[serde(default = "default_feed_retention_days")]
    pub feed_retention_days: u64,
}

fn default_feed_heartbeat_seconds() -> u64 {
    10
}

fn default_feed_retention_days() -> u64 {
    7
}

fn default_key_cache_seconds() -> u64 {
    30
}

fn default_access_token_seconds() -> u64 {
    900
}

fn default_refresh_token_seconds() -> u64 {
    7 * 24 * 3600
}

/// The token key when none is configured: good for a laptop, never for production.
const DEVELOPMENT_TOKEN_KEY: &str = "qashyq-development-token-key-not-for-production";

/// How often idempotency answers past their retention are deleted.
const FORGET_EVERY: Duration = Duration::from_secs(3600);

impl ServiceDef for Gateway {
    const NAME: &'static str = "gateway";
    const DEFAULT_PORT: u16 = 15050;
    const GRPC_SERVICES: &'static [&'static str] = &["qashyq.gateway.v1.AuthService", "qashyq.gateway.v1.AuditService", "qashyq.gateway.v1.FeedService"];
    /// Every service that owns a public package.
    const PEERS: &'static [&'static str] = &["schedule", "tvgrid", "assignments", "content", "proctoring", "reporting"];
    /// Dashboards read reports over plain HTTP ([`dashboards`]).
    const ACCEPTS_HTTP1: bool = true;
    type Settings = GatewaySettings;

    fn migrator() -> &'static Migrator {
        &MIGRATOR
    }

    async fn build(ctx: &ServiceContext, settings: GatewaySettings) -> anyhow::Result<ServiceParts> {
        let upstreams = proxy::Upstreams::new(ctx)?;
        let cache_ttl = Duration::from_secs(settings.key_cache_seconds);
        let principals = ctx.config.principal_key();
        let keys = Arc::new(keys::KeyStore::new(ctx.pool.clone(), cache_ttl, principals.clone()));
        let token_key = match settings.token_key.as_ref().map(|k| k.expose_secret().to_owned()).filter(|k| !k.is_empty()) {
            Some(key) => key,
            None => {
                tracing::warn!("QASHYQ_GATEWAY_TOKEN_KEY is unset: access tokens are signed with the development key; set it in production");
                DEVELOPMENT_TOKEN_KEY.to_owned()
            }
        };
        let lifetimes =
            people::Lifetimes { access: Duration::from_secs(settings.access_token_seconds), refresh: Duration::from_secs(settings.refresh_token_seconds) };
        let people = Arc::new(people::People::new(ctx.pool.clone(), token_key.as_bytes(), lifetimes).await?);
        let throttle = Arc::new(throttle::LoginThrottle::new(ctx.config.redis_url(), &ctx.config.events_exchange));
        let limiter = Arc::new(rate_limit::RateLimiter::new(ctx.config.redis_url())?);
        let audit = api::audit::AuditLog::new(ctx.pool.clone());
        let gate = Arc::new(guard::Gatekeeping {
            authenticator: authn::Authenticator::new(keys, people.clone(), cache_ttl, principals.clone()),
            limiter: limiter.clone(),
            idempotency: idempotency::Idempotency::new(ctx.pool.clone()),
            audit: audit.clone(),
            records: record::RecordFields::from_descriptors(qashyq_proto::FILE_DESCRIPTOR_SET)?,
        });
        let health_mirrors: Vec<_> = upstreams
            .packages()
            .map(|(package, channel)| {
                let services = health_mirror::services_of(package, qashyq_proto::FILE_DESCRIPTOR_SET);
                health_mirror::mirror(ctx.health.clone(), channel, services, ctx.shutdown.clone())
            })
            .collect();
        let feed = feed::FeedStore::new(ctx.pool.clone());
        let (newest, newest_seen) = tokio::sync::watch::channel(0i64);
        let heartbeat = Duration::from_secs(settings.feed_heartbeat_seconds.max(1));
        let own = Routes::new(AuthServiceServer::new(api::auth::AuthApi::new(people, throttle)))
            .add_service(AuditServiceServer::new(api::audit::AuditApi::new(audit)))
            .add_service(FeedServiceServer::new(api::feed::FeedApi::new(feed.clone(), newest_seen, heartbeat, principals)))
            .into_axum_router()
            .fallback_service(proxy::Proxy::new(upstreams));
        let guarded = guard::Guard::new(own, gate.clone());
        // Plain-HTTP reads for dashboards go through the same guard as gRPC calls.
        let router = dashboards::routes(guarded.clone()).fallback_service(guarded);
        let tls = match &settings.tls_addr {
            Some(addr) => Some(mutual_tls::serve(*addr, &settings, router.clone(), ctx.shutdown.clone()).await?),
            None => None,
        };
        let retention = chrono::Duration::days(settings.feed_retention_days as i64);
        let forget = forget_expired(gate, feed, retention, ctx.shutdown.clone());
        let schedule = qashyq_platform::grpc::client::lazy_channel(ctx.peer_url("schedule")?)?;
        let consumer = ctx.consumer(feed::FeedConsumer::new(feed::Placings::from_descriptors(qashyq_proto::FILE_DESCRIPTOR_SET)?, schedule));
        let parts = ServiceParts::new(Routes::from(router))
            .with_worker(async move {
                if let Some(tls) = tls {
                    tls.await;
                }
            })
            .with_worker(limiter.run(ctx.shutdown.clone()))
            .with_worker(forget)
            .with_worker(feed::listen(ctx.pool.clone(), newest, ctx.shutdown.clone()))
            .with_consumer(consumer, ctx.shutdown.clone());
        Ok(health_mirrors.into_iter().fold(parts, ServiceParts::with_worker))
    }
}

/// Deletes idempotency answers and feed events past their retention, every [`FORGET_EVERY`].
async fn forget_expired(gate: Arc<guard::Gatekeeping>, feed: feed::FeedStore, retention: chrono::Duration, shutdown: tokio_util::sync::CancellationToken) {
    let mut ticks = tokio::time::interval(FORGET_EVERY);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = ticks.tick() => {}
        }
        match gate.idempotency.forget_expired().await {
            Ok(0) => {}
            Ok(forgotten) => tracing::info!(forgotten, "idempotency answers past their retention deleted"),
            Err(error) => tracing::warn!(%error, "cannot delete expired idempotency answers"),
        }
        match feed.forget_before(retention).await {
            Ok(0) => {}
            Ok(forgotten) => tracing::info!(forgotten, "feed events past their retention deleted"),
            Err(error) => tracing::warn!(%error, "cannot delete old feed events"),
        }
    }
}
