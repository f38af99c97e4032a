//! `qashyq.reporting.v1.ReportingService`: each handler reads its request ([`convert`]), calls
//! the use case ([`crate::app`]) and converts the answer back.

pub mod convert;

use qashyq_platform::principal::PrincipalKey;
use qashyq_proto::reporting::v1::{self as pb, reporting_service_server::ReportingService};
use tonic::{Request, Response, Status};

use crate::app::ConnectivityReports;

pub struct ReportingApi {
    connectivity: ConnectivityReports,
    principals: PrincipalKey,
}

impl ReportingApi {
    pub fn new(connectivity: ConnectivityReports, principals: PrincipalKey) -> Self {
        Self { connectivity, principals }
    }
}

#[tonic::async_trait]
impl ReportingService for ReportingApi {
    async fn get_connectivity_report(&self, request: Request<pb::GetConnectivityReportRequest>) -> Result<Response<pb::ConnectivityReport>, Status> {
        let caller = self.principals.caller(request.metadata())?;
        let region = convert::region_filter(&request.get_ref().region_code)?;
        let report = self.connectivity.report(&caller, region.as_ref()).await?;
        Ok(Response::new(convert::report_to_proto(&report)))
    }
}
