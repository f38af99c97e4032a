//! The TV broadcast grid service (R-TV-*), on the layout every service follows (README, "Adding a
//! service"): `grpc` reads requests and converts answers, `app` runs the use cases (importing,
//! publishing and exporting the grid; registering, approving and scheduling lesson assets; what
//! airs each day, kept in memory), `domain` holds the grid's rules as pure functions (the
//! Ministry's documents read and validated, R-TV-4; placement into air time, R-TV-2; figures,
//! R-TV-8; publications, R-TV-6; the lesson plan and asset scheduling, R-TV-3, R-TV-5; XMLTV and
//! iCalendar rendering, R-TV-7), `repo` the SQL, `events` what it announces, `cli` the
//! administrator's import command.

mod app;
pub mod cli;
pub mod domain;
mod error;
mod events;
mod grpc;
mod repo;

use std::sync::Arc;

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
        let grids = Arc::new(repo::GridRepo::new(ctx.pool.clone()));
        let assets = Arc::new(repo::AssetRepo::new(ctx.pool.clone()));
        let airings = Arc::new(app::Placements::new(grids.clone(), assets.clone()));
        let api = grpc::TvGridApi::new(app::GridApp::new(grids.clone(), airings.clone()), app::AssetApp::new(assets.clone(), airings.clone()), airings);
        let routes = Routes::new(TvGridServiceServer::new(api));
        Ok(ServiceParts::new(routes)
            .with_startup_task(
                "convert grid imports, publications and asset plans of the old encoding",
                move || {
                    let (grids, assets) = (grids.clone(), assets.clone());
                    async move {
                        grids.convert_legacy().await?;
                        assets.convert_legacy().await?;
                        Ok::<(), anyhow::Error>(())
                    }
                },
                ctx.shutdown.clone(),
            )
            .with_worker(ctx.outbox_relay().run(ctx.shutdown.clone())))
    }
}
