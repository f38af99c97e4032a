//! `qashyq.tvgrid.v1.TvGridService`.

use qashyq_platform::validate::Violations;
use qashyq_proto::tvgrid::v1::{self as pb, tv_grid_service_server::TvGridService};
use tonic::{Request, Response, Status};

use crate::{channels, import, repo::GridRepo};

pub struct TvGridApi {
    grids: GridRepo,
}

impl TvGridApi {
    pub fn new(grids: GridRepo) -> Self {
        Self { grids }
    }
}

fn campaign_and_version(campaign: &str, version: i64) -> Result<(String, i64), Status> {
    let mut v = Violations::new();
    let name = v.text("campaign", campaign, 100).map(str::to_owned);
    if version < 0 {
        v.add("version", "must not be negative (0 means the latest)");
    }
    v.finish()?;
    Ok((name.expect("validated"), version))
}

#[tonic::async_trait]
impl TvGridService for TvGridApi {
    async fn list_channels(&self, request: Request<pb::ListChannelsRequest>) -> Result<Response<pb::ListChannelsResponse>, Status> {
        Ok(Response::new(channels::list(request.get_ref())?))
    }

    #[tracing::instrument(skip_all, fields(campaign = ?request.get_ref().campaign.as_ref().map(|c| &c.name)))]
    async fn import_grid(&self, request: Request<pb::ImportGridRequest>) -> Result<Response<pb::ImportGridResponse>, Status> {
        let request = request.into_inner();
        let imported = import::read_request(&request)?;
        let (findings, notes) = import::report_to_proto(&imported.report());
        let campaign = imported.campaign.name.clone();
        let mut report = pb::ValidationReport {
            campaign: campaign.clone(),
            version: 0,
            findings,
            notes,
            imported_at: None,
            imported_by: request.imported_by.trim().to_owned(),
        };
        let version = self.grids.store(&campaign, &request, &mut report).await?;
        tracing::info!(version, findings = report.findings.len(), "grid imported");
        Ok(Response::new(pb::ImportGridResponse { campaign, version, report: Some(report) }))
    }

    async fn get_validation_report(&self, request: Request<pb::GetValidationReportRequest>) -> Result<Response<pb::ValidationReport>, Status> {
        let (campaign, version) = campaign_and_version(&request.get_ref().campaign, request.get_ref().version)?;
        Ok(Response::new(self.grids.load(&campaign, version).await?.report))
    }

    async fn get_campaign_figures(&self, request: Request<pb::GetCampaignFiguresRequest>) -> Result<Response<pb::CampaignFigures>, Status> {
        let (campaign, version) = campaign_and_version(&request.get_ref().campaign, request.get_ref().version)?;
        let stored = self.grids.load(&campaign, version).await?;
        let figures = import::read_request(&stored.request)?.figures();
        let (school_days, grades, total, planned_total, explanation) = import::figures_to_proto(&figures);
        Ok(Response::new(pb::CampaignFigures { campaign, version: stored.version, school_days, grades, total, planned_total, explanation }))
    }
}
