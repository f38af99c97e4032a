//! Holds domain calls with `UNAVAILABLE` until the service is ready (migrated), while health and
//! reflection answer from the first moment: health says NOT_SERVING until then.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
};

use futures::future::{BoxFuture, FutureExt};
use tonic::{Status, body::Body};
use tower::{Layer, Service};

/// Shared readiness flag; the service flips it once it can do its work.
#[derive(Debug, Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    pub fn set_ready(&self, ready: bool) {
        self.0.store(ready, Ordering::Release);
    }

    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

#[derive(Clone)]
pub struct ReadinessLayer(pub Readiness);

impl<S> Layer<S> for ReadinessLayer {
    type Service = ReadinessGate<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ReadinessGate { inner, readiness: self.0.clone() }
    }
}

#[derive(Clone)]
pub struct ReadinessGate<S> {
    inner: S,
    readiness: Readiness,
}

/// Paths served before readiness: health checks and reflection.
fn always_open(path: &str) -> bool {
    path.starts_with("/grpc.health.v1.") || path.starts_with("/grpc.reflection.")
}

impl<S, B> Service<http::Request<B>> for ReadinessGate<S>
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
        if self.readiness.is_ready() || always_open(request.uri().path()) {
            self.inner.call(request).boxed()
        } else {
            let response = Status::unavailable("service is starting").into_http();
            futures::future::ready(Ok(response)).boxed()
        }
    }
}
