//! `qashyq.tvgrid.v1.TvGridService`: each handler reads its request through `convert`, calls the
//! use case in `app` and converts the answer — nothing else.

mod convert;

use std::sync::Arc;

use qashyq_platform::ApiError;
use qashyq_proto::tvgrid::v1::{self as pb, tv_grid_service_server::TvGridService};
use tonic::{Request, Response, Status};

use crate::{
    app::{self, AssetApp, GridApp, Placements, grid::Export},
    error::TvGridError,
};

/// Largest document one `ExportXmltv` answer carries (clients refuse messages over 4 MiB by default).
const MAX_EXPORT_BYTES: usize = 3 * 1024 * 1024;
/// Size of the pieces `StreamXmltv` sends.
const STREAM_PIECE_BYTES: usize = 1024 * 1024;
const XMLTV_CONTENT_TYPE: &str = "application/xml";
const ICALENDAR_CONTENT_TYPE: &str = "text/calendar";

pub struct TvGridApi {
    grid: GridApp,
    assets: AssetApp,
    airings: Arc<Placements>,
}

impl TvGridApi {
    pub fn new(grid: GridApp, assets: AssetApp, airings: Arc<Placements>) -> Self {
        Self { grid, assets, airings }
    }

    async fn xmltv(&self, request: &pb::ExportXmltvRequest) -> Result<Export, ApiError> {
        let export = convert::xmltv_export(request)?;
        Ok(self.grid.export_xmltv(&export.channels, export.first, export.last).await?)
    }

    async fn airings(&self, query: app::AiringQuery) -> Result<Response<pb::Airings>, Status> {
        let found = self.airings.find(query).await?;
        Ok(Response::new(convert::airings_to_proto(found.as_ref())))
    }
}

#[tonic::async_trait]
impl TvGridService for TvGridApi {
    async fn list_channels(&self, request: Request<pb::ListChannelsRequest>) -> Result<Response<pb::ListChannelsResponse>, Status> {
        let (language, medium) = convert::channels::filter(request.get_ref())?;
        Ok(Response::new(convert::channels::channels_to_proto(app::channels(language, medium))))
    }

    #[tracing::instrument(skip_all, fields(campaign = ?request.get_ref().campaign.as_ref().map(|c| &c.name)))]
    async fn import_grid(&self, request: Request<pb::ImportGridRequest>) -> Result<Response<pb::ImportGridResponse>, Status> {
        let command = convert::import::read_request(request.get_ref())?;
        let imported = self.grid.import(command.imported, command.documents, &command.imported_by).await?;
        let report = convert::import::report_to_proto(&imported.campaign, imported.version, &imported.report, imported.imported_by, imported.imported_at);
        Ok(Response::new(pb::ImportGridResponse {
            campaign: imported.campaign,
            version: imported.version,
            report: Some(report),
            already_imported: imported.already_imported,
        }))
    }

    async fn get_validation_report(&self, request: Request<pb::GetValidationReportRequest>) -> Result<Response<pb::ValidationReport>, Status> {
        let (campaign, version) = convert::grid_version(&request.get_ref().campaign, request.get_ref().version)?;
        let stored = self.grid.report(&campaign, version).await?;
        Ok(Response::new(convert::import::report_to_proto(&campaign, stored.version, &stored.report, stored.imported_by, stored.imported_at)))
    }

    async fn get_campaign_figures(&self, request: Request<pb::GetCampaignFiguresRequest>) -> Result<Response<pb::CampaignFigures>, Status> {
        let (campaign, version) = convert::grid_version(&request.get_ref().campaign, request.get_ref().version)?;
        let (version, figures) = self.grid.figures(&campaign, version).await?;
        Ok(Response::new(convert::import::figures_to_proto(campaign, version, &figures)))
    }

    async fn get_grade_day(&self, request: Request<pb::GetGradeDayRequest>) -> Result<Response<pb::Airings>, Status> {
        self.airings(convert::grade_day(request.get_ref())?).await
    }

    async fn get_channel_day(&self, request: Request<pb::GetChannelDayRequest>) -> Result<Response<pb::Airings>, Status> {
        self.airings(convert::channel_day(request.get_ref())?).await
    }

    async fn get_airing_now(&self, request: Request<pb::GetAiringNowRequest>) -> Result<Response<pb::Airings>, Status> {
        self.airings(convert::airing_now(request.get_ref())?).await
    }

    async fn export_xmltv(&self, request: Request<pb::ExportXmltvRequest>) -> Result<Response<pb::ExportedDocument>, Status> {
        let export = self.xmltv(request.get_ref()).await?;
        if export.content.len() > MAX_EXPORT_BYTES {
            return Err(TvGridError::ExportTooLarge { size: export.content.len(), limit: MAX_EXPORT_BYTES }.into());
        }
        Ok(Response::new(convert::document_to_proto(XMLTV_CONTENT_TYPE, export)))
    }

    type StreamXmltvStream = std::pin::Pin<Box<dyn futures::Stream<Item = Result<pb::ExportedDocument, Status>> + Send>>;

    async fn stream_xmltv(&self, request: Request<pb::ExportXmltvRequest>) -> Result<Response<Self::StreamXmltvStream>, Status> {
        let export = self.xmltv(request.get_ref()).await?;
        let pieces: Vec<_> = export
            .content
            .as_bytes()
            .chunks(STREAM_PIECE_BYTES)
            .enumerate()
            .map(|(i, piece)| {
                let (content_type, file_name) = if i == 0 { (XMLTV_CONTENT_TYPE.to_owned(), export.file_name.clone()) } else { (String::new(), String::new()) };
                Ok(pb::ExportedDocument { content_type, file_name, content: piece.to_vec() })
            })
            .collect();
        Ok(Response::new(Box::pin(futures::stream::iter(pieces))))
    }

    async fn export_i_calendar(&self, request: Request<pb::ExportICalendarRequest>) -> Result<Response<pb::ExportedDocument>, Status> {
        let (campaign, language, grade) = convert::icalendar_export(request.get_ref())?;
        let export = self.grid.export_icalendar(campaign, language, grade).await?;
        Ok(Response::new(convert::document_to_proto(ICALENDAR_CONTENT_TYPE, export)))
    }

    #[tracing::instrument(skip_all, fields(campaign = %request.get_ref().campaign, version = request.get_ref().version))]
    async fn publish_grid(&self, request: Request<pb::PublishGridRequest>) -> Result<Response<pb::Publication>, Status> {
        let (campaign, version, published_by) = convert::publish(request.get_ref())?;
        let publication = self.grid.publish(&campaign, version, &published_by).await?;
        Ok(Response::new(convert::publication_to_proto(&publication)))
    }

    async fn list_publications(&self, request: Request<pb::ListPublicationsRequest>) -> Result<Response<pb::ListPublicationsResponse>, Status> {
        let (campaign, _) = convert::grid_version(&request.get_ref().campaign, 0)?;
        let publications = self.grid.publications(&campaign).await?;
        Ok(Response::new(pb::ListPublicationsResponse { publications: publications.iter().map(convert::publication_to_proto).collect() }))
    }

    async fn register_lesson_asset(&self, request: Request<pb::RegisterLessonAssetRequest>) -> Result<Response<pb::LessonAsset>, Status> {
        let (plan, registered_by) = convert::assets::read_asset(request.get_ref())?;
        let asset = self.assets.register(&plan, &registered_by).await?;
        Ok(Response::new(convert::assets::asset_to_proto(&asset)))
    }

    async fn approve_lesson_asset(&self, request: Request<pb::ApproveLessonAssetRequest>) -> Result<Response<pb::LessonAsset>, Status> {
        let (asset_id, approved_by) = convert::approve(request.get_ref())?;
        let asset = self.assets.approve(asset_id, &approved_by).await?;
        Ok(Response::new(convert::assets::asset_to_proto(&asset)))
    }

    async fn get_lesson_asset(&self, request: Request<pb::GetLessonAssetRequest>) -> Result<Response<pb::LessonAsset>, Status> {
        let asset = self.assets.get(convert::asset_id(&request.get_ref().asset_id)?).await?;
        Ok(Response::new(convert::assets::asset_to_proto(&asset)))
    }

    #[tracing::instrument(skip_all, fields(asset_id = %request.get_ref().asset_id))]
    async fn schedule_lesson_asset(&self, request: Request<pb::ScheduleLessonAssetRequest>) -> Result<Response<pb::ScheduledLesson>, Status> {
        let (asset_id, lesson, scheduled_by) = convert::schedule(request.get_ref())?;
        let scheduled = self.assets.schedule(asset_id, lesson, &scheduled_by).await?;
        Ok(Response::new(pb::ScheduledLesson {
            asset_id: asset_id.to_string(),
            previous_asset_id: scheduled.previous.map(|p| p.to_string()).unwrap_or_default(),
            airings: convert::airings_to_proto(scheduled.airings.as_ref()).airings,
        }))
    }

    async fn get_lesson_repeats(&self, request: Request<pb::GetLessonRepeatsRequest>) -> Result<Response<pb::Airings>, Status> {
        let repeats = self.assets.repeats(convert::asset_id(&request.get_ref().asset_id)?).await?;
        Ok(Response::new(convert::repeats_to_proto(&repeats)))
    }
}
