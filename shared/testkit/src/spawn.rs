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
    config.admin_addr = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.events_exchange = format!("qashyq.test.{}", Uuid::new_v4().simple());
    config.events_ephemeral = true;
    config
}

/// A service running in the test's runtime.
pub struct RunningService {
    pub addr: SocketAddr,
    /// The admin port: `GET /metrics`.
    pub admin: SocketAddr,
    pub shutdown: CancellationToken,
    pub task: JoinHandle<anyhow::Result<()>>,
    /// The broker and private exchange of the test, removed when its last service stops.
    topology: (String, String),
    /// The service's name: its consumer queues (`<exchange>.<name>`, `….dead`) go when it stops.
    name: &'static str,
}

/// How many running services use each private test exchange.
static EXCHANGE_USERS: std::sync::Mutex<Option<std::collections::HashMap<String, usize>>> = std::sync::Mutex::new(None);

fn exchange_users(exchange: &str, delta: isize) -> usize {
    let mut guard = EXCHANGE_USERS.lock().expect("not poisoned");
    let users = guard.get_or_insert_with(Default::default);
    let count = users.entry(exchange.to_owned()).or_default();
    *count = count.saturating_add_signed(delta);
    let now = *count;
    if now == 0 {
        users.remove(exchange);
    }
    now
}

/// Deletes a test's exchanges (its queues expire by themselves); a topic exchange that never
/// had a binding would otherwise stay on the broker for good.
async fn remove_test_topology(amqp_url: &str, exchange: &str) {
    let connect = lapin::Connection::connect(amqp_url, lapin::ConnectionProperties::default());
    let Ok(Ok(connection)) = tokio::time::timeout(Duration::from_secs(2), connect).await else { return };
    if let Ok(channel) = connection.create_channel().await {
        for name in [exchange.to_owned(), format!("{exchange}.dlx"), format!("{exchange}.unrouted")] {
            let _ = channel.exchange_delete(name.as_str().into(), Default::default()).await;
        }
        let _ = channel.queue_delete(format!("{exchange}.unrouted").as_str().into(), Default::default()).await;
    }
    let _ = connection.close(200, "test done".into()).await;
}

/// Deletes queues (those that do not exist are no error).
async fn remove_queues(amqp_url: &str, queues: &[String]) {
    let connect = lapin::Connection::connect(amqp_url, lapin::ConnectionProperties::default());
    let Ok(Ok(connection)) = tokio::time::timeout(Duration::from_secs(2), connect).await else { return };
    for queue in queues {
        // A channel per queue: deleting one that does not exist closes the channel.
        if let Ok(channel) = connection.create_channel().await {
            let _ = channel.queue_delete(queue.as_str().into(), Default::default()).await;
        }
    }
    let _ = connection.close(200, "test done".into()).await;
}

impl RunningService {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client channel to the service.
    pub async fn channel(&self) -> Channel {
        Channel::from_shared(self.url()).expect("valid url").connect().await.expect("service accepts connections")
    }

    /// Stops the service gracefully and starts `S` again on the same address with `config`, as
    /// a process restart would: its consumer queues stay (events sent meanwhile wait there).
    pub async fn restart<S: ServiceDef>(&mut self, mut config: CommonConfig) -> anyhow::Result<()> {
        self.shutdown.cancel();
        (&mut self.task).await??;
        config.listen_addr = Some(self.addr);
        let fresh = spawn::<S>(config).await?;
        // The new instance counted itself as a user of the exchange; the old one is gone.
        exchange_users(&self.topology.1, -1);
        *self = fresh;
        Ok(())
    }

    /// Stops the service gracefully and waits for it, and deletes its consumer queues (quorum
    /// queues left to expire by themselves pile up over a test run and slow the broker down); the
    /// last service of a test also removes the test's exchanges.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        let result = self.task.await?;
        let (amqp_url, exchange) = &self.topology;
        remove_queues(amqp_url, &[format!("{exchange}.{}", self.name), format!("{exchange}.{}.dead", self.name)]).await;
        if exchange_users(exchange, -1) == 0 {
            remove_test_topology(amqp_url, exchange).await;
        }
        result
    }
}

/// Builds and runs service `S`, and waits until its health check says SERVING.
pub async fn spawn<S: ServiceDef>(config: CommonConfig) -> anyhow::Result<RunningService> {
    let shutdown = CancellationToken::new();
    let (config_amqp_url, config_exchange) = (config.amqp_url().to_owned(), config.events_exchange.clone());
    let app = Application::build::<S>(config, shutdown.clone()).await?;
    let addr = app.local_addr();
    let admin = app.admin_addr();
    let topology = (config_amqp_url, config_exchange);
    exchange_users(&topology.1, 1);
    let task = tokio::spawn(app.run());
    let service = RunningService { addr, admin, shutdown, task, topology, name: S::NAME };
    let channel = service.channel().await;
    // Generous: a broker busy with other tests' queues can take a while to declare this one's.
    let ready = wait_until(Duration::from_secs(90), || {
        let mut health = HealthClient::new(channel.clone());
        async move { health.check(HealthCheckRequest { service: String::new() }).await.is_ok_and(|r| r.get_ref().status == ServingStatus::Serving as i32) }
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

/// Routes served by a bare gRPC server on an ephemeral port, for handlers that need no database,
/// broker or cache (a service whose checks store nothing); stopped when dropped.
pub struct BareServer {
    pub addr: SocketAddr,
    shutdown: CancellationToken,
}

impl BareServer {
    pub async fn start(routes: tonic::service::Routes) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let shutdown = CancellationToken::new();
        let incoming = tonic::transport::server::TcpIncoming::from(listener);
        tokio::spawn(tonic::transport::Server::builder().add_routes(routes).serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned()));
        Ok(Self { addr, shutdown })
    }

    pub async fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://{}", self.addr)).expect("valid url").connect().await.expect("server accepts connections")
    }
}

impl Drop for BareServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
