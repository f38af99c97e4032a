//! The assignments service (R-AS-*): homework after each lesson, work handed in through every
//! channel (paper included), feedback and attempts, summative marks, absences, paper packs. The
//! layout every service follows (README, "Adding a service"): `grpc` reads requests into
//! commands and answers, `app` runs the use cases, `domain` holds the types and rules, `repo`
//! the SQL, `events` the events it announces and consumes.

mod app;
mod domain;
mod error;
mod events;
mod grpc;
mod repo;

use std::sync::Arc;

use qashyq_platform::{ServiceContext, ServiceDef, ServiceParts, blob::BlobStore, events::Outbox, jobs::JobWorker};
use qashyq_proto::assignments::v1::assignments_service_server::AssignmentsServiceServer;
use sqlx::migrate::Migrator;
use tonic::service::Routes;

pub use app::absences::{CONFERENCE_JOB, DEADLINE_JOB};
pub use domain::attachment::MAX_ATTACHMENT_BYTES;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");
static OUTBOX: Outbox = Outbox::new(<Assignments as ServiceDef>::NAME);

pub struct Assignments;

/// `QASHYQ_ASSIGNMENTS_*`: the service's own settings. Blob storage is the platform's
/// (`QASHYQ_DATA_DIR`, `QASHYQ_BLOB_*`).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct AssignmentsSettings {
    /// `QASHYQ_ASSIGNMENTS_HOMEWORK_MINUTES_PER_DAY`: per-grade daily homework norms over the
    /// defaults, "grade=minutes,…" (R-AS-2; the defaults are in `domain::homework::VolumeNorms`).
    #[serde(default)]
    pub homework_minutes_per_day: String,
    /// `QASHYQ_ASSIGNMENTS_MAX_ATTACHMENT_BYTES`: the largest attachment (default 25 MiB).
    #[serde(default = "default_max_attachment_bytes")]
    pub max_attachment_bytes: u64,
}

fn default_max_attachment_bytes() -> u64 {
    MAX_ATTACHMENT_BYTES
}

impl ServiceDef for Assignments {
    const NAME: &'static str = "assignments";
    const DEFAULT_PORT: u16 = 15053;
    const GRPC_SERVICES: &'static [&'static str] = &["qashyq.assignments.v1.AssignmentsService"];
    type Settings = AssignmentsSettings;

    fn migrator() -> &'static Migrator {
        &MIGRATOR
    }

    async fn build(ctx: &ServiceContext, settings: AssignmentsSettings) -> anyhow::Result<ServiceParts> {
        let norms = domain::homework::VolumeNorms::parse(&settings.homework_minutes_per_day)
            .map_err(|e| anyhow::anyhow!("QASHYQ_ASSIGNMENTS_HOMEWORK_MINUTES_PER_DAY: {e}"))?;
        let blob_settings: qashyq_platform::blob::BlobSettings =
            qashyq_platform::config::from_env_prefixed("QASHYQ_").map_err(|e| anyhow::anyhow!("QASHYQ_BLOB_*: {e}"))?;
        let blobs = BlobStore::from_settings(&blob_settings, Self::NAME)?;
        let app = Arc::new(app::AssignmentsApp::new(ctx.pool.clone(), norms, blobs, settings.max_attachment_bytes));
        let routes = Routes::new(AssignmentsServiceServer::new(grpc::AssignmentsApi::new(app.clone(), ctx.config.principal_key())));
        let consumer = ctx.consumer(events::dispatch(app.clone()));
        let (deadlines, conferences) = (app.clone(), app);
        let jobs = JobWorker::new(ctx.pool.clone())
            .on(DEADLINE_JOB, move |job| {
                let app = deadlines.clone();
                async move { app.run_deadline_job(job).await }
            })
            .on(CONFERENCE_JOB, move |job| {
                let app = conferences.clone();
                async move { app.run_conference_job(job).await }
            });
        Ok(ServiceParts::new(routes)
            .with_worker(ctx.outbox_relay().run(ctx.shutdown.clone()))
            .with_worker(jobs.run(ctx.shutdown.clone()))
            .with_consumer(consumer, ctx.shutdown.clone()))
    }
}
