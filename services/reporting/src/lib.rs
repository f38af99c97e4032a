//! The reporting service builds its reports only from the events of other services (R-RP-3):
//! `projections` apply events idempotently (through the platform's inbox), `grpc` reads them.

mod grpc;
mod projections;

use qashyq_platform::{ServiceContext, ServiceDef, ServiceParts};
use qashyq_proto::reporting::v1::reporting_service_server::ReportingServiceServer;
use sqlx::migrate::Migrator;
use tonic::service::Routes;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

pub struct Reporting;

impl ServiceDef for Reporting {
    const NAME: &'static str = "reporting";
    const DEFAULT_PORT: u16 = 15056;
    const GRPC_SERVICES: &'static [&'static str] = &["qashyq.reporting.v1.ReportingService"];
    type Settings = qashyq_platform::NoSettings;

    fn migrator() -> &'static Migrator {
        &MIGRATOR
    }

    async fn build(ctx: &ServiceContext, _: Self::Settings) -> anyhow::Result<ServiceParts> {
        let routes = Routes::new(ReportingServiceServer::new(grpc::ReportingApi::new(ctx.pool.clone())));
        let consumer = ctx.consumer(projections::Projections::dispatch());
        Ok(ServiceParts::new(routes).with_consumer(consumer, ctx.shutdown.clone()))
    }
}
