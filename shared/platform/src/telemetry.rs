//! Logs through `tracing` (text or JSON) and, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, traces
//! and metrics exported over OTLP/gRPC ([`crate::metrics`]). Set up once per process.

use opentelemetry::{global, trace::TracerProvider as _};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::{Resource, propagation::TraceContextPropagator, trace::SdkTracerProvider};
use tracing_subscriber::{EnvFilter, Layer, layer::SubscriberExt, util::SubscriberInitExt};

use crate::config::LogFormat;

/// Keeps the trace pipeline alive; dropping it flushes spans still buffered.
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("trace exporter did not flush: {error}");
        }
    }
}

/// Installs the global subscriber: `RUST_LOG` filter (default `info`), the chosen log format, and
/// the OTLP layer when an endpoint is configured. W3C trace context is always propagated, even
/// when nothing is exported, so that a collector further along still sees one trace.
pub fn init(service_name: &'static str, format: LogFormat) -> anyhow::Result<TelemetryGuard> {
    global::set_text_map_propagator(TraceContextPropagator::new());

    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,h2=warn,hyper=warn,tower=warn,lapin=warn,sqlx=warn"));
    let fmt_layer = match format {
        LogFormat::Json => tracing_subscriber::fmt::layer().json().flatten_event(true).with_current_span(true).boxed(),
        LogFormat::Text => tracing_subscriber::fmt::layer().with_target(false).boxed(),
    };

    let endpoint = otlp_endpoint();
    crate::metrics::install(endpoint.as_deref())?;
    let provider = endpoint.map(|endpoint| build_provider(service_name, &endpoint)).transpose()?;
    let otel_layer = provider.as_ref().map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer(service_name)));
    if let Some(provider) = &provider {
        global::set_tracer_provider(provider.clone());
    }

    tracing_subscriber::registry().with(filter).with(fmt_layer).with(otel_layer).try_init()?;
    Ok(TelemetryGuard { provider })
}

/// Returns the configured OTLP endpoint with a scheme: the exporter would otherwise assume https.
fn otlp_endpoint() -> Option<String> {
    let raw = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").ok()?;
    let raw = raw.trim();
    if raw.is_empty() {
        None
    } else if raw.contains("://") {
        Some(raw.to_owned())
    } else {
        Some(format!("http://{raw}"))
    }
}

fn build_provider(service_name: &'static str, endpoint: &str) -> anyhow::Result<SdkTracerProvider> {
    let exporter = opentelemetry_otlp::SpanExporter::builder().with_tonic().with_endpoint(endpoint).build()?;
    Ok(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(Resource::builder().with_service_name(service_name).build()).build())
}
