//! The `Application` every service runs: bind, serve health at once (NOT_SERVING), migrate, start
//! background workers, report SERVING; on shutdown report NOT_SERVING, drain and stop. `main`
//! and the tests build the same object; tests bind port 0 and read the real address back.

use std::{future::Future, net::SocketAddr, time::Duration};

use futures::future::BoxFuture;
use sqlx::{PgPool, migrate::Migrator};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;
use tonic_health::server::HealthReporter;

use crate::{
    config::CommonConfig,
    db,
    events::{Consumer, EventHandler, OutboxRelay, Topology},
    grpc::{readiness::Readiness, server},
    telemetry,
};

/// How long workers get to finish after the server has stopped.
const WORKER_DRAIN: Duration = Duration::from_secs(10);
/// The admin port (metrics) of a service is its gRPC port plus this, unless configured.
const ADMIN_PORT_OFFSET: u16 = 1000;

/// What makes a crate a Qashyq service.
pub trait ServiceDef: Send + Sync + 'static {
    /// Short name: the process, its database schema and its event queue (`"schedule"`).
    const NAME: &'static str;
    /// Port used when `QASHYQ_LISTEN_ADDR` is not set.
    const DEFAULT_PORT: u16;
    /// Fully-qualified gRPC services it serves, each reported by health.
    const GRPC_SERVICES: &'static [&'static str];
    /// The services of the mesh it calls (`"tvgrid"`): their URLs (`QASHYQ_TVGRID_URL`) are the
    /// only ones [`ServiceContext::peer_url`] gives it.
    const PEERS: &'static [&'static str] = &[];
    /// Whether its port also answers HTTP/1.1 (the gateway's plain-HTTP reads for dashboards);
    /// gRPC itself is HTTP/2 only.
    const ACCEPTS_HTTP1: bool = false;
    /// Its own settings, read from `QASHYQ_<NAME>_*` (every field with a default);
    /// [`NoSettings`] when it has none.
    type Settings: serde::de::DeserializeOwned + Clone + Send + Sync + 'static;

    /// The service's own migrations (`sqlx::migrate!()` in its crate); none by default (the
    /// platform's outbox and inbox tables are always created).
    fn migrator() -> &'static Migrator {
        static NONE: Migrator = Migrator::DEFAULT;
        &NONE
    }

    /// Builds the gRPC routes and background workers. Must not wait on the database: it runs
    /// before migrations, so that health can answer while they run.
    fn build(ctx: &ServiceContext, settings: Self::Settings) -> impl Future<Output = anyhow::Result<ServiceParts>> + Send;
}

/// The settings of a service that has none of its own.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NoSettings {}

/// Reads service `name`'s own settings from `QASHYQ_<NAME>_*`.
pub fn service_settings<T: serde::de::DeserializeOwned>(name: &str) -> anyhow::Result<T> {
    let prefix = format!("QASHYQ_{}_", name.to_uppercase());
    crate::config::from_env_prefixed(&prefix).map_err(|e| anyhow::anyhow!("{prefix}*: {e}"))
}

/// What a service is given to build itself from.
#[derive(Clone)]
pub struct ServiceContext {
    pub config: CommonConfig,
    pub pool: PgPool,
    pub schema: String,
    pub topology: Topology,
    pub shutdown: CancellationToken,
    /// The service's health: the platform reports the overall status and that of
    /// [`ServiceDef::GRPC_SERVICES`]; a service may report more names (the gateway mirrors its
    /// upstreams' services).
    pub health: HealthReporter,
    health_service: tonic_health::pb::health_server::HealthServer<tonic_health::server::HealthService>,
    producer: &'static str,
    peers: &'static [&'static str],
}

impl ServiceContext {
    /// Where `peer` listens; only a service declared in [`ServiceDef::PEERS`] may be asked for.
    pub fn peer_url(&self, peer: &str) -> anyhow::Result<&str> {
        anyhow::ensure!(self.peers.contains(&peer), "{} does not declare {peer} among its PEERS", self.producer);
        self.config.service_url(peer).ok_or_else(|| anyhow::anyhow!("no service {peer} in the mesh"))
    }

    /// The relay that publishes this service's outbox.
    pub fn outbox_relay(&self) -> OutboxRelay {
        OutboxRelay::new(self.pool.clone(), self.schema.clone(), self.producer, self.config.amqp_url(), self.topology.clone())
    }

    /// A consumer of the events `handler` subscribes to, on this service's queue.
    pub fn consumer<H: EventHandler>(&self, handler: H) -> Consumer<H> {
        Consumer::new(self.pool.clone(), self.producer, self.config.amqp_url(), self.topology.clone(), handler)
    }
}

/// The routes and background workers of a built service.
pub struct ServiceParts {
    routes: Routes,
    /// Must finish before the service reports SERVING; each returns false on shutdown.
    gates: Vec<BoxFuture<'static, bool>>,
    workers: Vec<BoxFuture<'static, ()>>,
}

impl ServiceParts {
    pub fn new(routes: Routes) -> Self {
        Self { routes, gates: Vec::new(), workers: Vec::new() }
    }

    /// Adds an event consumer: its queue is declared before the service is ready, then it runs.
    pub fn with_consumer<H: EventHandler>(mut self, consumer: Consumer<H>, shutdown: CancellationToken) -> Self {
        let consumer = std::sync::Arc::new(consumer);
        let declaring = consumer.clone();
        let gate_shutdown = shutdown.clone();
        self.gates.push(Box::pin(async move { declaring.declare(&gate_shutdown).await }));
        self.workers.push(Box::pin(async move { consumer.run(shutdown).await }));
        self
    }

    /// Adds a task that must succeed after the migrations and before the service is ready (a
    /// conversion of stored data a migration cannot do in SQL). It is retried every few seconds
    /// while it fails, so a database that is not there yet delays readiness instead of stopping
    /// the service; it must be idempotent.
    pub fn with_startup_task<F, Fut>(mut self, name: &'static str, task: F, shutdown: CancellationToken) -> Self
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send,
    {
        self.gates.push(Box::pin(async move {
            loop {
                match task().await {
                    Ok(()) => return true,
                    Err(error) => tracing::error!(task = name, error = %format!("{error:#}"), "startup task failed, retrying"),
                }
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(3)) => {}
                    () = shutdown.cancelled() => return false,
                }
            }
        }));
        self
    }

    /// Adds a worker; it must return soon after the context's shutdown token is cancelled.
    pub fn with_worker(mut self, worker: impl Future<Output = ()> + Send + 'static) -> Self {
        self.workers.push(Box::pin(worker));
        self
    }
}

pub struct Application {
    listener: TcpListener,
    local_addr: SocketAddr,
    admin: TcpListener,
    admin_addr: SocketAddr,
    name: &'static str,
    grpc_services: &'static [&'static str],
    http1: bool,
    migrator: &'static Migrator,
    ctx: ServiceContext,
    parts: ServiceParts,
}

impl Application {
    /// Binds the listener and builds the service; nothing is served until [`Application::run`].
    pub async fn build<S: ServiceDef>(config: CommonConfig, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let addr = config.listen_addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], S::DEFAULT_PORT)));
        let listener = bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let admin_addr = config.admin_addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], S::DEFAULT_PORT.saturating_add(ADMIN_PORT_OFFSET))));
        let admin = bind(admin_addr).await?;
        let admin_addr = admin.local_addr()?;
        crate::metrics::install(None)?;
        let schema = format!("{}{}", S::NAME, config.db_schema_suffix);
        let pool = db::pool(config.database_url(), &schema, config.database_max_connections)?;
        let topology = Topology::new(config.events_exchange.clone(), config.events_ephemeral);
        let health = HealthReporter::new();
        let health_service = tonic_health::pb::health_server::HealthServer::new(tonic_health::server::HealthService::from_health_reporter(health.clone()));
        let ctx = ServiceContext { config, pool, schema, topology, shutdown, health, health_service, producer: S::NAME, peers: S::PEERS };
        let settings = service_settings::<S::Settings>(S::NAME)?;
        let parts = S::build(&ctx, settings).await?;
        Ok(Self {
            listener,
            local_addr,
            admin,
            admin_addr,
            name: S::NAME,
            grpc_services: S::GRPC_SERVICES,
            http1: S::ACCEPTS_HTTP1,
            migrator: S::migrator(),
            ctx,
            parts,
        })
    }

    /// The address actually bound (the real port when built on port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Where `GET /metrics` is served.
    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_addr
    }

    /// Serves until the shutdown token is cancelled, then drains and returns.
    pub async fn run(self) -> anyhow::Result<()> {
        let Self { listener, local_addr, admin, admin_addr, name, grpc_services, http1, migrator, ctx, parts } = self;
        let health = ctx.health.clone();
        set_health(health.clone(), grpc_services, false).await;
        let readiness = Readiness::default();
        let routes = server::with_reflection(parts.routes.add_service(ctx.health_service.clone()))?;
        let shutdown = ctx.shutdown.clone();
        let mut server = tokio::spawn(server::serve(listener, routes, readiness.clone(), shutdown.clone(), name, http1));
        let admin_server = tokio::spawn(crate::admin::serve(admin, shutdown.clone()));
        tracing::info!(service = name, %local_addr, %admin_addr, "listening");

        let grace = Duration::from_secs(ctx.config.shutdown_grace_seconds);
        tokio::select! {
            result = db::migrate(ctx.config.database_url(), &ctx.schema, migrator) => result?,
            result = &mut server => return result?,
            () = shutdown.cancelled() => return drain(server, grace, name).await,
        }
        for gate in parts.gates {
            if !gate.await {
                return drain(server, grace, name).await;
            }
        }
        let sampler = crate::admin::sample_state(name, ctx.pool.clone(), shutdown.clone());
        let workers: Vec<_> = parts.workers.into_iter().chain(std::iter::once(Box::pin(sampler) as BoxFuture<'static, ()>)).map(tokio::spawn).collect();
        readiness.set_ready(true);
        set_health(health.clone(), grpc_services, true).await;
        tracing::info!(service = name, "ready");

        shutdown.cancelled().await;
        set_health(health.clone(), grpc_services, false).await;
        readiness.set_ready(false);
        let served = drain(server, grace, name).await;
        for worker in workers {
            if tokio::time::timeout(WORKER_DRAIN, worker).await.is_err() {
                tracing::warn!(service = name, "worker did not stop in time");
            }
        }
        ctx.pool.close().await;
        let _ = admin_server.await;
        tracing::info!(service = name, "stopped");
        served
    }
}

/// Waits for the server to finish after shutdown: it stops accepting at once and lets calls in
/// flight complete; streams that would never end (health watchers) are cut after `grace`.
async fn drain(mut server: tokio::task::JoinHandle<anyhow::Result<()>>, grace: Duration, name: &str) -> anyhow::Result<()> {
    match tokio::time::timeout(grace, &mut server).await {
        Ok(result) => result?,
        Err(_) => {
            tracing::warn!(service = name, ?grace, "calls still open after the grace period, closing them");
            server.abort();
            Ok(())
        }
    }
}

/// Binds the listener, retrying for a few seconds while the address is in use (a previous run of
/// the same service still closing). The default ports (15050–15056) lie below Linux's ephemeral
/// range (32768–60999), so no client socket of the machine's own is ever given one of them.
async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match TcpListener::bind(addr).await {
            Err(error) if error.kind() == std::io::ErrorKind::AddrInUse && tokio::time::Instant::now() < deadline => {
                tracing::warn!(%addr, "address in use, retrying");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            result => return result,
        }
    }
}

async fn set_health(health: HealthReporter, services: &'static [&'static str], serving: bool) {
    let status = if serving { tonic_health::ServingStatus::Serving } else { tonic_health::ServingStatus::NotServing };
    health.set_service_status("", status).await;
    for &service in services {
        health.set_service_status(service, status).await;
    }
}

/// The whole `main` of a service: configuration, telemetry, signals, run.
pub async fn main<S: ServiceDef>() -> anyhow::Result<()> {
    let config = CommonConfig::from_env()?;
    let _telemetry = telemetry::init(S::NAME, config.log_format)?;
    if let Some(clock) = config.clock() {
        crate::clock::install(clock);
        tracing::warn!(service = S::NAME, now = %clock.now(), "the business clock is shifted (QASHYQ_CLOCK_START): it runs on from there");
    }
    if config.principal_key.as_ref().is_none_or(|key| secrecy::ExposeSecret::expose_secret(key).is_empty()) {
        tracing::warn!(service = S::NAME, "QASHYQ_PRINCIPAL_KEY is unset: principals are signed with the development key; set it in production");
    }
    let shutdown = crate::shutdown::on_signal();
    Application::build::<S>(config, shutdown).await?.run().await
}
