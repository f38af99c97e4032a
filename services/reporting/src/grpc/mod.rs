//! `qashyq.reporting.v1.ReportingService`: each handler reads its request ([`convert`]), calls
//! the use case ([`crate::app`]) and converts the answer back.

pub mod convert;

use qashyq_platform::principal::PrincipalKey;
use qashyq_proto::reporting::v1::{self as pb, reporting_service_server::ReportingService};
use tonic::{Request, Response, Status};

use crate::app::{ConnectivityReports, Indicators, Rebuild, Reports};

pub struct ReportingApi {
    pub connectivity: ConnectivityReports,
    pub indicators: Indicators,
    pub reports: Reports,
    pub rebuild: Rebuild,
    pub principals: PrincipalKey,
}

#[tonic::async_trait]
impl ReportingService for ReportingApi {
    async fn get_connectivity_report(&self, request: Request<pb::GetConnectivityReportRequest>) -> Result<Response<pb::ConnectivityReport>, Status> {
        let caller = self.principals.caller(request.metadata())?;
        let region = convert::region_filter(&request.get_ref().region_code)?;
        let report = self.connectivity.report(&caller, region.as_ref()).await?;
        Ok(Response::new(convert::report_to_proto(&report)))
    }

    async fn list_indicators(&self, request: Request<pb::ListIndicatorsRequest>) -> Result<Response<pb::ListIndicatorsResponse>, Status> {
        self.principals.caller(request.metadata())?;
        Ok(Response::new(convert::indicators_to_proto()))
    }

    async fn query_indicator(&self, request: Request<pb::QueryIndicatorRequest>) -> Result<Response<pb::QueryIndicatorResponse>, Status> {
        let caller = self.principals.caller(request.metadata())?;
        let (query, page_size, token) = convert::indicator_query(request.get_ref())?;
        let page = self.indicators.query(&caller, &query, page_size, &token).await?;
        Ok(Response::new(convert::indicator_page_to_proto(&query, page)))
    }

    async fn get_weekly_report(&self, request: Request<pb::GetWeeklyReportRequest>) -> Result<Response<pb::WeeklyReport>, Status> {
        let caller = self.principals.caller(request.metadata())?;
        let (wanted, page_size, token) = convert::report_request(request.get_ref())?;
        let (report, next) = self.reports.page(&caller, wanted.week, wanted.region.as_deref(), &wanted.levels, page_size, &token).await?;
        Ok(Response::new(convert::weekly_report_to_proto(report, next)))
    }

    async fn export_weekly_report(&self, request: Request<pb::ExportWeeklyReportRequest>) -> Result<Response<pb::ExportedDocument>, Status> {
        let caller = self.principals.caller(request.metadata())?;
        let (week, region, format) = convert::export_request(request.get_ref())?;
        let document = self.reports.export(&caller, week, region.as_deref(), format).await?;
        Ok(Response::new(convert::document_to_proto(document)))
    }

    async fn rebuild_projections(&self, request: Request<pb::RebuildProjectionsRequest>) -> Result<Response<pb::RebuildProjectionsResponse>, Status> {
        let caller = self.principals.caller(request.metadata())?;
        let rebuilt = self.rebuild.run(&caller).await?;
        Ok(Response::new(pb::RebuildProjectionsResponse { events_replayed: rebuilt.events, took_ms: rebuilt.took.as_millis() as i64 }))
    }
}
