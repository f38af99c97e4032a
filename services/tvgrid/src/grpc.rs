//! `qashyq.tvgrid.v1.TvGridService`.

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use qashyq_catalogue::{Grade, Language, Medium, catalogue};
use qashyq_platform::{ApiError, time::to_timestamp, validate::Violations};
use qashyq_proto::tvgrid::v1::{self as pb, tv_grid_service_server::TvGridService};
use tonic::{Request, Response, Status};

use crate::{
    channels,
    domain::placement::Airing,
    export::{ical, lesson_title, xmltv},
    import,
    placements::Placements,
    repo::GridRepo,
};

/// Longest date range an XMLTV export may cover.
const MAX_EXPORT_DAYS: i64 = 366;

pub struct TvGridApi {
    grids: Arc<GridRepo>,
    placements: Placements,
}

impl TvGridApi {
    pub fn new(grids: GridRepo) -> Self {
        let grids = Arc::new(grids);
        Self { placements: Placements::new(grids.clone()), grids }
    }
}

fn language(v: &mut Violations, raw: i32) -> Option<Language> {
    match crate::language::from_proto(raw) {
        Ok(Some(language)) => Some(language),
        Ok(None) => {
            v.add("language", "is required (kk or ru)");
            None
        }
        Err(()) => {
            v.add("language", format!("{raw} is not kk or ru"));
            None
        }
    }
}

fn grade(v: &mut Violations, raw: i32) -> Option<Grade> {
    let grade = Grade::new(raw.into());
    if grade.is_none() {
        v.add("grade", format!("{raw} is not a grade (0–12)"));
    }
    grade
}

fn channel(v: &mut Violations, field: &str, id: &str) -> Option<String> {
    if catalogue().channel(id).is_none() {
        v.add(field, format!("{id:?} is not a channel (balapan.kz, elarna.kz, qazaqradio.kz, classic.kz)"));
        return None;
    }
    Some(id.to_owned())
}

fn airing_to_proto(airing: &Airing) -> pb::Airing {
    pb::Airing {
        channel_id: airing.channel_id.clone(),
        language: crate::language::to_proto(airing.language),
        grade: airing.grade.value().into(),
        subject_code: airing.subject.clone(),
        title: lesson_title(airing.language, airing.grade, &airing.subject),
        lesson_of_day: airing.lesson_of_day as i32,
        starts: Some(to_timestamp(airing.starts.with_timezone(&Utc))),
        ends: Some(to_timestamp(airing.ends.with_timezone(&Utc))),
        local_start: airing.starts.to_rfc3339(),
    }
}

impl TvGridApi {
    /// The airings of `date` that `keep` selects, with the version they come from.
    async fn day(&self, date: NaiveDate, keep: impl Fn(&Airing) -> bool) -> Result<pb::Airings, ApiError> {
        Ok(match self.placements.for_date(date).await? {
            Some(placed) => pb::Airings {
                campaign: placed.campaign.clone(),
                version: placed.version,
                airings: placed.day(date).iter().filter(|a| keep(a)).map(airing_to_proto).collect(),
            },
            None => pb::Airings::default(),
        })
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
        let dates = (imported.campaign.first_day, imported.campaign.last_day);
        let version = self.grids.store(&campaign, dates, &request, &mut report).await?;
        self.placements.forget_covering().await;
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

    async fn get_grade_day(&self, request: Request<pb::GetGradeDayRequest>) -> Result<Response<pb::Airings>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let language = language(&mut v, request.language);
        let grade = grade(&mut v, request.grade);
        let date = import::local_date(&mut v, "date", request.date.as_ref());
        v.finish()?;
        let (language, grade) = (language.expect("validated"), grade.expect("validated"));
        let day = self.day(date.expect("validated"), |a| a.language == language && a.grade == grade && a.medium == Medium::Tv).await?;
        Ok(Response::new(day))
    }

    async fn get_channel_day(&self, request: Request<pb::GetChannelDayRequest>) -> Result<Response<pb::Airings>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let channel_id = channel(&mut v, "channel_id", &request.channel_id);
        let date = import::local_date(&mut v, "date", request.date.as_ref());
        v.finish()?;
        let channel_id = channel_id.expect("validated");
        Ok(Response::new(self.day(date.expect("validated"), |a| a.channel_id == channel_id).await?))
    }

    async fn get_airing_now(&self, request: Request<pb::GetAiringNowRequest>) -> Result<Response<pb::Airings>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let channel_id = channel(&mut v, "channel_id", &request.channel_id);
        let at = match &request.at {
            Some(at) => v.timestamp("at", Some(at)),
            None => Some(Utc::now()),
        };
        v.finish()?;
        let (channel_id, at) = (channel_id.expect("validated"), at.expect("validated"));
        let date = at.with_timezone(&chrono_tz::Asia::Almaty).date_naive();
        Ok(Response::new(self.day(date, |a| a.channel_id == channel_id && a.starts <= at && at < a.ends).await?))
    }

    async fn export_xmltv(&self, request: Request<pb::ExportXmltvRequest>) -> Result<Response<pb::ExportedDocument>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        if request.channel_ids.is_empty() {
            v.add("channel_ids", "at least one channel is required");
        }
        let channels: Vec<String> =
            request.channel_ids.iter().enumerate().filter_map(|(i, id)| channel(&mut v, &format!("channel_ids[{i}]"), id)).collect();
        let first = import::local_date(&mut v, "first_day", request.first_day.as_ref());
        let last = import::local_date(&mut v, "last_day", request.last_day.as_ref());
        if let (Some(first), Some(last)) = (first, last) {
            if first > last {
                v.add("last_day", format!("{last} is before first_day {first}"));
            } else if (last - first).num_days() >= MAX_EXPORT_DAYS {
                v.add("last_day", format!("a range covers at most {MAX_EXPORT_DAYS} days"));
            }
        }
        v.finish()?;
        let mut airings = Vec::new();
        for date in first.expect("validated").iter_days().take_while(|d| *d <= last.expect("validated")) {
            if let Some(placed) = self.placements.for_date(date).await? {
                airings.extend(placed.day(date).iter().filter(|a| channels.contains(&a.channel_id)).cloned());
            }
        }
        let ids: Vec<&str> = channels.iter().map(String::as_str).collect();
        Ok(Response::new(pb::ExportedDocument {
            content_type: "application/xml".to_owned(),
            file_name: format!("{}_{}_{}.xml", ids.join("+"), first.expect("validated"), last.expect("validated")),
            content: xmltv::render(&airings, &ids).into_bytes(),
        }))
    }

    async fn export_i_calendar(&self, request: Request<pb::ExportICalendarRequest>) -> Result<Response<pb::ExportedDocument>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let language = language(&mut v, request.language);
        let grade = grade(&mut v, request.grade);
        if request.campaign.chars().count() > 100 {
            v.add("campaign", "is longer than 100 characters");
        }
        v.finish()?;
        let campaign = match request.campaign.trim() {
            "" => self.grids.latest_campaign().await?.ok_or_else(|| ApiError::NotFound("any imported campaign".to_owned()))?,
            name => name.to_owned(),
        };
        let placed = self.placements.version(&campaign, 0).await?;
        let (language, grade) = (language.expect("validated"), grade.expect("validated"));
        let sequence = u32::try_from(placed.version).unwrap_or(u32::MAX);
        let calendar = ical::render(&placed.airings, language, grade, sequence, Utc::now());
        Ok(Response::new(pb::ExportedDocument {
            content_type: "text/calendar".to_owned(),
            file_name: format!("{campaign}_{}_grade{}.ics", language.code(), grade.value()),
            content: calendar.into_bytes(),
        }))
    }
}
