//! Per-RPC metrics: every call is counted by method and status code, and its time to the
//! response's headers recorded. The code is read where gRPC puts it: in the headers of a
//! trailers-only answer (every error a handler returns), else in the trailers at the end of the
//! body. Methods are labelled by path only when the path is one of the project's (or health's,
//! or reflection's); anything else a caller invents is counted as `other`, so no caller can grow
//! the number of series.

use std::{
    collections::{HashMap, HashSet},
    pin::Pin,
    sync::{Arc, OnceLock},
    task::{Context, Poll},
    time::Instant,
};

use futures::future::BoxFuture;
use http_body::{Body as HttpBody, Frame};
use opentelemetry::KeyValue;
use prost::Message;
use tonic::body::Body;
use tower::{Layer, Service};

use crate::metrics;

/// Every gRPC method path the project's services, health and reflection serve.
fn known_paths() -> &'static HashSet<String> {
    static PATHS: OnceLock<HashSet<String>> = OnceLock::new();
    PATHS.get_or_init(|| {
        let mut paths = HashSet::new();
        for descriptors in [qashyq_proto::FILE_DESCRIPTOR_SET, tonic_health::pb::FILE_DESCRIPTOR_SET] {
            let Ok(set) = prost_types::FileDescriptorSet::decode(descriptors) else { continue };
            for file in &set.file {
                for service in &file.service {
                    for method in &service.method {
                        paths.insert(format!("/{}.{}/{}", file.package(), service.name(), method.name()));
                    }
                }
            }
        }
        for reflection in ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"] {
            paths.insert(reflection.to_owned());
        }
        paths
    })
}

fn rpc_label(path: &str) -> String {
    if known_paths().contains(path) { path.to_owned() } else { "other".to_owned() }
}

/// The `service` and `rpc` attributes of one method's series.
type Labels = Arc<[KeyValue; 2]>;

/// The name of a gRPC status code as Prometheus labels show it (`OK`, `INVALID_ARGUMENT`).
fn code_name(raw: &[u8]) -> &'static str {
    let code = std::str::from_utf8(raw).ok().and_then(|s| s.parse::<i32>().ok()).map_or(tonic::Code::Unknown, tonic::Code::from_i32);
    match code {
        tonic::Code::Ok => "OK",
        tonic::Code::Cancelled => "CANCELLED",
        tonic::Code::Unknown => "UNKNOWN",
        tonic::Code::InvalidArgument => "INVALID_ARGUMENT",
        tonic::Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        tonic::Code::NotFound => "NOT_FOUND",
        tonic::Code::AlreadyExists => "ALREADY_EXISTS",
        tonic::Code::PermissionDenied => "PERMISSION_DENIED",
        tonic::Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        tonic::Code::FailedPrecondition => "FAILED_PRECONDITION",
        tonic::Code::Aborted => "ABORTED",
        tonic::Code::OutOfRange => "OUT_OF_RANGE",
        tonic::Code::Unimplemented => "UNIMPLEMENTED",
        tonic::Code::Internal => "INTERNAL",
        tonic::Code::Unavailable => "UNAVAILABLE",
        tonic::Code::DataLoss => "DATA_LOSS",
        tonic::Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// Every known method's labels, made once: the call path only looks them up.
#[derive(Clone)]
pub struct RpcMetricsLayer {
    labels: Arc<HashMap<String, Labels>>,
    other: Labels,
}

impl RpcMetricsLayer {
    pub fn new(service: &'static str) -> Self {
        let labels_of = |rpc: String| Arc::new([metrics::service(service), KeyValue::new("rpc", rpc)]);
        let labels = known_paths().iter().map(|path| (path.clone(), labels_of(rpc_label(path)))).collect();
        Self { labels: Arc::new(labels), other: labels_of(rpc_label("")) }
    }
}

impl<S> Layer<S> for RpcMetricsLayer {
    type Service = RpcMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RpcMetrics { inner, labels: self.labels.clone(), other: self.other.clone() }
    }
}

#[derive(Clone)]
pub struct RpcMetrics<S> {
    inner: S,
    labels: Arc<HashMap<String, Labels>>,
    other: Labels,
}

impl<S, B> Service<http::Request<B>> for RpcMetrics<S>
where
    S: Service<http::Request<B>, Response = http::Response<Body>> + Send,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let labels = self.labels.get(request.uri().path()).unwrap_or(&self.other).clone();
        let started = Instant::now();
        let future = self.inner.call(request);
        Box::pin(async move {
            let response = future.await?;
            metrics::instruments().rpc_duration.record(started.elapsed().as_secs_f64(), labels.as_slice());
            // A trailers-only answer carries its code in the headers; otherwise it ends the body.
            if let Some(code) = response.headers().get("grpc-status") {
                count(&labels, code.as_bytes());
                return Ok(response);
            }
            Ok(response.map(|body| Body::new(CountedBody { inner: body, labels: Some(labels) })))
        })
    }
}

fn count(labels: &[KeyValue; 2], code: &[u8]) {
    let attributes = [labels[0].clone(), labels[1].clone(), KeyValue::new("code", code_name(code))];
    metrics::instruments().rpc_calls.add(1, &attributes);
}

/// A response body that counts its call when its trailers pass; if it ends without any, as
/// `UNKNOWN`; if it is dropped before its end (the caller went away, a stream cut at shutdown), as
/// `CANCELLED`.
struct CountedBody {
    inner: Body,
    labels: Option<Labels>,
}

impl HttpBody for CountedBody {
    type Data = bytes::Bytes;
    type Error = tonic::Status;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(code) = frame.trailers_ref().and_then(|t| t.get("grpc-status"))
                    && let Some(labels) = self.labels.take()
                {
                    count(&labels, code.as_bytes());
                }
            }
            Poll::Ready(None) | Poll::Ready(Some(Err(_))) => {
                if let Some(labels) = self.labels.take() {
                    count(&labels, b"2");
                }
            }
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for CountedBody {
    fn drop(&mut self) {
        if let Some(labels) = self.labels.take() {
            count(&labels, b"1");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_methods_are_labelled_by_path() {
        assert_eq!(rpc_label("/qashyq.schedule.v1.TimetableService/GetClassDay"), "/qashyq.schedule.v1.TimetableService/GetClassDay");
        assert_eq!(rpc_label("/grpc.health.v1.Health/Check"), "/grpc.health.v1.Health/Check");
        assert_eq!(rpc_label("/qashyq.schedule.v1.TimetableService/Invented123"), "other");
        assert_eq!(code_name(b"3"), "INVALID_ARGUMENT");
        assert_eq!(code_name(b"1"), "CANCELLED");
        assert_eq!(code_name(b"x"), "UNKNOWN");
    }
}
