//! The caller's deadline, carried on (R-GW-3): a call that arrives with `grpc-timeout` runs with
//! its deadline in a task-local ([`DeadlineLayer`]); a call this service makes to another while
//! serving it is sent with what is left ([`remaining`], applied by the client interceptor), and
//! the gateway forwards what is left after its own work. A call whose deadline has passed is not
//! sent at all (`DEADLINE_EXCEEDED`).

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use tower::{Layer, Service};

tokio::task_local! {
    static DEADLINE: Instant;
}

/// Reads a `grpc-timeout` value: digits and a unit (H, M, S, m, u, n).
pub fn parse_timeout(value: &str) -> Option<Duration> {
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// Writes a duration as `grpc-timeout` (milliseconds, rounded up, at most 8 digits).
pub fn format_timeout(left: Duration) -> String {
    let millis = left.as_nanos().div_ceil(1_000_000).clamp(1, 99_999_999);
    format!("{millis}m")
}

/// What is left of the deadline of the call being served, if it has one.
pub fn remaining() -> Option<Duration> {
    DEADLINE.try_with(|deadline| deadline.saturating_duration_since(Instant::now())).ok()
}

/// Runs each call with the deadline its `grpc-timeout` header gives.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeadlineLayer;

impl<S> Layer<S> for DeadlineLayer {
    type Service = WithDeadline<S>;

    fn layer(&self, inner: S) -> WithDeadline<S> {
        WithDeadline(inner)
    }
}

#[derive(Debug, Clone)]
pub struct WithDeadline<S>(S);

impl<S, B> Service<http::Request<B>> for WithDeadline<S>
where
    S: Service<http::Request<B>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let timeout = request.headers().get("grpc-timeout").and_then(|v| v.to_str().ok()).and_then(parse_timeout);
        let future = self.0.call(request);
        match timeout {
            Some(timeout) => Box::pin(DEADLINE.scope(Instant::now() + timeout, future)),
            None => Box::pin(future),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_gw_3_grpc_timeouts_read_and_write() {
        assert_eq!(parse_timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(parse_timeout("3S"), Some(Duration::from_secs(3)));
        assert_eq!(parse_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_timeout("m"), None);
        assert_eq!(parse_timeout("123456789m"), None, "at most 8 digits");
        assert_eq!(parse_timeout("5x"), None);
        assert_eq!(format_timeout(Duration::from_micros(1500)), "2m", "rounded up");
        assert_eq!(format_timeout(Duration::ZERO), "1m");
    }

    #[tokio::test]
    async fn r_gw_3_what_is_left_of_a_deadline_is_known_inside_the_call_only() {
        assert_eq!(remaining(), None);
        let left = DEADLINE.scope(Instant::now() + Duration::from_secs(2), async { remaining() }).await.unwrap();
        assert!(left <= Duration::from_secs(2) && left > Duration::from_millis(1900));
    }
}
