//! The only conversion between the API's messages and the service's domain types: requests are
//! read once into typed values (or `INVALID_ARGUMENT` naming every bad field), answers built from
//! what the use cases return. `import` reads a campaign's documents, `assets` a lesson asset,
//! `channels` the catalogue's channels; the rest is here.

pub mod assets;
pub mod channels;
pub mod import;

use chrono::{NaiveDate, Utc};
use qashyq_catalogue::{Grade, Language, catalogue};
use qashyq_platform::{
    ApiError,
    error::quote,
    time::{to_local_date, to_timestamp},
    validate::Violations,
};
use qashyq_proto::tvgrid::v1 as pb;
use uuid::Uuid;

pub use qashyq_platform::language::read as language;

use crate::{
    app::{AiringQuery, DayAirings, DayView, grid::Export},
    domain::{assets::LessonKey, export::lesson_title, placement::Airing, publication::Publication},
};

/// Longest date range an XMLTV export may cover.
const MAX_EXPORT_DAYS: i64 = 366;
/// Channels one XMLTV export may name: every channel of the catalogue, each once.
const MAX_EXPORT_CHANNELS: usize = 4;
/// Longest campaign name.
const MAX_CAMPAIGN_CHARS: usize = 100;
/// Longest name of whoever does something.
const MAX_PERSON_CHARS: usize = 200;

/// Reads a channel id of the catalogue.
pub fn channel(v: &mut Violations, field: &str, id: &str) -> Option<String> {
    if catalogue().channel(id).is_none() {
        v.add(field, format!("{} is not a channel (balapan.kz, elarna.kz, qazaqradio.kz, classic.kz)", quote(&id)));
        return None;
    }
    Some(id.to_owned())
}

/// Reads a lesson's place in its day (from 1).
pub fn lesson_of_day(v: &mut Violations, field: &str, raw: i32) -> Option<u32> {
    match u32::try_from(raw) {
        Ok(n) if n > 0 => Some(n),
        _ => {
            v.add(field, format!("{raw} is not a lesson number (1, 2, …)"));
            None
        }
    }
}

/// Reads a campaign name and a version (0: the latest).
pub fn grid_version(campaign: &str, version: i64) -> Result<(String, i64), ApiError> {
    let mut v = Violations::new();
    let name = campaign_and_version(&mut v, campaign, version);
    Ok((v.values(name)?, version))
}

fn campaign_and_version(v: &mut Violations, campaign: &str, version: i64) -> Option<String> {
    let name = v.text("campaign", campaign, MAX_CAMPAIGN_CHARS).map(str::to_owned);
    if version < 0 {
        v.add("version", "must not be negative (0 means the latest)");
    }
    name
}

pub fn asset_id(raw: &str) -> Result<Uuid, ApiError> {
    let mut v = Violations::new();
    let id = v.uuid("asset_id", raw);
    Ok(v.values(id)?)
}

pub fn grade_day(request: &pb::GetGradeDayRequest) -> Result<AiringQuery, ApiError> {
    let mut v = Violations::new();
    let language = language(&mut v, "language", request.language);
    let grade = v.grade("grade", request.grade);
    let date = v.local_date("date", request.date.as_ref());
    let (language, grade, date) = v.values((language, grade, date))?;
    Ok(AiringQuery::Grade { date, language, grade })
}

pub fn channel_day(request: &pb::GetChannelDayRequest) -> Result<AiringQuery, ApiError> {
    let mut v = Violations::new();
    let channel_id = channel(&mut v, "channel_id", &request.channel_id);
    let date = v.local_date("date", request.date.as_ref());
    let (channel_id, date) = v.values((channel_id, date))?;
    Ok(AiringQuery::Channel { date, channel_id })
}

/// Reads what airs on a channel at an instant (none: now).
pub fn airing_now(request: &pb::GetAiringNowRequest) -> Result<AiringQuery, ApiError> {
    let mut v = Violations::new();
    let channel_id = channel(&mut v, "channel_id", &request.channel_id);
    let at = match &request.at {
        Some(at) => v.timestamp("at", Some(at)).map(Some),
        None => Some(None),
    };
    let (channel_id, at) = v.values((channel_id, at))?;
    Ok(AiringQuery::ChannelAt { channel_id, at })
}

/// An XMLTV export: 1–4 of the catalogue's channels, each once (a channel named twice would be
/// declared twice, which XMLTV forbids), and at most a year of days.
pub struct XmltvExport {
    pub channels: Vec<String>,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

pub fn xmltv_export(request: &pb::ExportXmltvRequest) -> Result<XmltvExport, ApiError> {
    let mut v = Violations::new();
    let channels = export_channels(&mut v, &request.channel_ids);
    let range = v.date_range(request.first_day.as_ref(), request.last_day.as_ref(), MAX_EXPORT_DAYS);
    let (first, last) = v.values(range)?;
    Ok(XmltvExport { channels, first, last })
}

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

/// An iCalendar export: a grade's lessons in a language, of a campaign (`None`: the one
/// published last).
pub fn icalendar_export(request: &pb::ExportICalendarRequest) -> Result<(Option<String>, Language, Grade), ApiError> {
    let mut v = Violations::new();
    let language = language(&mut v, "language", request.language);
    let grade = v.grade("grade", request.grade);
    if request.campaign.chars().count() > MAX_CAMPAIGN_CHARS {
        v.add("campaign", format!("is longer than {MAX_CAMPAIGN_CHARS} characters"));
    }
    let (language, grade) = v.values((language, grade))?;
    let campaign = Some(request.campaign.trim()).filter(|name| !name.is_empty()).map(str::to_owned);
    Ok((campaign, language, grade))
}

/// A publication to make: campaign, version (0: the latest) and who publishes.
pub fn publish(request: &pb::PublishGridRequest) -> Result<(String, i64, String), ApiError> {
    let mut v = Violations::new();
    let campaign = campaign_and_version(&mut v, &request.campaign, request.version);
    let published_by = v.text("published_by", &request.published_by, MAX_PERSON_CHARS).map(str::to_owned);
    let (campaign, published_by) = v.values((campaign, published_by))?;
    Ok((campaign, request.version, published_by))
}

pub fn approve(request: &pb::ApproveLessonAssetRequest) -> Result<(Uuid, String), ApiError> {
    let mut v = Violations::new();
    let asset_id = v.uuid("asset_id", &request.asset_id);
    let approved_by = v.text("approved_by", &request.approved_by, MAX_PERSON_CHARS).map(str::to_owned);
    Ok(v.values((asset_id, approved_by))?)
}

/// An asset to put on a lesson: the asset, the lesson, who schedules it.
pub fn schedule(request: &pb::ScheduleLessonAssetRequest) -> Result<(Uuid, LessonKey, String), ApiError> {
    let mut v = Violations::new();
    let asset_id = v.uuid("asset_id", &request.asset_id);
    let language = language(&mut v, "language", request.language);
    let grade = v.grade("grade", request.grade);
    let date = v.local_date("date", request.date.as_ref());
    let lesson_of_day = lesson_of_day(&mut v, "lesson_of_day", request.lesson_of_day);
    let scheduled_by = v.text("scheduled_by", &request.scheduled_by, MAX_PERSON_CHARS).map(str::to_owned);
    let (asset_id, scheduled_by, date, language, grade, lesson_of_day) = v.values((asset_id, scheduled_by, date, language, grade, lesson_of_day))?;
    Ok((asset_id, LessonKey { date, language, grade, lesson_of_day }, scheduled_by))
}

pub fn airing_to_proto(view: &DayView, airing: &Airing) -> pb::Airing {
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

/// The airings found on a day, with the publication they come from (empty when no published
/// grid covers the day).
pub fn airings_to_proto(found: Option<&DayAirings>) -> pb::Airings {
    match found {
        Some(found) => pb::Airings {
            campaign: found.view.campaign.clone(),
            version: found.view.version,
            airings: found.iter().map(|a| airing_to_proto(&found.view, a)).collect(),
        },
        None => pb::Airings::default(),
    }
}

/// Airings of several days and publications, by time and channel.
pub fn repeats_to_proto(found: &[DayAirings]) -> pb::Airings {
    let mut airings: Vec<pb::Airing> = found.iter().flat_map(|day| day.iter().map(|a| airing_to_proto(&day.view, a))).collect();
    airings.sort_by_key(|a| (a.starts.map(|t| t.seconds), a.channel_id.clone()));
    pb::Airings { campaign: String::new(), version: 0, airings }
}

pub fn publication_to_proto(publication: &Publication) -> pb::Publication {
    pb::Publication {
        campaign: publication.campaign.clone(),
        publication: publication.publication,
        version: publication.version,
        previous_version: publication.previous_version,
        effective_from: Some(to_local_date(publication.effective_from)),
        changes: publication
            .changes
            .iter()
            .map(|c| pb::GridChange {
                kind: c.kind.clone(),
                language: c.language().map_or(0, qashyq_platform::language::to_proto),
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

pub fn document_to_proto(content_type: &str, export: Export) -> pb::ExportedDocument {
    pb::ExportedDocument { content_type: content_type.to_owned(), file_name: export.file_name, content: export.content.into_bytes() }
}
