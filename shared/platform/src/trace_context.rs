//! W3C trace context (`traceparent`, `tracestate`) carried across process boundaries: gRPC
//! metadata (HTTP/2 headers) and RabbitMQ message headers.

use std::collections::HashMap;

use opentelemetry::{
    global,
    propagation::{Extractor, Injector},
};
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Writes the current span's context into HTTP headers (outgoing gRPC calls).
pub fn inject_into_headers(headers: &mut http::HeaderMap) {
    let context = tracing::Span::current().context();
    global::get_text_map_propagator(|propagator| propagator.inject_context(&context, &mut HeaderInjector(headers)));
}

/// Makes `span` a child of the context found in HTTP headers (incoming gRPC calls).
pub fn adopt_from_headers(span: &tracing::Span, headers: &http::HeaderMap) {
    let parent = global::get_text_map_propagator(|propagator| propagator.extract(&HeaderExtractor(headers)));
    // Fails only when the span is disabled; there is nothing to attach to then.
    let _ = span.set_parent(parent);
}

/// Returns the current span's context as plain key/value pairs (outbox rows, AMQP headers).
pub fn current_as_map() -> HashMap<String, String> {
    let context = tracing::Span::current().context();
    let mut map = HashMap::new();
    global::get_text_map_propagator(|propagator| propagator.inject_context(&context, &mut map));
    map
}

/// Makes `span` a child of the context in key/value pairs (consumed events).
pub fn adopt_from_map(span: &tracing::Span, map: &HashMap<String, String>) {
    let parent = global::get_text_map_propagator(|propagator| propagator.extract(map));
    let _ = span.set_parent(parent);
}

struct HeaderInjector<'a>(&'a mut http::HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (http::header::HeaderName::from_bytes(key.as_bytes()), http::HeaderValue::from_str(&value)) {
            self.0.insert(name, value);
        }
    }
}

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}
