//! The TV broadcast grid service (R-TV-*). It serves the broadcast channels of the catalogue
//! (R-TV-1). `domain` holds the grid's rules as pure functions: the 2020 documents read and
//! normalised, their validation report (R-TV-4), placement into air time (R-TV-2) and campaign
//! figures (R-TV-8); their RPCs, storage and exports are still to come.

mod channels;
pub mod domain;
pub mod export;

use qashyq_platform::{ServiceContext, ServiceDef, ServiceParts};
use qashyq_proto::tvgrid::v1::tv_grid_service_server::TvGridServiceServer;
use tonic::service::Routes;

pub struct TvGrid;

impl ServiceDef for TvGrid {
    const NAME: &'static str = "tvgrid";
    const DEFAULT_PORT: u16 = 50052;
    const GRPC_SERVICES: &'static [&'static str] = &["qashyq.tvgrid.v1.TvGridService"];

    async fn build(_: &ServiceContext) -> anyhow::Result<ServiceParts> {
        // No events yet: the relay joins when the grid starts publishing (R-TV-6).
        Ok(ServiceParts::new(Routes::new(TvGridServiceServer::new(channels::TvGridApi))))
    }
}
