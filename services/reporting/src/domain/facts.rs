//! The facts the projections keep, read from other services' events (by `crate::events`): only
//! the fields the indicators need.

use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct School {
    pub id: String,
    pub region_code: String,
    pub district_id: Option<String>,
    pub name: String,
    /// "broadband", "slow", "none" (or a word a later directory adds).
    pub connectivity: String,
    /// "distance", "in_person_shifts", "duty_classes".
    pub learning_mode: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct District {
    pub id: String,
    pub region_code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub id: String,
    pub school_id: String,
    pub grade: i32,
    /// "kk", "ru".
    pub language: String,
    pub weekly_lessons: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Teacher {
    pub id: String,
    pub school_id: String,
    pub full_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pupil {
    pub id: String,
    pub school_id: String,
    pub class_id: String,
    /// "broadband", "tv_only", "paper".
    pub delivery: String,
}

/// A school's timetable as of a version: stored (aligned with the TV grid) or broken by a grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimetableState {
    pub school_id: String,
    pub version: i64,
    pub aligned: bool,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Homework {
    pub id: String,
    pub school_id: String,
    pub class_id: String,
    pub teacher_id: String,
    /// "tv", "audio", "webinar", "own".
    pub lesson_kind: String,
    pub deadline: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeworkChange {
    pub id: String,
    pub school_id: String,
    pub class_id: String,
    pub version: i64,
    pub deadline: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub submission_id: String,
    pub homework_id: String,
    pub pupil_id: String,
    pub class_id: String,
    pub teacher_id: String,
    pub attempt: i32,
    pub channel: String,
    pub counted_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub late: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub submission_id: String,
    pub attempt: i32,
    pub class_id: String,
    pub teacher_id: String,
    pub given_at: DateTime<Utc>,
    pub attempt_counted_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Absence {
    pub id: String,
    pub class_id: String,
    pub date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsenceWithdrawal {
    pub id: String,
    pub class_id: String,
}

/// A TV-lesson asset approved (`lesson` None) or put on a lesson of a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TvAsset {
    pub asset_id: String,
    pub at: DateTime<Utc>,
    pub lesson: Option<TvLesson>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TvLesson {
    pub date: NaiveDate,
    pub grade: i32,
    pub language: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionChange {
    pub session_id: String,
    pub to_state: String,
    pub version: i64,
    pub scheduled_start: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
}

impl SessionChange {
    pub const VERDICTS: [&'static str; 3] = ["clean", "suspicious", "violation"];

    pub fn verdict(&self) -> Option<&str> {
        Self::VERDICTS.contains(&self.to_state.as_str()).then_some(self.to_state.as_str())
    }
}

/// One fact to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    School(School),
    District(District),
    Class(Class),
    Teacher(Teacher),
    Pupil(Pupil),
    Timetable(TimetableState),
    HomeworkPosted(Homework),
    HomeworkChanged(HomeworkChange),
    HomeworkWithdrawn { id: String, version: i64 },
    Attempt(Attempt),
    Feedback(Feedback),
    Absence(Absence),
    AbsenceWithdrawn(AbsenceWithdrawal),
    TvAsset(TvAsset),
    Session(SessionChange),
}
