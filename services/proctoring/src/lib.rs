//! The proctoring service (R-PR-*): exam sessions and their lifecycle. The lifecycle is a pure
//! state machine in `domain::lifecycle`; `repo` stores sessions with an audit trail of every
//! transition and announces each through the outbox.

mod domain;
mod error;
mod grpc;
mod repo;

use qashyq_platform::{ServiceContext, ServiceDef, ServiceParts};
use qashyq_proto::proctoring::v1::proctoring_service_server::ProctoringServiceServer;
use sqlx::migrate::Migrator;
use tonic::service::Routes;

pub use domain::lifecycle::{State, can_transition};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

pub struct Proctoring;

impl ServiceDef for Proctoring {
    const NAME: &'static str = "proctoring";
    const DEFAULT_PORT: u16 = 15055;
    const GRPC_SERVICES: &'static [&'static str] = &["qashyq.proctoring.v1.ProctoringService"];
    type Settings = qashyq_platform::NoSettings;

    fn migrator() -> &'static Migrator {
        &MIGRATOR
    }

    async fn build(ctx: &ServiceContext, _: Self::Settings) -> anyhow::Result<ServiceParts> {
        let api = grpc::ProctoringApi::new(repo::SessionRepo::new(ctx.pool.clone()));
        let routes = Routes::new(ProctoringServiceServer::new(api));
        Ok(ServiceParts::new(routes).with_worker(ctx.outbox_relay().run(ctx.shutdown.clone())))
    }
}
