//! Connecting to RabbitMQ. Relay and consumers own their connection and, when it breaks (broker
//! restart, network cut), drop it and call [`connect`] again: recovery is a loop we can see and
//! test, and nothing in flight is trusted across it (the outbox keeps what was not confirmed).

use std::time::Duration;

use lapin::{Connection, ConnectionProperties};
use tokio_util::sync::CancellationToken;

/// Connects, retrying with capped exponential backoff until it succeeds or `shutdown` fires
/// (then `None`).
pub async fn connect(url: &str, name: &str, shutdown: &CancellationToken) -> Option<Connection> {
    let mut delay = Duration::from_millis(100);
    loop {
        let properties = ConnectionProperties::default().with_connection_name(name.into());
        let attempt = tokio::time::timeout(Duration::from_secs(10), Connection::connect(url, properties));
        tokio::select! {
            result = attempt => match result {
                Ok(Ok(connection)) => {
                    tracing::info!(connection = name, "connected to rabbitmq");
                    return Some(connection);
                }
                Ok(Err(error)) => tracing::warn!(connection = name, %error, "rabbitmq unreachable, retrying"),
                Err(_) => tracing::warn!(connection = name, "rabbitmq connect timed out, retrying"),
            },
            () = shutdown.cancelled() => return None,
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = shutdown.cancelled() => return None,
        }
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}
