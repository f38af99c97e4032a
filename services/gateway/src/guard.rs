//! The gate in front of the proxy: authenticates the caller, applies its rate limit, and
//! removes credentials before the call travels further. The caller's key id travels on as
//! `x-qashyq-principal` (and a client cannot set that header itself).

use std::{
    convert::Infallible,
    sync::Arc,
    task::{Context, Poll},
};

use axum::body::Body;
use futures::future::BoxFuture;
use http::{HeaderValue, Request, Response};
use tonic::Status;
use tower::{Service, ServiceExt};

use crate::{
    keys::{AuthError, KeyStore},
    rate_limit::{RateLimiter, Verdict},
};

pub const PRINCIPAL_HEADER: &str = "x-qashyq-principal";

#[derive(Clone)]
pub struct Guard<S> {
    inner: S,
    keys: Arc<KeyStore>,
    limiter: Arc<RateLimiter>,
}

impl<S> Guard<S> {
    pub fn new(inner: S, keys: Arc<KeyStore>, limiter: Arc<RateLimiter>) -> Self {
        Self { inner, keys, limiter }
    }
}

/// Reads the API key from `authorization: Bearer …` or `x-api-key`.
fn presented_key(headers: &http::HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        return value.strip_prefix("Bearer ").map(|k| k.trim().to_owned());
    }
    headers.get("x-api-key").and_then(|v| v.to_str().ok()).map(|k| k.trim().to_owned())
}

pub fn status_response(status: Status) -> Response<Body> {
    status.into_http::<Body>()
}

impl<S> Service<Request<Body>> for Guard<S>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        let inner = self.inner.clone();
        let keys = self.keys.clone();
        let limiter = self.limiter.clone();
        Box::pin(async move {
            let presented = presented_key(request.headers());
            let principal = match keys.authenticate(presented.as_deref()).await {
                Ok(principal) => principal,
                Err(AuthError::Unavailable(error)) => {
                    tracing::warn!(%error, "cannot verify api key");
                    return Ok(status_response(Status::unavailable("cannot verify credentials now, retry")));
                }
                Err(error) => return Ok(status_response(Status::unauthenticated(error.to_string()))),
            };
            if let Verdict::Limited { limit } = limiter.check(&principal).await {
                tracing::info!(principal = %principal.name, limit, "rate limited");
                qashyq_platform::metrics::instruments().rate_limited.add(1, &[qashyq_platform::metrics::service("gateway")]);
                return Ok(status_response(Status::resource_exhausted(format!("rate limit of {limit} calls per second exceeded"))));
            }
            let headers = request.headers_mut();
            headers.remove(http::header::AUTHORIZATION);
            headers.remove("x-api-key");
            headers.insert(PRINCIPAL_HEADER, HeaderValue::from_str(&principal.key_id.to_string()).expect("uuid is a valid header"));
            inner.oneshot(request).await
        })
    }
}
