//! The TV broadcast grid service (R-TV-*). `domain` holds the grid's rules as pure functions:
//! the Ministry's documents read and normalised, their validation report (R-TV-4), placement
//! into air time (R-TV-2) and campaign figures (R-TV-8); `export` renders XMLTV and iCalendar
//! (R-TV-7); `import` and `repo` take documents through the API and keep every version;
//! `publishing` puts a version on air (R-TV-6); `lesson_assets`, `assets` and `scheduling` keep
//! the TV-lesson assets and which approved one airs in which lesson (R-TV-3, R-TV-5); `grpc`
//! serves it all, with the channels of the catalogue (R-TV-1).

mod assets;
mod channels;
pub mod documents;
pub mod domain;
mod events;
pub mod export;
mod fields;
mod grpc;
mod import;
mod lesson_assets;
mod placements;
mod publishing;
mod repo;
mod scheduling;

use qashyq_platform::{ServiceContext, ServiceDef, ServiceParts, events::Outbox};
use qashyq_proto::tvgrid::v1::tv_grid_service_server::TvGridServiceServer;
use sqlx::migrate::Migrator;
use tonic::service::Routes;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");
static OUTBOX: Outbox = Outbox::new(<TvGrid as ServiceDef>::NAME);

pub struct TvGrid;

impl ServiceDef for TvGrid {
    const NAME: &'static str = "tvgrid";
    const DEFAULT_PORT: u16 = 15052;
    const GRPC_SERVICES: &'static [&'static str] = &["qashyq.tvgrid.v1.TvGridService"];
    type Settings = qashyq_platform::NoSettings;

    fn migrator() -> &'static Migrator {
        &MIGRATOR
    }

    async fn build(ctx: &ServiceContext, _: Self::Settings) -> anyhow::Result<ServiceParts> {
        let api = grpc::TvGridApi::new(repo::GridRepo::new(ctx.pool.clone()), assets::AssetRepo::new(ctx.pool.clone()));
        let routes = Routes::new(TvGridServiceServer::new(api));
        let stored = std::sync::Arc::new(repo::GridRepo::new(ctx.pool.clone()));
        Ok(ServiceParts::new(routes)
            .with_startup_task(
                "convert legacy grid imports and publications",
                move || {
                    let stored = stored.clone();
                    async move { stored.convert_legacy().await.map(|_| ()).map_err(anyhow::Error::from) }
                },
                ctx.shutdown.clone(),
            )
            .with_worker(ctx.outbox_relay().run(ctx.shutdown.clone())))
    }
}
