//! The events the TV grid service announces (`qashyq.tvgrid.events.v1`), built here and nowhere
//! else: what happened, with the ids and fields consumers need, never a copy of an API resource.

use chrono::NaiveDate;
use qashyq_platform::time::{to_local_date, to_timestamp};
use qashyq_proto::tvgrid::events::v1 as ev;
use uuid::Uuid;

use crate::domain::{assets::LessonKey, publication::Publication};

pub fn grid_imported(campaign: &str, version: i64, findings: usize, imported_by: &str) -> ev::GridImported {
    ev::GridImported { campaign: campaign.to_owned(), version, findings: i32::try_from(findings).unwrap_or(i32::MAX), imported_by: imported_by.to_owned() }
}

pub fn grid_published(publication: &Publication) -> ev::GridPublished {
    ev::GridPublished {
        campaign: publication.campaign.clone(),
        publication: publication.publication,
        version: publication.version,
        previous_version: publication.previous_version,
        effective_from: Some(to_local_date(publication.effective_from)),
        changes: publication
            .changes
            .iter()
            .map(|c| ev::GridChange {
                kind: c.kind.clone(),
                language: c.language().map_or(0, qashyq_platform::language::to_proto),
                grade: c.grade,
                weekday: c.weekday.clone(),
                before: c.before.clone(),
                after: c.after.clone(),
            })
            .collect(),
        published_by: publication.published_by.clone(),
        published_at: Some(to_timestamp(publication.published_at)),
    }
}

pub fn lesson_asset_approved(asset_id: Uuid, approved_by: &str) -> ev::LessonAssetApproved {
    ev::LessonAssetApproved { asset_id: asset_id.to_string(), approved_by: approved_by.to_owned() }
}

pub fn lesson_asset_scheduled(lesson: &LessonKey, asset_id: Uuid, previous: Option<Uuid>, scheduled_by: &str) -> ev::LessonAssetScheduled {
    let date: NaiveDate = lesson.date;
    ev::LessonAssetScheduled {
        asset_id: asset_id.to_string(),
        previous_asset_id: previous.map(|p| p.to_string()).unwrap_or_default(),
        language: qashyq_platform::language::to_proto(lesson.language),
        grade: lesson.grade.value().into(),
        date: Some(to_local_date(date)),
        lesson_of_day: i32::try_from(lesson.lesson_of_day).unwrap_or(i32::MAX),
        scheduled_by: scheduled_by.to_owned(),
    }
}
