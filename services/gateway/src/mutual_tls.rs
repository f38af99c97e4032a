//! The gateway's mutual-TLS port (R-GW-1): the same routes as its plain port, over TLS (rustls),
//! asking each client for a certificate issued by the client CA. A client that presents one bound
//! to an integrator (`qashyq-gateway bind-certificate`) is that integrator without a key; a client
//! without a certificate may present a key or token as on the plain port.

use std::{future::Future, net::SocketAddr};

use tokio_util::sync::CancellationToken;
use tonic::{
    service::Routes,
    transport::{Certificate, Identity, ServerTlsConfig, server::TcpIncoming},
};

use crate::GatewaySettings;

fn read(path: Option<&std::path::PathBuf>, what: &str) -> anyhow::Result<Vec<u8>> {
    let path = path.ok_or_else(|| anyhow::anyhow!("QASHYQ_GATEWAY_TLS_ADDR is set but {what} is not"))?;
    std::fs::read(path).map_err(|e| anyhow::anyhow!("{what} {}: {e}", path.display()))
}

/// Binds the TLS port and returns the server to run until shutdown.
pub async fn serve(
    addr: SocketAddr,
    settings: &GatewaySettings,
    router: axum::Router,
    shutdown: CancellationToken,
) -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    // The workspace's dependencies bring both of rustls' crypto providers: name the one TLS uses
    // here (ring, as tonic's `tls-ring`); a provider installed before stays.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let identity = Identity::from_pem(read(settings.tls_cert.as_ref(), "QASHYQ_GATEWAY_TLS_CERT")?, read(settings.tls_key.as_ref(), "QASHYQ_GATEWAY_TLS_KEY")?);
    let client_ca = Certificate::from_pem(read(settings.tls_client_ca.as_ref(), "QASHYQ_GATEWAY_TLS_CLIENT_CA")?);
    let tls = ServerTlsConfig::new().identity(identity).client_ca_root(client_ca).client_auth_optional(true);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "mutual TLS listening");
    let server = tonic::transport::Server::builder().tls_config(tls)?.add_routes(Routes::from(router));
    Ok(async move {
        if let Err(error) = server.serve_with_incoming_shutdown(TcpIncoming::from(listener).with_nodelay(Some(true)), shutdown.cancelled_owned()).await {
            tracing::error!(%error, "the mutual TLS port stopped");
        }
    })
}
