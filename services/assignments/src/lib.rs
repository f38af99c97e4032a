//! The assignments service (R-AS-*): homework after each lesson; submissions, feedback and marks
//! follow. The layout every service follows (README, "Adding a service"): `grpc` reads requests
//! into commands and answers, `app` runs the use cases, `domain` holds the types and rules,
//! `repo` the SQL, `events` the events it announces.

mod app;
mod domain;
mod error;
mod events;
mod grpc;
mod repo;

use qashyq_platform::{ServiceContext, ServiceDef, ServiceParts, events::Outbox};
use qashyq_proto::assignments::v1::assignments_service_server::AssignmentsServiceServer;
use sqlx::migrate::Migrator;
use tonic::service::Routes;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");
static OUTBOX: Outbox = Outbox::new(<Assignments as ServiceDef>::NAME);

pub struct Assignments;

impl ServiceDef for Assignments {
    const NAME: &'static str = "assignments";
    const DEFAULT_PORT: u16 = 15053;
    const GRPC_SERVICES: &'static [&'static str] = &["qashyq.assignments.v1.AssignmentsService"];
    type Settings = qashyq_platform::NoSettings;

    fn migrator() -> &'static Migrator {
        &MIGRATOR
    }

    async fn build(ctx: &ServiceContext, _: Self::Settings) -> anyhow::Result<ServiceParts> {
        let homework = std::sync::Arc::new(app::HomeworkApp::new(repo::HomeworkRepo::new(ctx.pool.clone()), repo::SchoolRepo::new(ctx.pool.clone())));
        let routes = Routes::new(AssignmentsServiceServer::new(grpc::AssignmentsApi::new(homework.clone(), ctx.config.principal_key())));
        let consumer = ctx.consumer(events::dispatch(homework));
        Ok(ServiceParts::new(routes).with_worker(ctx.outbox_relay().run(ctx.shutdown.clone())).with_consumer(consumer, ctx.shutdown.clone()))
    }
}
