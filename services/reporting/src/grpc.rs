//! `qashyq.reporting.v1.ReportingService`.

use qashyq_platform::{ApiError, error::quote};
use qashyq_proto::reporting::v1::{self as pb, reporting_service_server::ReportingService};
use sqlx::PgPool;
use tonic::{Request, Response, Status};

pub struct ReportingApi {
    pool: PgPool,
}

impl ReportingApi {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[tonic::async_trait]
impl ReportingService for ReportingApi {
    async fn get_connectivity_report(
        &self,
        request: Request<pb::GetConnectivityReportRequest>,
    ) -> Result<Response<pb::ConnectivityReport>, Status> {
        let region = request.get_ref().region_code.trim();
        if !region.is_empty() && qashyq_catalogue::catalogue().region(region).is_none() {
            return Err(ApiError::invalid("region_code", format!("{} is not a region code", quote(&region))).into());
        }
        let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT region_code, count(*), \
                    count(*) FILTER (WHERE connectivity = 'broadband'), \
                    count(*) FILTER (WHERE connectivity = 'slow'), \
                    count(*) FILTER (WHERE connectivity = 'none') \
             FROM school_connectivity WHERE ($1 = '' OR region_code = $1) \
             GROUP BY region_code ORDER BY region_code",
        )
        .bind(region)
        .fetch_all(&self.pool)
        .await
        .map_err(ApiError::from)?;
        let regions: Vec<pb::RegionConnectivity> = rows
            .into_iter()
            .map(|(region_code, schools, broadband, slow, offline)| pb::RegionConnectivity { region_code, schools, broadband, slow, offline })
            .collect();
        let total = regions.iter().fold(pb::RegionConnectivity::default(), |mut total, r| {
            total.schools += r.schools;
            total.broadband += r.broadband;
            total.slow += r.slow;
            total.offline += r.offline;
            total
        });
        Ok(Response::new(pb::ConnectivityReport { regions, total: Some(total) }))
    }
}
