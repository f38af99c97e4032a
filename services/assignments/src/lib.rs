//! The assignments service (R-AS-*): homework after each lesson; submissions, feedback and marks
//! follow in later issues. `homework` validates and converts, `repo` stores with the outbox.

mod error;
mod grpc;
mod homework;
mod repo;

use qashyq_platform::{ServiceContext, ServiceDef, ServiceParts};
use qashyq_proto::assignments::v1::assignments_service_server::AssignmentsServiceServer;
use sqlx::migrate::Migrator;
use tonic::service::Routes;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

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
        let api = grpc::AssignmentsApi::new(repo::HomeworkRepo::new(ctx.pool.clone()));
        let routes = Routes::new(AssignmentsServiceServer::new(api));
        Ok(ServiceParts::new(routes).with_worker(ctx.outbox_relay().run(ctx.shutdown.clone())))
    }
}
