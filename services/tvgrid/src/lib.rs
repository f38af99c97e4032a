//! The TV broadcast grid service (R-TV-*). It serves the broadcast channels of the catalogue
//! (R-TV-1); the grid itself, its validation, placement and exports arrive with the TV grid issue.

mod channels;

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
