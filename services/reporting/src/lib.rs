//! The reporting service builds its reports only from the events of other services (R-RP-3). On
//! the layout every service follows (README, "Adding a service"): `events` keeps every event and
//! reads the ones it projects into domain facts, `app` applies them, rebuilds, reads indicators
//! and makes the weekly report, `domain` holds the indicators' definitions and aggregation rules,
//! `repo` the SQL, `render` the documents for people, `grpc` the API.

mod app;
mod domain;
mod events;
mod grpc;
mod render;
mod repo;

use std::{sync::Arc, time::Duration};

use qashyq_platform::{ServiceContext, ServiceDef, ServiceParts, jobs::JobWorker};
use qashyq_proto::reporting::v1::reporting_service_server::ReportingServiceServer;
use sqlx::migrate::Migrator;
use tonic::service::Routes;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How often each replica makes sure last week's report job is queued.
const SCHEDULE_EVERY: Duration = Duration::from_secs(3600);

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
        let zones = repo::catalogue_zones().into_iter().map(|(code, zone)| (code, zone.name().to_owned())).unzip();
        let indicators = Arc::new(repo::IndicatorRepo::new(ctx.pool.clone(), zones));
        let reports = app::Reports::new(indicators.clone(), repo::ReportRepo::new(ctx.pool.clone()));
        let mut dispatch = events::dispatch();
        // Named here: the consumer and the rebuild share the handlers.
        qashyq_platform::events::EventHandler::consumed_by(&mut dispatch, Self::NAME);
        let dispatch = Arc::new(dispatch);
        let api = grpc::ReportingApi {
            connectivity: app::ConnectivityReports::new(repo::ConnectivityRepo::new(ctx.pool.clone())),
            indicators: app::Indicators::new(indicators),
            reports: reports.clone(),
            rebuild: app::Rebuild::new(ctx.pool.clone(), dispatch.clone()),
            principals: ctx.config.principal_key(),
        };
        let routes = Routes::new(ReportingServiceServer::new(api));
        let consumer = ctx.consumer(events::Recorded::new(dispatch));
        let jobs = JobWorker::new(ctx.pool.clone()).on(app::reports::JOB_KIND, move |job| {
            let reports = reports.clone();
            async move { reports.run_job(job).await }
        });
        Ok(ServiceParts::new(routes)
            .with_worker(schedule_reports(ctx.pool.clone(), ctx.shutdown.clone()))
            .with_worker(jobs.run(ctx.shutdown.clone()))
            .with_consumer(consumer, ctx.shutdown.clone()))
    }
}

/// Queues last week's report job now and every hour (R-RP-1: every Monday for the week before).
async fn schedule_reports(pool: sqlx::PgPool, shutdown: tokio_util::sync::CancellationToken) {
    let mut ticks = tokio::time::interval(SCHEDULE_EVERY);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            () = shutdown.cancelled() => return,
        }
        match app::Reports::schedule_last_week(&pool, qashyq_platform::clock::now()).await {
            Ok(true) => tracing::info!("last week's report job queued"),
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "cannot queue last week's report job"),
        }
    }
}
