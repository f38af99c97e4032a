//! Each service's admin port: `GET /metrics` in the Prometheus text format, for scrapers (the
//! gRPC port stays gRPC only). And the sampler that turns the state of the service's own tables
//! and pool into gauges every few seconds: outbox backlog and its oldest row's age, pending and
//! dead jobs, pool connections in use and idle.

use std::time::Duration;

use axum::{Router, http::header, routing::get};
use opentelemetry::KeyValue;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{jobs::JobQueue, metrics};

/// How often the sampler reads the service's state.
const SAMPLE_EVERY: Duration = Duration::from_secs(2);

/// Serves the admin routes until `shutdown`.
pub async fn serve(listener: TcpListener, shutdown: CancellationToken) {
    let router = Router::new().route("/metrics", get(|| async { ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], metrics::render()) }));
    if let Err(error) = axum::serve(listener, router).with_graceful_shutdown(shutdown.cancelled_owned()).await {
        tracing::warn!(%error, "admin server failed");
    }
}

/// Records the service's state as gauges every [`SAMPLE_EVERY`] until `shutdown`. A database that
/// cannot be read leaves the last values (and says so in the log once per outage).
pub async fn sample_state(service: &'static str, pool: PgPool, shutdown: CancellationToken) {
    let jobs = JobQueue::new(pool.clone());
    let mut failing = false;
    loop {
        match sample_once(service, &pool, &jobs).await {
            Ok(()) => failing = false,
            Err(error) if !failing => {
                failing = true;
                tracing::warn!(service, %error, "cannot sample the service's state for metrics");
            }
            Err(_) => {}
        }
        tokio::select! {
            () = tokio::time::sleep(SAMPLE_EVERY) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

async fn sample_once(service: &'static str, pool: &PgPool, jobs: &JobQueue) -> Result<(), sqlx::Error> {
    let m = metrics::instruments();
    let attributes = [metrics::service(service)];
    let in_use = i64::from(pool.size()) - i64::try_from(pool.num_idle()).unwrap_or(0);
    m.db_pool_connections.record(in_use.max(0), &[metrics::service(service), KeyValue::new("state", "in_use")]);
    m.db_pool_connections.record(i64::try_from(pool.num_idle()).unwrap_or(0), &[metrics::service(service), KeyValue::new("state", "idle")]);
    m.db_pool_max.record(i64::from(pool.options().get_max_connections()), &attributes);
    let (backlog, oldest_age): (i64, f64) =
        sqlx::query_as("SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at))::float8, 0) FROM outbox WHERE published_at IS NULL")
            .fetch_one(pool)
            .await?;
    m.outbox_backlog.record(backlog, &attributes);
    m.outbox_oldest_age.record(oldest_age, &attributes);
    let counts = jobs.counts().await?;
    m.jobs_pending.record(counts.pending, &attributes);
    m.jobs_dead.record(counts.dead, &attributes);
    Ok(())
}
