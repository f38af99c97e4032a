//! TV-lesson assets (R-TV-3, R-TV-5): a recorded lesson with its checked segment plan, approved
//! before it may air, and the lessons of the grid it is put on. Whether an asset may be put on a
//! lesson is decided here: only an approved asset of the lesson's language, grade and subject,
//! and only on a lesson that has not begun airing (R-TV-6).

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use qashyq_catalogue::{Grade, Language, Medium};
use uuid::Uuid;

use super::{
    lesson_plan::{Deviation, Segment},
    placement::Airing,
};

/// What is registered of an asset: its class and subject, and its plan as checked (text trimmed,
/// the subject as its catalogue code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetPlan {
    pub language: Language,
    pub grade: Grade,
    pub subject_code: String,
    pub topic: String,
    pub teacher_name: String,
    pub closing_message: String,
    /// Where the video is kept (the content service's reference).
    pub media_ref: String,
    pub segments: Vec<Segment>,
}

/// Who approved an asset, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A registered asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonAsset {
    pub id: Uuid,
    pub plan: AssetPlan,
    pub registered_by: String,
    pub registered_at: DateTime<Utc>,
    /// `None` while it waits for approval: only approved content airs.
    pub approval: Option<Approval>,
}

/// A lesson of the grid: a grade's n-th TV lesson of a date in a language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LessonKey {
    pub date: NaiveDate,
    pub language: Language,
    pub grade: Grade,
    pub lesson_of_day: u32,
}

impl LessonKey {
    /// Whether an airing is one of this lesson's (its TV and its radio airing).
    pub fn airs_in(&self, airing: &Airing) -> bool {
        airing.date == self.date && airing.language == self.language && airing.grade == self.grade && airing.lesson_of_day == self.lesson_of_day
    }
}

/// What an airing shows of its scheduled asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledAsset {
    pub asset_id: Uuid,
    pub subject: String,
    pub topic: String,
    pub teacher_name: String,
}

/// Why an asset may not be put on a lesson.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleRefused {
    /// The asset does not fit the lesson, or there is no such lesson: each deviation names the
    /// field of the request it concerns (`asset_id`, `language`, `grade`, `date`, `lesson_of_day`).
    #[error("the asset does not fit the lesson: {} problems", .0.len())]
    DoesNotFit(Vec<Deviation>),
    #[error("the lesson began airing at {}; past airings never change", .0.to_rfc3339())]
    AlreadyAiring(DateTime<FixedOffset>),
}

fn deviation(field: &str, message: String) -> Deviation {
    Deviation { field: field.to_owned(), message }
}

/// Whether `asset` may be put on `lesson` at `now`, given what airs on the lesson's date (`None`:
/// no published grid covers it).
pub fn may_schedule(asset: &LessonAsset, lesson: &LessonKey, day: Option<&[Airing]>, now: DateTime<Utc>) -> Result<(), ScheduleRefused> {
    let (id, plan) = (asset.id, &asset.plan);
    let mut found = Vec::new();
    if asset.approval.is_none() {
        found.push(deviation("asset_id", format!("asset {id} is not approved; only approved content airs")));
    }
    if plan.language != lesson.language {
        found.push(deviation("language", format!("asset {id} is not a {} lesson", lesson.language)));
    }
    if plan.grade != lesson.grade {
        found.push(deviation("grade", format!("asset {id} is for grade {}, not {}", plan.grade.value(), lesson.grade.value())));
    }
    let refuse = |mut found: Vec<Deviation>, last: Option<Deviation>| {
        found.extend(last);
        if found.is_empty() { Ok(()) } else { Err(ScheduleRefused::DoesNotFit(found)) }
    };
    let Some(day) = day else {
        return refuse(found, Some(deviation("date", format!("no published grid airs on {}", lesson.date))));
    };
    if day.is_empty() {
        return refuse(found, Some(deviation("date", format!("nothing airs on {} (a weekend or a holiday)", lesson.date))));
    }
    let lessons: Vec<&Airing> = day.iter().filter(|a| a.medium == Medium::Tv && a.language == lesson.language && a.grade == lesson.grade).collect();
    let Some(airing) = lessons.iter().find(|a| a.lesson_of_day == lesson.lesson_of_day) else {
        let message = format!("{} grade {} has {} TV lessons on {}", lesson.language, lesson.grade.value(), lessons.len(), lesson.date);
        return refuse(found, Some(deviation("lesson_of_day", message)));
    };
    if airing.subject != plan.subject_code {
        let message = format!("asset {id} is a {} lesson; lesson {} of the day is {}", plan.subject_code, lesson.lesson_of_day, airing.subject);
        found.push(deviation("asset_id", message));
    }
    refuse(found, None)?;
    if airing.starts.with_timezone(&Utc) <= now {
        return Err(ScheduleRefused::AlreadyAiring(airing.starts.fixed_offset()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::{
        placement::{AirWindow, Campaign, place},
        sources::{read_grid, spring_2020},
    };

    fn monday() -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, 4, 6).unwrap()
    }

    fn airings() -> Vec<Airing> {
        let grid = read_grid(spring_2020::GRID).unwrap();
        let campaign = Campaign::read(spring_2020::CAMPAIGN).unwrap();
        place(&grid, &campaign, &AirWindow::TV_LESSONS).unwrap().into_iter().filter(|a| a.date == monday()).collect()
    }

    fn asset(day: &[Airing], approved: bool) -> (LessonAsset, LessonKey) {
        let first = day.iter().find(|a| a.medium == Medium::Tv && a.language == Language::Kk && a.grade.value() == 5).unwrap();
        let lesson = LessonKey { date: first.date, language: first.language, grade: first.grade, lesson_of_day: first.lesson_of_day };
        let plan = AssetPlan {
            language: first.language,
            grade: first.grade,
            subject_code: first.subject.clone(),
            topic: "topic".into(),
            teacher_name: "teacher".into(),
            closing_message: "bye".into(),
            media_ref: String::new(),
            segments: Vec::new(),
        };
        let at = Utc.with_ymd_and_hms(2020, 4, 1, 0, 0, 0).unwrap();
        let approval = approved.then(|| Approval { by: "editor".into(), at });
        (LessonAsset { id: Uuid::nil(), plan, registered_by: "author".into(), registered_at: at, approval }, lesson)
    }

    #[test]
    fn r_tv_5_an_approved_asset_of_the_lessons_subject_may_air_before_the_lesson_begins() {
        let day = airings();
        let (asset, lesson) = asset(&day, true);
        let before = Utc.with_ymd_and_hms(2020, 4, 5, 0, 0, 0).unwrap();
        assert_eq!(may_schedule(&asset, &lesson, Some(&day), before), Ok(()));
        let after = Utc.with_ymd_and_hms(2020, 4, 6, 12, 0, 0).unwrap();
        assert!(matches!(may_schedule(&asset, &lesson, Some(&day), after), Err(ScheduleRefused::AlreadyAiring(_))));
    }

    #[test]
    fn r_tv_5_every_mismatch_is_named_by_its_field() {
        let day = airings();
        let (mut asset, lesson) = asset(&day, false);
        asset.plan.grade = Grade::new(6).unwrap();
        asset.plan.subject_code = "no-such-subject".into();
        let before = Utc.with_ymd_and_hms(2020, 4, 5, 0, 0, 0).unwrap();
        let Err(ScheduleRefused::DoesNotFit(found)) = may_schedule(&asset, &lesson, Some(&day), before) else { panic!("refused") };
        let fields: Vec<&str> = found.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["asset_id", "grade", "asset_id"]);
        let Err(ScheduleRefused::DoesNotFit(found)) = may_schedule(&asset, &lesson, None, before) else { panic!("refused") };
        assert_eq!(found.last().unwrap().field, "date");
    }
}
