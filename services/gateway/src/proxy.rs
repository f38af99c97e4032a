//! Forwards a gRPC call, unchanged, to the service that owns its package: the path
//! `/qashyq.schedule.v1.DirectoryService/RegisterSchool` names package `qashyq.schedule.v1`,
//! owned by the schedule service. Messages are not decoded, so every RPC of a package is
//! routed as soon as its owner serves it. Deadlines (`grpc-timeout`) travel with the call, and
//! the gateway's span becomes the parent of the upstream's.

use std::{
    collections::HashMap,
    convert::Infallible,
    sync::Arc,
    task::{Context, Poll},
};

use axum::body::Body;
use futures::future::BoxFuture;
use http::{Request, Response};
use qashyq_platform::{ServiceContext, grpc::client::lazy_channel, trace_context};
use tonic::{Status, transport::Channel};
use tower::{Service, ServiceExt};

use crate::guard::status_response;

/// A channel per public package.
#[derive(Clone)]
pub struct Upstreams(Arc<HashMap<&'static str, (&'static str, Channel)>>);

impl Upstreams {
    pub fn new(ctx: &ServiceContext) -> anyhow::Result<Self> {
        let mut map = HashMap::new();
        for &(package, owner) in qashyq_proto::PACKAGE_OWNERS {
            let url = ctx.peer_url(owner)?;
            map.insert(package, (owner, lazy_channel(url)?));
        }
        Ok(Self(Arc::new(map)))
    }

    /// Each public package with the channel to the service that owns it.
    pub fn packages(&self) -> impl Iterator<Item = (&'static str, Channel)> + '_ {
        self.0.iter().map(|(&package, (_, channel))| (package, channel.clone()))
    }
}

/// Returns the package of a gRPC path (`/pkg.Service/Method` → `pkg`).
fn package_of(path: &str) -> Option<&str> {
    let service = path.strip_prefix('/')?.split('/').next()?;
    service.rsplit_once('.').map(|(package, _)| package)
}

#[derive(Clone)]
pub struct Proxy {
    upstreams: Upstreams,
}

impl Proxy {
    pub fn new(upstreams: Upstreams) -> Self {
        Self { upstreams }
    }
}

impl Service<Request<Body>> for Proxy {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let path = request.uri().path().to_owned();
        let Some((owner, channel)) = package_of(&path).and_then(|package| self.upstreams.0.get(package)).cloned() else {
            return Box::pin(async move { Ok(status_response(Status::unimplemented(format!("no service serves {path}")))) });
        };
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            trace_context::inject_into_headers(&mut parts.headers);
            // What is left of the caller's deadline after the gateway's own work goes on.
            if let Some(left) = qashyq_platform::grpc::deadline::remaining() {
                if left.is_zero() {
                    return Ok(status_response(Status::deadline_exceeded("the caller's deadline passed in the gateway")));
                }
                if let Ok(value) = http::HeaderValue::from_str(&qashyq_platform::grpc::deadline::format_timeout(left)) {
                    parts.headers.insert("grpc-timeout", value);
                }
            }
            let upstream_request = Request::from_parts(parts, tonic::body::Body::new(body));
            match channel.oneshot(upstream_request).await {
                Ok(response) => Ok(response.map(Body::new)),
                Err(error) => Ok(status_response(upstream_failure(owner, &path, error))),
            }
        })
    }
}

/// The status for a call that got no gRPC answer from its upstream. A service's own error (even a
/// large one) is a response and passes through unchanged; only when the service cannot be reached
/// (no connection, connection lost) is the answer `UNAVAILABLE`, the one code that says a retry
/// may succeed. The transport reports a connection lost under a call (a restarted service) as
/// CANCELLED; the caller cancelled nothing (a call it cancels is dropped before this point), so
/// that is `UNAVAILABLE` too. Anything else (a protocol failure) keeps the code the transport
/// gives it.
fn upstream_failure(owner: &str, path: &str, error: tonic::transport::Error) -> Status {
    let status = Status::from_error(Box::new(error));
    tracing::warn!(service = owner, rpc = %path, code = ?status.code(), error = %status.message(), "upstream call failed");
    match status.code() {
        tonic::Code::Unavailable | tonic::Code::Cancelled => Status::unavailable(format!("{owner} is unreachable, retry")),
        code => Status::new(code, format!("{owner} failed to answer")),
    }
}

#[cfg(test)]
mod tests {
    use super::package_of;

    #[test]
    fn finds_the_package_in_a_grpc_path() {
        assert_eq!(package_of("/qashyq.schedule.v1.DirectoryService/RegisterSchool"), Some("qashyq.schedule.v1"));
        assert_eq!(package_of("/grpc.health.v1.Health/Check"), Some("grpc.health.v1"));
        assert_eq!(package_of("/nodots/Method"), None);
        assert_eq!(package_of("no-slash"), None);
    }
}
