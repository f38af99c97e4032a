//! Metrics, beside the traces and through the same OpenTelemetry pipeline: instruments are
//! OpenTelemetry instruments; one meter provider per process reads them for two exporters —
//! Prometheus text on each service's admin port (`GET /metrics`, for scrapers) and, when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set, OTLP/gRPC every 15 s.
//!
//! What is measured (every series carries `service`):
//! - per RPC: `qashyq_rpc_calls_total{rpc, code}` and `qashyq_rpc_duration_seconds{rpc}`;
//! - the outbox: `qashyq_outbox_backlog` (rows not yet published) and
//!   `qashyq_outbox_oldest_age_seconds`;
//! - consumers: `qashyq_events_consumed_total{outcome}` (applied, duplicate, retry, dead_letter),
//!   `qashyq_events_redelivered_total`, `qashyq_events_lag_seconds` (from an event's occurrence to
//!   its application), `qashyq_events_unhandled_total{event_type}`;
//! - the job queue: `qashyq_jobs_pending`, `qashyq_jobs_dead`;
//! - the database pool: `qashyq_db_pool_connections{state="in_use"|"idle"}` and
//!   `qashyq_db_pool_max` (sqlx does not expose how many callers wait for a connection: a pool
//!   with every connection in use is the sign, and its calls' latency the effect);
//! - the gateway: `qashyq_gateway_rate_limited_total`, `qashyq_gateway_rate_limit_degraded_total`
//!   (flushes that found Redis away: each replica limited on its own), `qashyq_gateway_denied_total`
//!   (calls refused for the caller's role), `qashyq_gateway_login_failures_total`.
//!
//! Alert rules and a dashboard that read these are kept in `deploy/prometheus/` and
//! `deploy/grafana/`.

use std::{sync::OnceLock, time::Duration};

use opentelemetry::{
    KeyValue, global,
    metrics::{Counter, Gauge, Histogram, Meter},
};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};

/// The process's meter provider and the registry the Prometheus endpoint reads.
struct Pipeline {
    registry: prometheus::Registry,
    _provider: SdkMeterProvider,
}

static PIPELINE: OnceLock<Pipeline> = OnceLock::new();

/// Installs the process's metrics pipeline (first call wins): the Prometheus registry always, the
/// OTLP exporter when `otlp_endpoint` is given. Called by telemetry at process start and by every
/// service as it is built, so that services started in-process (tests) are measured too.
pub fn install(otlp_endpoint: Option<&str>) -> anyhow::Result<()> {
    // Services built at once in one process (tests) install together: one of them builds the
    // pipeline, and the global provider is the one whose registry `render` reads.
    static INSTALLING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _installing = INSTALLING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if PIPELINE.get().is_some() {
        return Ok(());
    }
    let registry = prometheus::Registry::new();
    let prometheus_reader = opentelemetry_prometheus::exporter().with_registry(registry.clone()).scope_info_enabled(false).without_target_info().build()?;
    let mut builder = SdkMeterProvider::builder().with_reader(prometheus_reader);
    if let Some(endpoint) = otlp_endpoint {
        let exporter = opentelemetry_otlp::MetricExporter::builder().with_tonic().with_endpoint(endpoint).build()?;
        builder = builder.with_reader(PeriodicReader::builder(exporter).with_interval(Duration::from_secs(15)).build());
    }
    let provider = builder.build();
    global::set_meter_provider(provider.clone());
    let _ = PIPELINE.set(Pipeline { registry, _provider: provider });
    Ok(())
}

/// The Prometheus text exposition of every metric of the process.
pub fn render() -> String {
    use prometheus::Encoder;
    let Some(pipeline) = PIPELINE.get() else { return String::new() };
    let mut out = Vec::new();
    if let Err(error) = prometheus::TextEncoder::new().encode(&pipeline.registry.gather(), &mut out) {
        tracing::warn!(%error, "cannot encode metrics");
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The instruments, created once.
pub struct Instruments {
    pub rpc_calls: Counter<u64>,
    pub rpc_duration: Histogram<f64>,
    pub outbox_backlog: Gauge<i64>,
    pub outbox_oldest_age: Gauge<f64>,
    pub events_consumed: Counter<u64>,
    pub events_redelivered: Counter<u64>,
    pub events_lag: Histogram<f64>,
    pub events_unhandled: Counter<u64>,
    pub jobs_pending: Gauge<i64>,
    pub jobs_dead: Gauge<i64>,
    pub db_pool_connections: Gauge<i64>,
    pub db_pool_max: Gauge<i64>,
    pub rate_limited: Counter<u64>,
    pub rate_limit_degraded: Counter<u64>,
    pub denied: Counter<u64>,
    pub login_failures: Counter<u64>,
}

/// Latency buckets (seconds) for calls and waits: 1 ms to 10 s.
const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Event lag buckets (seconds): 10 ms to an hour.
const LAG_BUCKETS: &[f64] = &[0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0, 3600.0];

fn meter() -> Meter {
    global::meter("qashyq")
}

/// The instruments (after [`install`], recorded to the pipeline; before, to nothing).
pub fn instruments() -> &'static Instruments {
    static INSTRUMENTS: OnceLock<Instruments> = OnceLock::new();
    INSTRUMENTS.get_or_init(|| {
        // Instruments bind to the provider there is when they are made: make sure it is ours.
        if let Err(error) = install(None) {
            tracing::warn!(%error, "metrics pipeline not installed; measurements are dropped");
        }
        let meter = meter();
        Instruments {
            rpc_calls: meter.u64_counter("qashyq_rpc_calls").with_description("gRPC calls answered, by method and status code").build(),
            rpc_duration: meter
                .f64_histogram("qashyq_rpc_duration")
                .with_unit("s")
                .with_description("Time to answer a gRPC call (until its response headers)")
                .with_boundaries(LATENCY_BUCKETS.to_vec())
                .build(),
            outbox_backlog: meter.i64_gauge("qashyq_outbox_backlog").with_description("Outbox rows not yet published").build(),
            outbox_oldest_age: meter
                .f64_gauge("qashyq_outbox_oldest_age")
                .with_unit("s")
                .with_description("Age of the oldest unpublished outbox row (0 when none)")
                .build(),
            events_consumed: meter.u64_counter("qashyq_events_consumed").with_description("Event deliveries processed, by outcome").build(),
            events_redelivered: meter.u64_counter("qashyq_events_redelivered").with_description("Deliveries the broker marked as redelivered").build(),
            events_lag: meter
                .f64_histogram("qashyq_events_lag")
                .with_unit("s")
                .with_description("Time from an event's occurrence to its application by this consumer")
                .with_boundaries(LAG_BUCKETS.to_vec())
                .build(),
            events_unhandled: meter.u64_counter("qashyq_events_unhandled").with_description("Events acknowledged without a handler, by type").build(),
            jobs_pending: meter.i64_gauge("qashyq_jobs_pending").with_description("Jobs queued or running").build(),
            jobs_dead: meter.i64_gauge("qashyq_jobs_dead").with_description("Jobs that failed for good").build(),
            db_pool_connections: meter.i64_gauge("qashyq_db_pool_connections").with_description("Database pool connections, by state").build(),
            db_pool_max: meter.i64_gauge("qashyq_db_pool_max").with_description("Database pool size limit").build(),
            rate_limited: meter.u64_counter("qashyq_gateway_rate_limited").with_description("Calls refused by the gateway's rate limit").build(),
            rate_limit_degraded: meter
                .u64_counter("qashyq_gateway_rate_limit_degraded")
                .with_description("Rate-limit flushes that found Redis unreachable (each replica limited on its own)")
                .build(),
            denied: meter.u64_counter("qashyq_gateway_denied").with_description("Calls refused because the caller's role lacks what the method needs").build(),
            login_failures: meter.u64_counter("qashyq_gateway_login_failures").with_description("Failed or throttled sign-ins").build(),
        }
    })
}

/// The `service` attribute every series carries.
pub fn service(name: &'static str) -> KeyValue {
    KeyValue::new("service", name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_measurements_appear_in_the_prometheus_text() {
        install(None).unwrap();
        let m = instruments();
        m.rpc_calls.add(3, &[service("unit"), KeyValue::new("rpc", "/qashyq.test.v1.T/M"), KeyValue::new("code", "OK")]);
        m.rpc_duration.record(0.004, &[service("unit"), KeyValue::new("rpc", "/qashyq.test.v1.T/M")]);
        m.outbox_backlog.record(7, &[service("unit")]);
        let text = render();
        assert!(text.contains(r#"qashyq_rpc_calls_total{code="OK",rpc="/qashyq.test.v1.T/M",service="unit"} 3"#), "{text}");
        assert!(text.contains(r#"qashyq_rpc_duration_seconds_bucket{rpc="/qashyq.test.v1.T/M",service="unit",le="0.005"} 1"#), "{text}");
        assert!(text.contains(r#"qashyq_outbox_backlog{service="unit"} 7"#), "{text}");
    }
}
