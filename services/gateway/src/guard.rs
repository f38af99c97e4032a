//! The gate in front of everything the gateway serves. For each call, in order:
//!
//! 1. what the method needs ([`access`]); a method not in the table is `UNIMPLEMENTED`;
//! 2. who calls ([`authn`]): `UNAUTHENTICATED` without valid credentials (sign-in needs none);
//! 3. whether the caller's role may call it: `PERMISSION_DENIED` otherwise;
//! 4. the caller's rate ([`rate_limit`]): `RESOURCE_EXHAUSTED` with a `RetryInfo` past it;
//! 5. the principal, signed, replaces the credentials (`x-qashyq-principal`: whatever a client
//!    sent under that name is overwritten), so the services can check the scope of what it
//!    touches;
//! 6. a write with an `idempotency-key` goes through [`idempotency`]; an observer's call is
//!    written to the audit log ([`crate::api::audit`]) with the record it named;
//! 7. the call goes on to the gateway's own services or to the service owning its package.

use std::{
    convert::Infallible,
    sync::Arc,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::body::Body;
use bytes::Bytes;
use futures::future::BoxFuture;
use http::{HeaderMap, HeaderValue, Request, Response};
use http_body_util::BodyExt;
use qashyq_platform::{
    principal::{self, Principal},
    request_key,
};
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};
use tower::{Service, ServiceExt};

use crate::{
    access::{self, Need},
    api::audit::AuditLog,
    authn::Authenticator,
    idempotency::{self, Begin, Idempotency, KeyedCall, ReleaseOnDrop, StoredAnswer},
    keys::AuthError,
    rate_limit::{RateLimiter, Verdict},
    record::RecordFields,
};

/// Largest request body read whole (to hash an idempotent write or name an audited record).
const MAX_BUFFERED_REQUEST: usize = 8 * 1024 * 1024;
/// How often a retry looks whether the first call with its key has finished.
const IN_FLIGHT_POLL: Duration = Duration::from_millis(100);

/// Everything the guard consults.
pub struct Gatekeeping {
    pub authenticator: Authenticator,
    pub limiter: Arc<RateLimiter>,
    pub idempotency: Idempotency,
    pub audit: AuditLog,
    pub records: RecordFields,
}

#[derive(Clone)]
pub struct Guard<S> {
    inner: S,
    gate: Arc<Gatekeeping>,
}

impl<S> Guard<S> {
    pub fn new(inner: S, gate: Arc<Gatekeeping>) -> Self {
        Self { inner, gate }
    }
}

pub fn status_response(status: Status) -> Response<Body> {
    status.into_http::<Body>()
}

/// The status of a gRPC answer: from its trailers, or its headers for a trailers-only answer.
fn status_of(headers: &HeaderMap, trailers: Option<&HeaderMap>) -> (Code, String, String) {
    let source = trailers.filter(|t| t.contains_key("grpc-status")).unwrap_or(headers);
    let text = |name: &str| source.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let code = text("grpc-status").parse::<i32>().map_or(Code::Unknown, Code::from_i32);
    (code, text("grpc-message"), text("grpc-status-details-bin"))
}

/// A gRPC answer rebuilt from its parts: frames, then the status as trailers.
fn answer_response(answer: &StoredAnswer) -> Response<Body> {
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", HeaderValue::from(answer.code));
    for (name, value) in [("grpc-message", &answer.message), ("grpc-status-details-bin", &answer.details)] {
        if let Ok(value) = HeaderValue::from_str(value)
            && !value.is_empty()
        {
            trailers.insert(name, value);
        }
    }
    let frames = vec![Ok::<_, Infallible>(http_body::Frame::data(Bytes::from(answer.body()))), Ok(http_body::Frame::trailers(trailers))];
    let body = Body::new(http_body_util::StreamBody::new(futures::stream::iter(frames)));
    let mut response = Response::new(body);
    response.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    response
}

/// Reads an answer whole: its parts and status, to keep or audit it, and a copy to send on.
async fn read_answer(response: Response<Body>) -> (StoredAnswer, Response<Body>) {
    let (parts, body) = response.into_parts();
    match body.collect().await {
        Ok(collected) => {
            let trailers = collected.trailers().cloned();
            let (code, message, details) = status_of(&parts.headers, trailers.as_ref());
            let answer = StoredAnswer::new(code, message, details, &collected.to_bytes());
            let mut rebuilt = answer_response(&answer);
            *rebuilt.headers_mut() = parts.headers;
            (answer, rebuilt)
        }
        Err(error) => {
            let status = Status::unavailable(format!("the answer was cut off: {error}"));
            (StoredAnswer::new(Code::Unavailable, status.message().to_owned(), String::new(), &[]), status_response(status))
        }
    }
}

/// The certificate a mutual-TLS client presented (verified by the handshake), if any.
fn client_certificate(request: &Request<Body>) -> Option<Vec<u8>> {
    use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};
    let tls = request.extensions().get::<TlsConnectInfo<TcpConnectInfo>>()?;
    tls.peer_certs()?.first().map(|der| der.as_ref().to_vec())
}

fn denied(principal: &Principal, path: &str) -> Response<Body> {
    qashyq_platform::metrics::instruments().denied.add(1, &[qashyq_platform::metrics::service("gateway")]);
    tracing::info!(principal = %principal.name, role = %principal.role, method = path, "call denied for its role");
    status_response(Status::permission_denied(format!("the {} role may not call {path}", principal.role)))
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

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let inner = self.inner.clone();
        let gate = self.gate.clone();
        Box::pin(async move { Ok(gate.pass(inner, request).await) })
    }
}

impl Gatekeeping {
    async fn pass<S>(&self, inner: S, mut request: Request<Body>) -> Response<Body>
    where
        S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Send + 'static,
        S::Future: Send,
    {
        let path = request.uri().path().to_owned();
        let Some(need) = access::need_of(&path) else {
            return status_response(Status::unimplemented(format!("{} is not a public method", qashyq_platform::error::quote(&path))));
        };
        let headers = request.headers_mut();
        headers.remove(principal::HEADER);
        headers.remove(request_key::HEADER);
        if need == Need::Nothing {
            headers.remove(http::header::AUTHORIZATION);
            headers.remove("x-api-key");
            return forward(inner, request).await;
        }
        let certificate = client_certificate(&request);
        let caller = match self.authenticator.authenticate(request.headers(), certificate.as_deref()).await {
            Ok(caller) => caller,
            Err(AuthError::Unavailable(error)) => {
                tracing::warn!(%error, "cannot verify credentials");
                return status_response(Status::unavailable("cannot verify credentials now, retry"));
            }
            Err(error) => return status_response(Status::unauthenticated(error.to_string())),
        };
        let principal = &caller.principal;
        if !need.allows(principal.role) {
            return denied(&principal, &path);
        }
        if let Verdict::Limited { limit, retry_after } = self.limiter.check(principal.id, caller.rate) {
            tracing::info!(principal = %principal.name, limit, "rate limited");
            qashyq_platform::metrics::instruments().rate_limited.add(1, &[qashyq_platform::metrics::service("gateway")]);
            let status = Status::with_error_details(
                Code::ResourceExhausted,
                format!("rate limit of {limit} calls per second exceeded"),
                ErrorDetails::with_retry_info(Some(retry_after)),
            );
            return status_response(status);
        }
        let key = match need.writes().then(|| idempotency::read_key(request.headers())).transpose() {
            Ok(key) => key.flatten(),
            Err(problem) => return status_response(qashyq_platform::ApiError::invalid(idempotency::HEADER, problem).into()),
        };
        let headers = request.headers_mut();
        headers.remove(http::header::AUTHORIZATION);
        headers.remove("x-api-key");
        headers.remove(idempotency::HEADER);
        headers.insert(principal::HEADER, caller.signed.clone());
        if let Some(key) = key {
            return self.once(inner, request, principal, &path, &key).await;
        }
        if principal.role.is_observer() {
            return self.audited(inner, request, principal, &path).await;
        }
        forward(inner, request).await
    }

    /// An observer's call, written to the audit log with its outcome before it is answered.
    async fn audited<S>(&self, inner: S, request: Request<Body>, principal: &Principal, path: &str) -> Response<Body>
    where
        S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Send + 'static,
        S::Future: Send,
    {
        let (parts, body) = request.into_parts();
        let Ok(body) = axum::body::to_bytes(body, MAX_BUFFERED_REQUEST).await else {
            return status_response(Status::resource_exhausted(format!("request larger than {MAX_BUFFERED_REQUEST} bytes")));
        };
        let record = self.records.record_of(path, &body);
        let response = forward(inner, Request::from_parts(parts, Body::from(body))).await;
        let (answer, response) = read_answer(response).await;
        if let Err(error) = self.audit.write(principal, path, &record, Code::from_i32(answer.code)).await {
            tracing::error!(%error, "an observer's read cannot be audited; not answered");
            return status_response(Status::unavailable("the read cannot be audited now, retry"));
        }
        response
    }

    /// A write with an idempotency key: done once, its answer kept and replayed to retries.
    async fn once<S>(&self, inner: S, request: Request<Body>, principal: &Principal, path: &str, key: &str) -> Response<Body>
    where
        S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Send + 'static,
        S::Future: Send,
    {
        let (mut parts, body) = request.into_parts();
        let Ok(body) = axum::body::to_bytes(body, MAX_BUFFERED_REQUEST).await else {
            return status_response(Status::resource_exhausted(format!("request larger than {MAX_BUFFERED_REQUEST} bytes")));
        };
        // The service names what it creates after the key: a repetition meets the first record.
        if let Ok(value) = HeaderValue::from_str(&request_key::derive(principal.id, path, key)) {
            parts.headers.insert(request_key::HEADER, value);
        }
        let call = KeyedCall { principal: principal.id, method: path, key };
        let hash = idempotency::body_hash(path, &body);
        let waiting_since = Instant::now();
        let owner = loop {
            match self.idempotency.begin(call, &hash).await {
                Ok(Begin::Go(owner)) => break owner,
                Ok(Begin::Replay(answer)) => {
                    tracing::info!(method = path, "idempotent retry answered with the first answer");
                    return answer_response(&answer);
                }
                Ok(Begin::Mismatch) => {
                    return status_response(
                        qashyq_platform::ApiError::invalid(idempotency::HEADER, format!("{key:?} was used for a different request; use a new key")).into(),
                    );
                }
                Ok(Begin::InFlight) if waiting_since.elapsed() < idempotency::WAIT_FOR_FIRST => tokio::time::sleep(IN_FLIGHT_POLL).await,
                Ok(Begin::InFlight) => {
                    return status_response(Status::aborted(format!("a call with idempotency-key {key:?} is still running; retry")));
                }
                Err(error) => {
                    tracing::warn!(%error, "idempotency keys unreachable");
                    return status_response(Status::unavailable("cannot check the idempotency key now, retry"));
                }
            }
        };
        let guard = ReleaseOnDrop::new(&self.idempotency, call, owner);
        // The lease is renewed while the call runs: a long call is never taken over.
        let forwarded = async {
            let response = forward(inner, Request::from_parts(parts, Body::from(body))).await;
            read_answer(response).await
        };
        tokio::pin!(forwarded);
        let mut renewals = tokio::time::interval(idempotency::LEASE / 3);
        renewals.tick().await;
        let (answer, response) = loop {
            tokio::select! {
                done = &mut forwarded => break done,
                _ = renewals.tick() => {
                    if let Err(error) = self.idempotency.renew(call, owner).await {
                        tracing::warn!(%error, method = path, "an idempotent call's lease cannot be renewed");
                    }
                }
            }
        };
        guard.disarm();
        if let Err(error) = self.idempotency.finish(call, owner, &answer).await {
            // The answer goes out; the key stays leased, so a retry waits for the lease and then
            // does the call again (the service decides about a repetition, see `idempotency`).
            tracing::warn!(%error, method = path, "an idempotent call's answer cannot be kept");
        }
        response
    }
}

async fn forward<S>(inner: S, request: Request<Body>) -> Response<Body>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Send + 'static,
    S::Future: Send,
{
    match inner.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}
