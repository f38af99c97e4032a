//! The proctoring service (R-PR-*): exam sessions and their lifecycle. On the layout every service
//! follows (README, "Adding a service"): `grpc` reads requests into commands, `app` runs the use
//! cases, `domain` holds the state machine and the session's rules, `repo` stores sessions with
//! an audit trail of every transition, `events` builds what it announces.

mod app;
mod domain;
mod error;
mod events;
mod grpc;
mod repo;

use qashyq_platform::{ServiceContext, ServiceDef, ServiceParts, events::Outbox};
use qashyq_proto::proctoring::v1::proctoring_service_server::ProctoringServiceServer;
use sqlx::migrate::Migrator;
use tonic::service::Routes;

pub use domain::lifecycle::{State, can_transition};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");
static OUTBOX: Outbox = Outbox::new(<Proctoring as ServiceDef>::NAME);

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
        let sessions = app::SessionsApp::new(repo::SessionRepo::new(ctx.pool.clone()));
        let routes = Routes::new(ProctoringServiceServer::new(grpc::ProctoringApi::new(sessions)));
        Ok(ServiceParts::new(routes).with_worker(ctx.outbox_relay().run(ctx.shutdown.clone())))
    }
}
