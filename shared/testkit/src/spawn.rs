//! Starting a service in-process, as `main` would, on an ephemeral port.

use std::{future::Future, net::SocketAddr, time::Duration};

use qashyq_platform::{Application, ServiceDef, config::CommonConfig};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient};
use uuid::Uuid;

/// Settings for a test: the given database, port 0, a private exchange that disappears after the
/// test, a small pool (many services share the machine's connection limit).
pub fn test_config(database_url: &str) -> CommonConfig {
    let mut config = CommonConfig::local_defaults();
    if let Ok(amqp) = std::env::var("QASHYQ_AMQP_URL") {
        config.amqp_url = amqp.into();
    }
    if let Ok(redis) = std::env::var("QASHYQ_REDIS_URL") {
        config.redis_url = redis.into();
    }
    config.database_url = database_url.to_owned().into();
    config.database_max_connections = 4;
    config.listen_addr = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.events_exchange = format!("qashyq.test.{}", Uuid::new_v4().simple());
    config.events_ephemeral = true;
    config
}

/// A service running in the test's runtime.
pub struct RunningService {
    pub addr: SocketAddr,
    pub shutdown: CancellationToken,
    pub task: JoinHandle<anyhow::Result<()>>,
}

impl RunningService {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client channel to the service.
    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.url()).expect("valid url").connect().await.expect("service accepts connections")
    }

    /// Stops the service gracefully and waits for it.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        self.task.await?
    }
}

/// Builds and runs service `S`, and waits until its health check says SERVING.
pub async fn spawn<S: ServiceDef>(config: CommonConfig) -> anyhow::Result<RunningService> {
    let shutdown = CancellationToken::new();
    let app = Application::build::<S>(config, shutdown.clone()).await?;
    let addr = app.local_addr();
    let task = tokio::spawn(app.run());
    let service = RunningService { addr, shutdown, task };
    let channel = service.channel().await;
    let ready = wait_until(Duration::from_secs(30), || {
        let mut health = HealthClient::new(channel.clone());
        async move {
            health
                .check(HealthCheckRequest { service: String::new() })
                .await
                .is_ok_and(|r| r.get_ref().status == ServingStatus::Serving as i32)
        }
    })
    .await;
    anyhow::ensure!(ready, "{} did not become ready", S::NAME);
    Ok(service)
}

/// Polls `check` every 50 ms until it is true or `timeout` passes; returns the last answer.
pub async fn wait_until<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
