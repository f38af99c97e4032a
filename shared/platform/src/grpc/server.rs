//! Serving a service's routes with health, reflection, request spans that continue the caller's
//! trace, and graceful shutdown: on cancellation the server stops accepting, lets in-flight calls
//! finish, and returns.

use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::{service::Routes, transport::server::TcpIncoming};

use super::{
    readiness::{Readiness, ReadinessLayer},
    rpc_metrics::RpcMetricsLayer,
};
use crate::trace_context;

/// Adds server reflection for every Qashyq package and for health.
pub fn with_reflection(routes: Routes) -> anyhow::Result<Routes> {
    let v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(qashyq_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    // v1alpha too: grpcurl and older tools still ask it first.
    let v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(qashyq_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    Ok(routes.add_service(v1).add_service(v1alpha))
}

/// Serves `routes` on `listener` until `shutdown` is cancelled; with `http1`, HTTP/1.1 requests
/// are answered too.
pub async fn serve(
    listener: TcpListener,
    routes: Routes,
    readiness: Readiness,
    shutdown: CancellationToken,
    service: &'static str,
    http1: bool,
) -> anyhow::Result<()> {
    tonic::transport::Server::builder()
        .accept_http1(http1)
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        // The signed principal of an integrator with the largest scope (20 regions, 200 districts,
        // 200 schools) is about 21 KiB: above hyper's 16 KiB default for a header list.
        .http2_max_header_list_size(Some(64 * 1024))
        .trace_fn(|request| {
            let span = tracing::info_span!("grpc", rpc = %request.uri().path());
            trace_context::adopt_from_headers(&span, request.headers());
            span
        })
        .layer(RpcMetricsLayer::new(service))
        .layer(super::deadline::DeadlineLayer)
        .layer(ReadinessLayer(readiness))
        .add_routes(routes)
        // The builder's `tcp_nodelay` applies only to listeners tonic binds itself: set it on the
        // accepted sockets here, or every response waits out delayed ACKs (~40 ms).
        .serve_with_incoming_shutdown(TcpIncoming::from(listener).with_nodelay(Some(true)), shutdown.cancelled_owned())
        .await?;
    Ok(())
}
