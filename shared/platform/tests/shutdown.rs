//! Graceful shutdown: a call in flight when the signal comes completes; new connections are
//! refused; a stream that would never end does not hold the process past the grace period.

use std::{net::SocketAddr, time::Duration};

use qashyq_platform::{Application, ServiceContext, ServiceDef, ServiceParts, config::CommonConfig};
use qashyq_proto::content::v1::{
    AtomicFileReport, InspectAtomicFileRequest,
    content_service_client::ContentServiceClient,
    content_service_server::{ContentService, ContentServiceServer},
};
use tokio_util::sync::CancellationToken;

mod common;
use common::Db;
use tonic::service::Routes;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

/// A service whose one call takes a second.
struct Slow;

#[tonic::async_trait]
impl ContentService for Slow {
    async fn inspect_atomic_file(&self, _: tonic::Request<InspectAtomicFileRequest>) -> Result<tonic::Response<AtomicFileReport>, tonic::Status> {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok(tonic::Response::new(AtomicFileReport { accepted: true, ..Default::default() }))
    }
}

struct SlowService;

impl ServiceDef for SlowService {
    const NAME: &'static str = "slow";
    const DEFAULT_PORT: u16 = 0;
    const GRPC_SERVICES: &'static [&'static str] = &[];
    type Settings = qashyq_platform::NoSettings;

    async fn build(_: &ServiceContext, _: Self::Settings) -> anyhow::Result<ServiceParts> {
        Ok(ServiceParts::new(Routes::new(ContentServiceServer::new(Slow))))
    }
}

async fn start(db: &Db, grace_seconds: u64) -> (SocketAddr, CancellationToken, tokio::task::JoinHandle<anyhow::Result<()>>) {
    let mut config = CommonConfig::local_defaults();
    config.database_url = db.url().to_owned().into();
    config.listen_addr = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.admin_addr = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.shutdown_grace_seconds = grace_seconds;
    config.database_max_connections = 2;
    let shutdown = CancellationToken::new();
    let app = Application::build::<SlowService>(config, shutdown.clone()).await.unwrap();
    let addr = app.local_addr();
    let task = tokio::spawn(app.run());
    (addr, shutdown, task)
}

async fn connect(addr: SocketAddr) -> tonic::transport::Channel {
    tonic::transport::Channel::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap()
}

#[tokio::test]
async fn a_call_in_flight_completes_and_new_connections_are_refused() {
    let db = Db::create().await;
    let (addr, shutdown, task) = start(&db, 10).await;
    let mut client = ContentServiceClient::new(connect(addr).await);
    // Wait for readiness (migrations) before calling.
    for _ in 0..100 {
        if client.inspect_atomic_file(InspectAtomicFileRequest::default()).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let in_flight = tokio::spawn(async move { client.inspect_atomic_file(InspectAtomicFileRequest::default()).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    shutdown.cancel();

    let answer = in_flight.await.unwrap().expect("the call in flight completes");
    assert!(answer.into_inner().accepted);
    tokio::time::timeout(Duration::from_secs(5), task).await.expect("stops after draining").unwrap().unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "no longer accepting");
    db.drop_it().await;
}

#[tokio::test]
async fn an_endless_stream_does_not_hold_shutdown_past_the_grace_period() {
    let db = Db::create().await;
    let (addr, shutdown, task) = start(&db, 1).await;
    let mut watch = HealthClient::new(connect(addr).await).watch(HealthCheckRequest { service: String::new() }).await.unwrap().into_inner();
    assert!(watch.message().await.unwrap().is_some());
    let started = std::time::Instant::now();
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), task).await.expect("stops despite the open stream").unwrap().unwrap();
    assert!(started.elapsed() < Duration::from_secs(4));
    db.drop_it().await;
}
