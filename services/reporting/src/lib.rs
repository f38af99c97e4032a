//! The reporting service builds its reports only from the events of other services (R-RP-3). On
//! the layout every service follows (README, "Adding a service"): `events` reads the events it
//! consumes into domain types, `app` applies them to the projections and reads reports, `domain`
//! holds the projections' types and aggregation rules, `repo` the SQL, `grpc` the API.

mod app;
mod domain;
mod events;
mod grpc;
mod repo;

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
        let reports = app::ConnectivityReports::new(repo::ConnectivityRepo::new(ctx.pool.clone()));
        let routes = Routes::new(ReportingServiceServer::new(grpc::ReportingApi::new(reports, ctx.config.principal_key())));
        let consumer = ctx.consumer(events::dispatch());
        Ok(ServiceParts::new(routes).with_consumer(consumer, ctx.shutdown.clone()))
    }
}
