//! The content validation service (R-CV-*), on the layout every service follows (README, "Adding
//! a service"): `domain` holds the checks as pure functions over bytes and metadata, `app` the use
//! cases, `grpc` reads requests and answers. It stores nothing yet, so it has no `repo` and no
//! `events`.

mod app;
mod domain;
mod grpc;

use qashyq_platform::{ServiceContext, ServiceDef, ServiceParts};
use qashyq_proto::content::v1::content_service_server::ContentServiceServer;
use tonic::service::Routes;

pub use domain::atomic::{AtomicFormat, Finding, inspect_atomic};

pub struct Content;

impl ServiceDef for Content {
    const NAME: &'static str = "content";
    const DEFAULT_PORT: u16 = 15054;
    const GRPC_SERVICES: &'static [&'static str] = &["qashyq.content.v1.ContentService"];
    type Settings = qashyq_platform::NoSettings;

    async fn build(_: &ServiceContext, _: Self::Settings) -> anyhow::Result<ServiceParts> {
        Ok(ServiceParts::new(routes()))
    }
}

/// The service's gRPC routes. The checks store nothing yet, so they can be served (and tested)
/// without a database.
pub fn routes() -> Routes {
    Routes::new(ContentServiceServer::new(grpc::ContentApi))
}
