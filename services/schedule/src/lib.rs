//! The schedule service owns the school directory (R-REF-1), serves the national catalogue
//! (R-REF-2), and builds, checks and serves school timetables aligned with the TV grid, which it
//! reads from the TV grid service over gRPC (R-SCH-*). On the layout every service follows (README,
//! "Adding a service"): `grpc/` reads requests and converts answers, `app/` runs the use cases
//! (directory, timetables, what is on today, realignment, deadlines, roster import), `domain/`
//! holds the pure rules, `repo/` the SQL, `events` what it announces and what it consumes; state
//! changes write their events to the outbox in the same transaction.

mod app;
pub mod domain;
mod error;
mod events;
#[cfg(feature = "fixture")]
pub mod fixture;
mod grpc;
mod repo;

use qashyq_platform::{ServiceContext, ServiceDef, ServiceParts, events::Outbox, jobs::JobWorker};
use qashyq_proto::schedule::v1::{
    catalogue_service_server::CatalogueServiceServer, directory_service_server::DirectoryServiceServer, timetable_service_server::TimetableServiceServer,
};
use sqlx::migrate::Migrator;
use tonic::service::Routes;

pub use error::ScheduleError;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Where every event of this service is written, in the transaction of its change.
static OUTBOX: Outbox = Outbox::new(<Schedule as ServiceDef>::NAME);

/// The schedule service, as the platform runs it.
pub struct Schedule;

/// `QASHYQ_SCHEDULE_*`: the schedule service's own settings.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ScheduleSettings {
    /// `QASHYQ_SCHEDULE_TV_DAY_CACHE_SECONDS`: how long a grade's TV day is served from memory;
    /// a new publication reaches "what is on today" within it (default 30).
    #[serde(default = "default_tv_day_cache_seconds")]
    pub tv_day_cache_seconds: u64,
}

fn default_tv_day_cache_seconds() -> u64 {
    30
}

impl ServiceDef for Schedule {
    const NAME: &'static str = "schedule";
    const DEFAULT_PORT: u16 = 15051;
    const GRPC_SERVICES: &'static [&'static str] =
        &["qashyq.schedule.v1.DirectoryService", "qashyq.schedule.v1.CatalogueService", "qashyq.schedule.v1.TimetableService"];
    const PEERS: &'static [&'static str] = &["tvgrid"];
    type Settings = ScheduleSettings;

    fn migrator() -> &'static Migrator {
        &MIGRATOR
    }

    async fn build(ctx: &ServiceContext, settings: ScheduleSettings) -> anyhow::Result<ServiceParts> {
        let tvgrid_url = ctx.peer_url("tvgrid")?;
        let tv_day_ttl = std::time::Duration::from_secs(settings.tv_day_cache_seconds);
        let (schools, timetables, pupils) =
            (repo::SchoolRepo::new(ctx.pool.clone()), repo::timetables::TimetableRepo::new(ctx.pool.clone()), repo::pupils::PupilRepo::new(ctx.pool.clone()));
        let principals = ctx.config.principal_key();
        let directory =
            grpc::directory::DirectoryApi::new(app::directory::DirectoryApp::new(schools.clone(), timetables.clone(), pupils.clone()), principals.clone());
        let deadlines = app::deadlines::Deadlines::new(repo::deadlines::DeadlineRepo::new(ctx.pool.clone()));
        let tv = std::sync::Arc::new(app::tv::TvGrid::new(tvgrid_url, tv_day_ttl)?);
        let today = std::sync::Arc::new(app::today::Today::new(schools.clone(), timetables.clone(), tv.clone(), pupils, deadlines.clone()));
        let timetables =
            grpc::timetable::TimetableApi::new(app::timetables::TimetableApp::new(schools, timetables.clone(), tv, today.clone()), today, principals.clone());
        let routes = Routes::new(DirectoryServiceServer::new(directory))
            .add_service(CatalogueServiceServer::new(grpc::catalogue::CatalogueApi))
            .add_service(TimetableServiceServer::new(timetables));
        let relay = ctx.outbox_relay();
        let shutdown = ctx.shutdown.clone();
        let consumer = ctx.consumer(events::dispatch(deadlines));
        // The realignment worker has its own TV-day cache, dropped at each new publication.
        let realigner = std::sync::Arc::new(app::realign::Realigner::new(ctx.pool.clone(), app::tv::TvGrid::new(tvgrid_url, tv_day_ttl)?));
        let jobs = JobWorker::new(ctx.pool.clone()).on(app::realign::JOB_KIND, move |job| {
            let realigner = realigner.clone();
            async move { realigner.run_job(job).await }
        });
        let stored = repo::timetables::TimetableRepo::new(ctx.pool.clone());
        Ok(ServiceParts::new(routes)
            .with_startup_task(
                "convert legacy timetable lessons",
                move || {
                    let stored = stored.clone();
                    async move { stored.convert_legacy_lessons().await.map(|_| ()).map_err(anyhow::Error::from) }
                },
                ctx.shutdown.clone(),
            )
            .with_worker(relay.run(shutdown.clone()))
            .with_worker(jobs.run(shutdown.clone()))
            .with_consumer(consumer, shutdown))
    }
}
