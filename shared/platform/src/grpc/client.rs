//! Client channels to other services, carrying the caller's trace context.

use std::time::Duration;

use tonic::{
    Request, Status,
    metadata::{MetadataKey, MetadataValue},
    service::Interceptor,
    transport::{Channel, Endpoint},
};

use crate::trace_context;

/// Headers and trailers a channel accepts from its server: a service's error is bounded far below
/// this (see [`crate::error::limits`]), but a proxy must never turn an answer it cannot read
/// into a transport failure.
const MAX_HEADER_LIST_BYTES: u32 = 64 * 1024;

/// Returns a channel that connects on first use and reconnects after failures.
pub fn lazy_channel(url: &str) -> Result<Channel, tonic::transport::Error> {
    Ok(Endpoint::from_shared(url.to_owned())?
        .connect_timeout(Duration::from_secs(2))
        .http2_max_header_list_size(MAX_HEADER_LIST_BYTES)
        .tcp_nodelay(true)
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_while_idle(true)
        .connect_lazy())
}

/// Writes `traceparent`/`tracestate` of the current span into every outgoing call, and what is
/// left of the deadline of the call being served (see [`super::deadline`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceContextInterceptor;

impl Interceptor for TraceContextInterceptor {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        for (key, value) in trace_context::current_as_map() {
            if let (Ok(key), Ok(value)) = (MetadataKey::from_bytes(key.as_bytes()), MetadataValue::try_from(value.as_str())) {
                request.metadata_mut().insert(key, value);
            }
        }
        if let Some(left) = super::deadline::remaining() {
            if left.is_zero() {
                return Err(Status::deadline_exceeded("the caller's deadline has passed"));
            }
            request.set_timeout(left);
        }
        Ok(request)
    }
}

/// Presents an API key on every call (`authorization: Bearer <key>`), as integrators' clients
/// and the project's own tools do; with no key it adds nothing.
#[derive(Debug, Clone, Default)]
pub struct BearerKey(Option<MetadataValue<tonic::metadata::Ascii>>);

/// A channel that presents an API key on every call.
pub type KeyedChannel = tonic::service::interceptor::InterceptedService<Channel, BearerKey>;

impl BearerKey {
    pub fn new(key: Option<&str>) -> Result<Self, tonic::metadata::errors::InvalidMetadataValue> {
        key.map(|k| MetadataValue::try_from(format!("Bearer {k}"))).transpose().map(Self)
    }

    /// Wraps `channel` so that every call carries the key.
    pub fn on(self, channel: Channel) -> KeyedChannel {
        tonic::service::interceptor::InterceptedService::new(channel, self)
    }
}

impl Interceptor for BearerKey {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(value) = &self.0 {
            request.metadata_mut().insert("authorization", value.clone());
        }
        Ok(request)
    }
}
