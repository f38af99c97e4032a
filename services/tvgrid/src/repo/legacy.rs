//! How imports and publication changes were stored before migration 4: encoded API messages as
//! they were then. Frozen here, so that rows stored then can be converted whatever the API
//! becomes. Lesson assets' plans were stored the same way until migration 5.

use chrono::NaiveDate;

use crate::domain::{
    documents::{CampaignSpec, GridDocuments},
    lesson_plan::{Segment as PlanSegment, SegmentKind},
    publication::ChangeRecord,
    sources::{AiredRow, GridRow, HoursEntry, HoursRow, ReadingRow},
};

#[derive(Clone, PartialEq, prost::Message)]
pub struct LocalDate {
    #[prost(int32, tag = "1")]
    pub year: i32,
    #[prost(int32, tag = "2")]
    pub month: i32,
    #[prost(int32, tag = "3")]
    pub day: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Campaign {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(message, optional, tag = "2")]
    pub first_day: Option<LocalDate>,
    #[prost(message, optional, tag = "3")]
    pub last_day: Option<LocalDate>,
    #[prost(message, repeated, tag = "4")]
    pub holidays: Vec<LocalDate>,
    #[prost(int32, tag = "5")]
    pub planned_lessons: i32,
    #[prost(int32, repeated, tag = "6")]
    pub planned_lessons_per_grade: Vec<i32>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct GridDay {
    #[prost(int32, tag = "1")]
    pub language: i32,
    #[prost(int32, tag = "2")]
    pub grade: i32,
    #[prost(string, tag = "3")]
    pub weekday: String,
    #[prost(string, repeated, tag = "4")]
    pub subjects: Vec<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct AiredSubjects {
    #[prost(int32, tag = "1")]
    pub language: i32,
    #[prost(int32, tag = "2")]
    pub grade: i32,
    #[prost(string, repeated, tag = "3")]
    pub subjects: Vec<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Reading {
    #[prost(int32, repeated, tag = "1")]
    pub grades: Vec<i32>,
    #[prost(string, tag = "2")]
    pub written: String,
    #[prost(string, tag = "3")]
    pub read_as: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct SubjectHours {
    #[prost(string, tag = "1")]
    pub subject: String,
    #[prost(int32, tag = "2")]
    pub per_week: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct WeeklyHours {
    #[prost(int32, tag = "1")]
    pub language: i32,
    #[prost(int32, tag = "2")]
    pub grade: i32,
    #[prost(message, repeated, tag = "3")]
    pub hours: Vec<SubjectHours>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ImportGridRequest {
    #[prost(message, optional, tag = "1")]
    pub campaign: Option<Campaign>,
    #[prost(message, repeated, tag = "2")]
    pub grid: Vec<GridDay>,
    #[prost(message, repeated, tag = "3")]
    pub aired_subjects: Vec<AiredSubjects>,
    #[prost(message, repeated, tag = "4")]
    pub readings: Vec<Reading>,
    #[prost(message, repeated, tag = "5")]
    pub weekly_hours: Vec<WeeklyHours>,
    #[prost(string, tag = "6")]
    pub imported_by: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct GridChange {
    #[prost(string, tag = "1")]
    pub kind: String,
    #[prost(int32, tag = "2")]
    pub language: i32,
    #[prost(int32, tag = "3")]
    pub grade: i32,
    #[prost(string, tag = "4")]
    pub weekday: String,
    #[prost(string, repeated, tag = "5")]
    pub before: Vec<String>,
    #[prost(string, repeated, tag = "6")]
    pub after: Vec<String>,
    #[prost(string, tag = "7")]
    pub description: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ChangeList {
    #[prost(message, repeated, tag = "1")]
    pub changes: Vec<GridChange>,
}

/// The old API's language numbers: 1 Kazakh, 2 Russian.
fn language(raw: i32) -> String {
    match raw {
        1 => "kk".to_owned(),
        2 => "ru".to_owned(),
        other => format!("language #{other}"),
    }
}

fn date(d: Option<&LocalDate>) -> NaiveDate {
    d.and_then(|d| NaiveDate::from_ymd_opt(d.year, u32::try_from(d.month).ok()?, u32::try_from(d.day).ok()?)).unwrap_or(NaiveDate::MIN)
}

pub fn documents(request: ImportGridRequest) -> GridDocuments {
    let campaign = request.campaign.unwrap_or_default();
    GridDocuments {
        campaign: CampaignSpec {
            first_day: date(campaign.first_day.as_ref()),
            last_day: date(campaign.last_day.as_ref()),
            holidays: campaign.holidays.iter().map(|d| date(Some(d))).collect(),
            planned_lessons: u32::try_from(campaign.planned_lessons).ok().filter(|n| *n > 0),
            planned_lessons_per_grade: campaign.planned_lessons_per_grade.iter().filter_map(|n| u32::try_from(*n).ok()).collect(),
            name: campaign.name,
        },
        grid: request
            .grid
            .into_iter()
            .map(|d| GridRow { language: language(d.language), grade: d.grade.into(), weekday: d.weekday, subjects: d.subjects })
            .collect(),
        aired: request.aired_subjects.into_iter().map(|a| AiredRow { language: language(a.language), grade: a.grade.into(), subjects: a.subjects }).collect(),
        readings: request
            .readings
            .into_iter()
            .map(|r| ReadingRow { grades: r.grades.into_iter().map(i64::from).collect(), written: r.written, read_as: r.read_as })
            .collect(),
        hours: request
            .weekly_hours
            .into_iter()
            .map(|h| HoursRow {
                language: language(h.language),
                grade: h.grade.into(),
                hours: h.hours.into_iter().map(|e| HoursEntry { subject: e.subject, per_week: e.per_week.into() }).collect(),
            })
            .collect(),
    }
}

pub fn change(change: GridChange) -> ChangeRecord {
    ChangeRecord {
        kind: change.kind,
        language: (change.language != 0).then(|| language(change.language)),
        grade: change.grade,
        weekday: change.weekday,
        before: change.before,
        after: change.after,
        description: change.description,
    }
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Segment {
    #[prost(int32, tag = "1")]
    pub kind: i32,
    #[prost(int32, tag = "2")]
    pub duration_seconds: i32,
    #[prost(string, repeated, tag = "3")]
    pub items: Vec<String>,
}

/// The part of the old `LessonAsset` message its `plan` column held (the other fields were
/// columns of their own then as now).
#[derive(Clone, PartialEq, prost::Message)]
pub struct LessonAssetPlan {
    #[prost(message, repeated, tag = "7")]
    pub segments: Vec<Segment>,
    #[prost(string, tag = "8")]
    pub closing_message: String,
    #[prost(string, tag = "9")]
    pub media_ref: String,
}

/// The old API's segment kinds: 1 explanation, 2 questions, 3 tasks, 4 digital resources, 5 links.
pub fn segment(segment: Segment) -> PlanSegment {
    let kind = match segment.kind {
        1 => Some(SegmentKind::Explanation),
        2 => Some(SegmentKind::Questions),
        3 => Some(SegmentKind::Tasks),
        4 => Some(SegmentKind::DigitalResources),
        5 => Some(SegmentKind::Links),
        _ => None,
    };
    PlanSegment { kind, seconds: segment.duration_seconds.into(), items: segment.items }
}
