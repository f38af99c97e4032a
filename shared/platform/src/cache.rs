//! Redis through `ConnectionManager`, which reconnects by itself after the server goes away; a
//! command issued while it is down fails fast and the next one reconnects.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// Connects to Redis, retrying the first connection so a service may start before Redis does.
pub async fn connect(url: &str) -> redis::RedisResult<ConnectionManager> {
    let client = redis::Client::open(url)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Duration::from_secs(2))
        .set_response_timeout(Duration::from_secs(2))
        .set_number_of_retries(5)
        .set_max_delay(2_000);
    ConnectionManager::new_with_config(client, config).await
}
