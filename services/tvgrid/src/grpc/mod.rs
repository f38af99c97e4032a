//! `qashyq.tvgrid.v1.TvGridService`.

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use qashyq_catalogue::Medium;
use qashyq_platform::{ApiError, error::quote, time::to_timestamp, validate::Violations};
use qashyq_proto::tvgrid::v1::{self as pb, tv_grid_service_server::TvGridService};
use tonic::{Request, Response, Status};

use crate::{
    assets::{AssetRepo, LessonKey},
    channels,
    domain::placement::Airing,
    export::{Programme, ical, lesson_title, xmltv},
    fields::{channel, language, lesson_of_day},
    import, lesson_assets,
    placements::{DayView, Placements},
    publishing,
    repo::{GridRepo, PublicationRecord, Stored, StoredImport},
};

/// Longest date range an XMLTV export may cover.
const MAX_EXPORT_DAYS: i64 = 366;
/// Channels one XMLTV export may name: every channel of the catalogue, each once.
const MAX_EXPORT_CHANNELS: usize = 4;
/// Largest document one `ExportXmltv` answer carries (clients refuse messages over 4 MiB by default).
const MAX_EXPORT_BYTES: usize = 3 * 1024 * 1024;
/// Size of the pieces `StreamXmltv` sends.
const STREAM_PIECE_BYTES: usize = 1024 * 1024;
const XMLTV_CONTENT_TYPE: &str = "application/xml";

pub struct TvGridApi {
    grids: Arc<GridRepo>,
    assets: Arc<AssetRepo>,
    placements: Placements,
}

impl TvGridApi {
    pub fn new(grids: GridRepo, assets: AssetRepo) -> Self {
        let (grids, assets) = (Arc::new(grids), Arc::new(assets));
        Self { placements: Placements::new(grids.clone(), assets.clone()), grids, assets }
    }

    /// The XMLTV document of the request's channels and days, with its file name.
    async fn render_xmltv(&self, request: &pb::ExportXmltvRequest) -> Result<(String, String), ApiError> {
        let mut v = Violations::new();
        let channels = export_channels(&mut v, &request.channel_ids);
        let range = v.date_range(request.first_day.as_ref(), request.last_day.as_ref(), MAX_EXPORT_DAYS);
        let (first, last) = v.values(range)?;
        let views = self.days(first, last).await?;
        let programmes: Vec<Programme<'_>> = views
            .iter()
            .flat_map(|view| view.airings().iter().filter(|a| channels.contains(&a.channel_id)).map(|a| programme(view, a)))
            .collect();
        let ids: Vec<&str> = channels.iter().map(String::as_str).collect();
        Ok((format!("{}_{}_{}.xml", ids.join("+"), first, last), xmltv::render(&programmes, &ids)))
    }
}

/// Reads the channels of an export: 1–4 of the catalogue's, each once (a channel named twice
/// would be declared twice, which XMLTV forbids).
fn export_channels(v: &mut Violations, ids: &[String]) -> Vec<String> {
    if ids.is_empty() {
        v.add("channel_ids", "at least one channel is required");
        return Vec::new();
    }
    if ids.len() > MAX_EXPORT_CHANNELS {
        v.add("channel_ids", format!("has {} entries; at most {MAX_EXPORT_CHANNELS} (each channel once)", ids.len()));
        return Vec::new();
    }
    let mut channels: Vec<String> = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        if let Some(first) = ids[..i].iter().position(|earlier| earlier == id) {
            v.add(format!("channel_ids[{i}]"), format!("repeats channel_ids[{first}]"));
        } else if let Some(channel) = channel(v, &format!("channel_ids[{i}]"), id) {
            channels.push(channel);
        }
    }
    channels
}

/// A stored version's validation report: read again from its documents (the same documents
/// always give the same report), with who imported them and when.
fn stored_report(campaign: &str, stored: &StoredImport) -> Result<pb::ValidationReport, ApiError> {
    let report = import::read_stored(&stored.documents)?.report();
    Ok(report_to_proto(campaign, stored.version, &report, stored.imported_by.clone(), stored.imported_at))
}

fn report_to_proto(
    campaign: &str,
    version: i64,
    report: &crate::domain::validation::ValidationReport,
    imported_by: String,
    imported_at: chrono::DateTime<Utc>,
) -> pb::ValidationReport {
    let (findings, notes) = import::report_to_proto(report);
    pb::ValidationReport { campaign: campaign.to_owned(), version, findings, notes, imported_at: Some(to_timestamp(imported_at)), imported_by }
}

fn publication_to_proto(publication: &PublicationRecord) -> pb::Publication {
    pb::Publication {
        campaign: publication.campaign.clone(),
        publication: publication.publication,
        version: publication.version,
        previous_version: publication.previous_version,
        effective_from: Some(qashyq_platform::time::to_local_date(publication.effective_from)),
        changes: publication
            .changes
            .iter()
            .map(|c| pb::GridChange {
                kind: c.kind.clone(),
                language: c.language.as_deref().and_then(|code| code.parse::<qashyq_catalogue::Language>().ok()).map_or(0, qashyq_platform::language::to_proto),
                grade: c.grade,
                weekday: c.weekday.clone(),
                before: c.before.clone(),
                after: c.after.clone(),
                description: c.description.clone(),
            })
            .collect(),
        published_by: publication.published_by.clone(),
        published_at: Some(to_timestamp(publication.published_at)),
    }
}

fn airing_to_proto(view: &DayView, airing: &Airing) -> pb::Airing {
    let asset = view.asset_of(airing);
    pb::Airing {
        channel_id: airing.channel_id.clone(),
        language: qashyq_platform::language::to_proto(airing.language),
        grade: airing.grade.value().into(),
        subject_code: airing.subject.clone(),
        title: lesson_title(airing.language, airing.grade, &airing.subject),
        lesson_of_day: airing.lesson_of_day as i32,
        starts: Some(to_timestamp(airing.starts.with_timezone(&Utc))),
        ends: Some(to_timestamp(airing.ends.with_timezone(&Utc))),
        local_start: airing.starts.to_rfc3339(),
        asset_id: asset.map(|a| a.asset_id.to_string()).unwrap_or_default(),
        topic: asset.map(|a| a.topic.clone()).unwrap_or_default(),
        teacher_name: asset.map(|a| a.teacher_name.clone()).unwrap_or_default(),
        publication: view.publication,
    }
}

fn programme<'a>(view: &'a DayView, airing: &'a Airing) -> Programme<'a> {
    let asset = view.asset_of(airing);
    Programme {
        airing,
        publication: view.publication,
        topic: asset.map_or("", |a| a.topic.as_str()),
        teacher_name: asset.map_or("", |a| a.teacher_name.as_str()),
    }
}

impl TvGridApi {
    /// The TV and radio airings of one lesson.
    async fn lesson_airings(&self, lesson: &LessonKey) -> Result<Vec<pb::Airing>, ApiError> {
        Ok(match self.placements.for_date(lesson.date).await? {
            Some(view) => view
                .airings()
                .iter()
                .filter(|a| a.language == lesson.language && a.grade == lesson.grade && a.lesson_of_day == lesson.lesson_of_day)
                .map(|a| airing_to_proto(&view, a))
                .collect(),
            None => Vec::new(),
        })
    }

    /// The airings of `date` that `keep` selects, with the publication they come from.
    async fn day(&self, date: NaiveDate, keep: impl Fn(&Airing) -> bool) -> Result<pb::Airings, ApiError> {
        Ok(match self.placements.for_date(date).await? {
            Some(view) => pb::Airings {
                campaign: view.campaign.clone(),
                version: view.version,
                airings: view.airings().iter().filter(|a| keep(a)).map(|a| airing_to_proto(&view, a)).collect(),
            },
            None => pb::Airings::default(),
        })
    }

    /// What airs on each day of a range.
    async fn days(&self, first: NaiveDate, last: NaiveDate) -> Result<Vec<Arc<DayView>>, ApiError> {
        let mut views = Vec::new();
        for date in first.iter_days().take_while(|d| *d <= last) {
            views.extend(self.placements.for_date(date).await?);
        }
        Ok(views)
    }
}

fn campaign_and_version(campaign: &str, version: i64) -> Result<(String, i64), Status> {
    let mut v = Violations::new();
    let name = read_campaign_and_version(&mut v, campaign, version);
    Ok((v.values(name)?, version))
}

fn read_campaign_and_version(v: &mut Violations, campaign: &str, version: i64) -> Option<String> {
    let name = v.text("campaign", campaign, 100).map(str::to_owned);
    if version < 0 {
        v.add("version", "must not be negative (0 means the latest)");
    }
    name
}

#[tonic::async_trait]
impl TvGridService for TvGridApi {
    async fn list_channels(&self, request: Request<pb::ListChannelsRequest>) -> Result<Response<pb::ListChannelsResponse>, Status> {
        Ok(Response::new(channels::list(request.get_ref())?))
    }

    #[tracing::instrument(skip_all, fields(campaign = ?request.get_ref().campaign.as_ref().map(|c| &c.name)))]
    async fn import_grid(&self, request: Request<pb::ImportGridRequest>) -> Result<Response<pb::ImportGridResponse>, Status> {
        let request = request.into_inner();
        let (imported, documents) = import::read_request(&request)?;
        let checked = imported.report();
        let campaign = imported.campaign.name.clone();
        let outcome = self.grids.store(&documents, request.imported_by.trim(), checked.findings.len()).await?;
        let (version, already_imported) = match outcome.stored {
            Stored::New(version) => (version, false),
            Stored::Existing(version) => (version, true),
        };
        // The same documents give the same report: the one just made is the stored version's.
        let report = report_to_proto(&campaign, version, &checked, outcome.imported_by, outcome.imported_at);
        tracing::info!(version, already_imported, findings = report.findings.len(), "grid imported");
        Ok(Response::new(pb::ImportGridResponse { campaign, version, report: Some(report), already_imported }))
    }

    async fn get_validation_report(&self, request: Request<pb::GetValidationReportRequest>) -> Result<Response<pb::ValidationReport>, Status> {
        let (campaign, version) = campaign_and_version(&request.get_ref().campaign, request.get_ref().version)?;
        let stored = self.grids.load(&campaign, version).await?;
        Ok(Response::new(stored_report(&campaign, &stored)?))
    }

    async fn get_campaign_figures(&self, request: Request<pb::GetCampaignFiguresRequest>) -> Result<Response<pb::CampaignFigures>, Status> {
        let (campaign, version) = campaign_and_version(&request.get_ref().campaign, request.get_ref().version)?;
        let stored = self.grids.load(&campaign, version).await?;
        let figures = import::read_stored(&stored.documents)?.figures();
        let (school_days, grades, total, planned_total, explanation) = import::figures_to_proto(&figures);
        Ok(Response::new(pb::CampaignFigures { campaign, version: stored.version, school_days, grades, total, planned_total, explanation }))
    }

    async fn get_grade_day(&self, request: Request<pb::GetGradeDayRequest>) -> Result<Response<pb::Airings>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let language = language(&mut v, "language", request.language);
        let grade = v.grade("grade", request.grade);
        let date = v.local_date("date", request.date.as_ref());
        let (language, grade, date) = v.values((language, grade, date))?;
        let day = self.day(date, |a| a.language == language && a.grade == grade && a.medium == Medium::Tv).await?;
        Ok(Response::new(day))
    }

    async fn get_channel_day(&self, request: Request<pb::GetChannelDayRequest>) -> Result<Response<pb::Airings>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let channel_id = channel(&mut v, "channel_id", &request.channel_id);
        let date = v.local_date("date", request.date.as_ref());
        let (channel_id, date) = v.values((channel_id, date))?;
        Ok(Response::new(self.day(date, |a| a.channel_id == channel_id).await?))
    }

    async fn get_airing_now(&self, request: Request<pb::GetAiringNowRequest>) -> Result<Response<pb::Airings>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let channel_id = channel(&mut v, "channel_id", &request.channel_id);
        let at = match &request.at {
            Some(at) => v.timestamp("at", Some(at)),
            None => Some(qashyq_platform::clock::now()),
        };
        let (channel_id, at) = v.values((channel_id, at))?;
        let date = at.with_timezone(&qashyq_catalogue::BROADCAST_ZONE).date_naive();
        Ok(Response::new(self.day(date, |a| a.channel_id == channel_id && a.starts <= at && at < a.ends).await?))
    }

    async fn export_xmltv(&self, request: Request<pb::ExportXmltvRequest>) -> Result<Response<pb::ExportedDocument>, Status> {
        let (file_name, content) = self.render_xmltv(request.get_ref()).await?;
        if content.len() > MAX_EXPORT_BYTES {
            let size = content.len();
            return Err(ApiError::invalid(
                "last_day",
                format!("the document is {size} bytes, more than the {MAX_EXPORT_BYTES} one answer carries: narrow the range or call StreamXmltv"),
            )
            .into());
        }
        Ok(Response::new(pb::ExportedDocument { content_type: XMLTV_CONTENT_TYPE.to_owned(), file_name, content: content.into_bytes() }))
    }

    type StreamXmltvStream = std::pin::Pin<Box<dyn futures::Stream<Item = Result<pb::ExportedDocument, Status>> + Send>>;

    async fn stream_xmltv(&self, request: Request<pb::ExportXmltvRequest>) -> Result<Response<Self::StreamXmltvStream>, Status> {
        let (file_name, content) = self.render_xmltv(request.get_ref()).await?;
        let pieces: Vec<_> = content
            .as_bytes()
            .chunks(STREAM_PIECE_BYTES)
            .enumerate()
            .map(|(i, piece)| {
                let (content_type, file_name) = if i == 0 { (XMLTV_CONTENT_TYPE.to_owned(), file_name.clone()) } else { (String::new(), String::new()) };
                Ok(pb::ExportedDocument { content_type, file_name, content: piece.to_vec() })
            })
            .collect();
        Ok(Response::new(Box::pin(futures::stream::iter(pieces))))
    }

    async fn export_i_calendar(&self, request: Request<pb::ExportICalendarRequest>) -> Result<Response<pb::ExportedDocument>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let language = language(&mut v, "language", request.language);
        let grade = v.grade("grade", request.grade);
        if request.campaign.chars().count() > 100 {
            v.add("campaign", "is longer than 100 characters");
        }
        let (language, grade) = v.values((language, grade))?;
        let campaign = match request.campaign.trim() {
            "" => self.grids.latest_published_campaign().await?.ok_or_else(|| ApiError::NotFound("any published campaign".to_owned()))?,
            name => name.to_owned(),
        };
        let (first, last) =
            self.grids.published_dates(&campaign).await?.ok_or_else(|| ApiError::NotFound(format!("a publication of campaign {}", quote(&campaign))))?;
        // Day by day: each day airs from the publication in effect on it (R-TV-6).
        let views: Vec<Arc<DayView>> = self.days(first, last).await?.into_iter().filter(|view| view.campaign == campaign).collect();
        let programmes: Vec<Programme<'_>> = views.iter().flat_map(|view| view.airings().iter().map(|a| programme(view, a))).collect();
        let calendar = ical::render(&programmes, language, grade, qashyq_platform::clock::now());
        Ok(Response::new(pb::ExportedDocument {
            content_type: "text/calendar".to_owned(),
            file_name: format!("{campaign}_{}_grade{}.ics", language.code(), grade.value()),
            content: calendar.into_bytes(),
        }))
    }

    #[tracing::instrument(skip_all, fields(campaign = %request.get_ref().campaign, version = request.get_ref().version))]
    async fn publish_grid(&self, request: Request<pb::PublishGridRequest>) -> Result<Response<pb::Publication>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let campaign = read_campaign_and_version(&mut v, &request.campaign, request.version);
        let published_by = v.text("published_by", &request.published_by, 200).map(str::to_owned);
        let (campaign, published_by) = v.values((campaign, published_by))?;
        let now = qashyq_platform::clock::now();
        let publication = self
            .grids
            .publish(&campaign, request.version, &published_by, |old, new| publishing::decide(old, new, now))
            .await?;
        self.placements.forget_days().await;
        tracing::info!(publication = publication.publication, version = publication.version, changes = publication.changes.len(), "grid published");
        Ok(Response::new(publication_to_proto(&publication)))
    }

    async fn list_publications(&self, request: Request<pb::ListPublicationsRequest>) -> Result<Response<pb::ListPublicationsResponse>, Status> {
        let (campaign, _) = campaign_and_version(&request.get_ref().campaign, 0)?;
        Ok(Response::new(pb::ListPublicationsResponse { publications: self.grids.publications(&campaign).await?.iter().map(publication_to_proto).collect() }))
    }

    async fn register_lesson_asset(&self, request: Request<pb::RegisterLessonAssetRequest>) -> Result<Response<pb::LessonAsset>, Status> {
        let request = request.get_ref();
        let (asset, language, grade) = lesson_assets::read_asset(request.asset.as_ref(), &request.registered_by)?;
        let stored = self.assets.register(&asset, language, grade, request.registered_by.trim()).await?;
        tracing::info!(asset_id = %stored.asset_id, subject = %stored.subject_code, grade = stored.grade, "lesson asset registered");
        Ok(Response::new(stored))
    }

    async fn approve_lesson_asset(&self, request: Request<pb::ApproveLessonAssetRequest>) -> Result<Response<pb::LessonAsset>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let asset_id = v.uuid("asset_id", &request.asset_id);
        let approved_by = v.text("approved_by", &request.approved_by, 200);
        let (asset_id, approved_by) = v.values((asset_id, approved_by))?;
        let asset = self.assets.approve(asset_id, approved_by).await?;
        tracing::info!(asset_id = %asset.asset_id, approved_by = %asset.approved_by, "lesson asset approved");
        Ok(Response::new(asset))
    }

    async fn get_lesson_asset(&self, request: Request<pb::GetLessonAssetRequest>) -> Result<Response<pb::LessonAsset>, Status> {
        let mut v = Violations::new();
        let asset_id = v.uuid("asset_id", &request.get_ref().asset_id);
        let asset_id = v.values(asset_id)?;
        Ok(Response::new(self.assets.get(asset_id).await?.ok_or_else(|| ApiError::NotFound(format!("asset {asset_id}")))?))
    }

    #[tracing::instrument(skip_all, fields(asset_id = %request.get_ref().asset_id))]
    async fn schedule_lesson_asset(&self, request: Request<pb::ScheduleLessonAssetRequest>) -> Result<Response<pb::ScheduledLesson>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let asset_id = v.uuid("asset_id", &request.asset_id);
        let language = language(&mut v, "language", request.language);
        let grade = v.grade("grade", request.grade);
        let date = v.local_date("date", request.date.as_ref());
        let lesson_of_day = lesson_of_day(&mut v, "lesson_of_day", request.lesson_of_day);
        let scheduled_by = v.text("scheduled_by", &request.scheduled_by, 200);
        let (asset_id, scheduled_by, date, language, grade, lesson_of_day) = v.values((asset_id, scheduled_by, date, language, grade, lesson_of_day))?;
        let lesson = LessonKey {
            date,
            language,
            grade,
            lesson_of_day,
        };
        let asset = self.assets.get(asset_id).await?.ok_or_else(|| ApiError::invalid("asset_id", format!("no asset {asset_id}")))?;
        let view = self.placements.for_date(lesson.date).await?;
        crate::scheduling::check(&asset, &lesson, view.as_deref(), qashyq_platform::clock::now())?;
        let previous = self.assets.schedule(lesson, asset_id, scheduled_by).await?;
        self.placements.forget_day(lesson.date).await;
        let airings = self.lesson_airings(&lesson).await?;
        tracing::info!(date = %lesson.date, grade = lesson.grade.value(), lesson_of_day = lesson.lesson_of_day, "lesson asset scheduled");
        Ok(Response::new(pb::ScheduledLesson {
            asset_id: asset_id.to_string(),
            previous_asset_id: previous.map(|p| p.to_string()).unwrap_or_default(),
            airings,
        }))
    }

    async fn get_lesson_repeats(&self, request: Request<pb::GetLessonRepeatsRequest>) -> Result<Response<pb::Airings>, Status> {
        let mut v = Violations::new();
        let asset_id = v.uuid("asset_id", &request.get_ref().asset_id);
        let asset_id = v.values(asset_id)?;
        if self.assets.get(asset_id).await?.is_none() {
            return Err(ApiError::NotFound(format!("asset {asset_id}")).into());
        }
        let mut airings = Vec::new();
        for lesson in self.assets.lessons_of(asset_id).await? {
            airings.extend(self.lesson_airings(&lesson).await?.into_iter().filter(|a| a.asset_id == asset_id.to_string()));
        }
        airings.sort_by_key(|a| (a.starts.map(|t| t.seconds), a.channel_id.clone()));
        Ok(Response::new(pb::Airings { campaign: String::new(), version: 0, airings }))
    }

}
