//! The events reporting is built from (R-RP-3). The service subscribes to every event on the
//! exchange and keeps each in its event log ([`Recorded`]); the types it projects are read into
//! domain facts here and nowhere else. A type without a handler (a marks event, one a later
//! service adds) is kept in the log and acknowledged, so a later version can project it by
//! rebuilding.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use prost::Name;
use qashyq_platform::events::{Dispatch, EventHandler, HandleError, On};
use qashyq_proto::{
    assignments::events::v1 as assignments,
    common::v1::{Language, LocalDate},
    events::v1::EventEnvelope,
    proctoring::events::v1 as proctoring,
    schedule::events::v1 as schedule,
    tvgrid::events::v1 as tvgrid,
};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    app::Projections,
    domain::facts::{self, Fact},
    repo::event_log,
};

/// Every event type the projections are built from.
pub fn dispatch() -> Dispatch {
    Dispatch::new()
        .on::<schedule::SchoolRegistered, _>(Projections)
        .on::<schedule::DistrictRegistered, _>(Projections)
        .on::<schedule::ClassRegistered, _>(Projections)
        .on::<schedule::TeacherRegistered, _>(Projections)
        .on::<schedule::PupilRegistered, _>(Projections)
        .on::<schedule::TimetableChanged, _>(Projections)
        .on::<schedule::TimetableMisaligned, _>(Projections)
        .on::<assignments::HomeworkPosted, _>(Projections)
        .on::<assignments::HomeworkChanged, _>(Projections)
        .on::<assignments::HomeworkWithdrawn, _>(Projections)
        .on::<assignments::SubmissionReceived, _>(Projections)
        .on::<assignments::FeedbackGiven, _>(Projections)
        .on::<assignments::AbsenceMarked, _>(Projections)
        .on::<assignments::AbsenceWithdrawn, _>(Projections)
        .on::<tvgrid::LessonAssetApproved, _>(Projections)
        .on::<tvgrid::LessonAssetScheduled, _>(Projections)
        .on::<proctoring::SessionStateChanged, _>(Projections)
}

/// The consumer's handler: keeps every event in the log, then projects it, in one transaction.
pub struct Recorded {
    dispatch: Arc<Dispatch>,
}

impl Recorded {
    pub fn new(dispatch: Arc<Dispatch>) -> Self {
        Self { dispatch }
    }
}

impl EventHandler for Recorded {
    /// Every routing key of the exchange: reporting keeps what it cannot project yet.
    fn event_types(&self) -> Vec<String> {
        vec!["#".to_owned()]
    }

    async fn handle(&self, tx: &mut PgConnection, envelope: &EventEnvelope) -> Result<(), HandleError> {
        let event_id = Uuid::parse_str(&envelope.event_id).map_err(|e| HandleError::Permanent(anyhow::anyhow!("event_id: {e}")))?;
        event_log::keep(tx, event_id, envelope).await?;
        self.dispatch.handle(tx, envelope).await
    }
}

/// Reads an event into the fact it tells.
trait Tells: Name + Sized {
    fn fact(self, envelope: &EventEnvelope) -> Result<Fact, HandleError>;
}

impl<E> On<E> for Projections
where
    E: Tells + Send + 'static,
{
    async fn apply(&self, tx: &mut PgConnection, event: E, envelope: &EventEnvelope) -> Result<(), HandleError> {
        let fact = event.fact(envelope)?;
        self.apply_fact(tx, &fact).await
    }
}

fn invalid<E: Name>(field: &str) -> HandleError {
    HandleError::Permanent(anyhow::anyhow!("{}: {field} is missing or malformed", E::NAME))
}

fn at<E: Name>(value: Option<&prost_types::Timestamp>, field: &str) -> Result<DateTime<Utc>, HandleError> {
    value.and_then(qashyq_platform::time::from_timestamp).ok_or_else(|| invalid::<E>(field))
}

fn date<E: Name>(value: Option<&LocalDate>, field: &str) -> Result<chrono::NaiveDate, HandleError> {
    value.and_then(qashyq_platform::time::from_local_date).ok_or_else(|| invalid::<E>(field))
}

fn occurred<E: Name>(envelope: &EventEnvelope) -> Result<DateTime<Utc>, HandleError> {
    at::<E>(envelope.occurred_at.as_ref(), "occurred_at")
}

fn language(raw: i32) -> String {
    match Language::try_from(raw) {
        Ok(Language::Kk) => "kk",
        Ok(Language::Ru) => "ru",
        _ => "",
    }
    .to_owned()
}

impl Tells for schedule::SchoolRegistered {
    fn fact(self, _: &EventEnvelope) -> Result<Fact, HandleError> {
        Ok(Fact::School(facts::School {
            id: self.school_id,
            region_code: self.region_code,
            district_id: Some(self.district_id).filter(|d| !d.is_empty()),
            name: self.name,
            connectivity: self.connectivity,
            learning_mode: self.learning_mode,
        }))
    }
}

impl Tells for schedule::DistrictRegistered {
    fn fact(self, _: &EventEnvelope) -> Result<Fact, HandleError> {
        Ok(Fact::District(facts::District { id: self.district_id, region_code: self.region_code, name: self.name }))
    }
}

impl Tells for schedule::ClassRegistered {
    fn fact(self, _: &EventEnvelope) -> Result<Fact, HandleError> {
        Ok(Fact::Class(facts::Class {
            id: self.class_id,
            school_id: self.school_id,
            grade: self.grade,
            language: language(self.language),
            weekly_lessons: self.weekly_load.iter().map(|l| l.per_week).sum(),
        }))
    }
}

impl Tells for schedule::TeacherRegistered {
    fn fact(self, _: &EventEnvelope) -> Result<Fact, HandleError> {
        Ok(Fact::Teacher(facts::Teacher { id: self.teacher_id, school_id: self.school_id, full_name: self.full_name }))
    }
}

impl Tells for schedule::PupilRegistered {
    fn fact(self, _: &EventEnvelope) -> Result<Fact, HandleError> {
        Ok(Fact::Pupil(facts::Pupil { id: self.pupil_id, school_id: self.school_id, class_id: self.class_id, delivery: self.delivery }))
    }
}

impl Tells for schedule::TimetableChanged {
    fn fact(self, envelope: &EventEnvelope) -> Result<Fact, HandleError> {
        Ok(Fact::Timetable(facts::TimetableState { school_id: self.school_id, version: self.version, aligned: true, at: occurred::<Self>(envelope)? }))
    }
}

impl Tells for schedule::TimetableMisaligned {
    fn fact(self, envelope: &EventEnvelope) -> Result<Fact, HandleError> {
        Ok(Fact::Timetable(facts::TimetableState { school_id: self.school_id, version: self.version, aligned: false, at: occurred::<Self>(envelope)? }))
    }
}

impl Tells for assignments::HomeworkPosted {
    fn fact(self, _: &EventEnvelope) -> Result<Fact, HandleError> {
        let deadline = at::<Self>(self.deadline.as_ref(), "deadline")?;
        Ok(Fact::HomeworkPosted(facts::Homework {
            id: self.homework_id,
            school_id: self.school_id,
            class_id: self.class_id,
            teacher_id: self.teacher_id,
            lesson_kind: self.lesson_kind,
            deadline,
        }))
    }
}

impl Tells for assignments::HomeworkChanged {
    fn fact(self, _: &EventEnvelope) -> Result<Fact, HandleError> {
        let deadline = at::<Self>(self.deadline.as_ref(), "deadline")?;
        Ok(Fact::HomeworkChanged(facts::HomeworkChange {
            id: self.homework_id,
            school_id: self.school_id,
            class_id: self.class_id,
            version: self.version,
            deadline,
        }))
    }
}

impl Tells for assignments::HomeworkWithdrawn {
    fn fact(self, _: &EventEnvelope) -> Result<Fact, HandleError> {
        Ok(Fact::HomeworkWithdrawn { id: self.homework_id, version: self.version })
    }
}

impl Tells for assignments::SubmissionReceived {
    fn fact(self, _: &EventEnvelope) -> Result<Fact, HandleError> {
        let counted_at = at::<Self>(self.counted_at.as_ref(), "counted_at")?;
        let deadline = at::<Self>(self.deadline.as_ref(), "deadline")?;
        Ok(Fact::Attempt(facts::Attempt {
            submission_id: self.submission_id,
            homework_id: self.homework_id,
            pupil_id: self.pupil_id,
            class_id: self.class_id,
            teacher_id: self.teacher_id,
            attempt: self.attempt,
            channel: self.channel,
            counted_at,
            deadline,
            late: self.late,
        }))
    }
}

impl Tells for assignments::FeedbackGiven {
    fn fact(self, _: &EventEnvelope) -> Result<Fact, HandleError> {
        let given_at = at::<Self>(self.given_at.as_ref(), "given_at")?;
        let attempt_counted_at = at::<Self>(self.attempt_counted_at.as_ref(), "attempt_counted_at")?;
        Ok(Fact::Feedback(facts::Feedback {
            submission_id: self.submission_id,
            attempt: self.attempt,
            class_id: self.class_id,
            teacher_id: self.teacher_id,
            given_at,
            attempt_counted_at,
        }))
    }
}

impl Tells for assignments::AbsenceMarked {
    fn fact(self, _: &EventEnvelope) -> Result<Fact, HandleError> {
        let date = date::<Self>(self.date.as_ref(), "date")?;
        Ok(Fact::Absence(facts::Absence { id: self.absence_id, class_id: self.class_id, date }))
    }
}

impl Tells for assignments::AbsenceWithdrawn {
    fn fact(self, _: &EventEnvelope) -> Result<Fact, HandleError> {
        Ok(Fact::AbsenceWithdrawn(facts::AbsenceWithdrawal { id: self.absence_id, class_id: self.class_id }))
    }
}

impl Tells for tvgrid::LessonAssetApproved {
    fn fact(self, envelope: &EventEnvelope) -> Result<Fact, HandleError> {
        Ok(Fact::TvAsset(facts::TvAsset { asset_id: self.asset_id, at: occurred::<Self>(envelope)?, lesson: None }))
    }
}

impl Tells for tvgrid::LessonAssetScheduled {
    fn fact(self, envelope: &EventEnvelope) -> Result<Fact, HandleError> {
        let date = date::<Self>(self.date.as_ref(), "date")?;
        Ok(Fact::TvAsset(facts::TvAsset {
            asset_id: self.asset_id,
            at: occurred::<Self>(envelope)?,
            lesson: Some(facts::TvLesson { date, grade: self.grade, language: language(self.language) }),
        }))
    }
}

impl Tells for proctoring::SessionStateChanged {
    fn fact(self, envelope: &EventEnvelope) -> Result<Fact, HandleError> {
        let scheduled_start = self.scheduled_start.as_ref().and_then(qashyq_platform::time::from_timestamp);
        Ok(Fact::Session(facts::SessionChange {
            session_id: self.session_id,
            to_state: self.to_state,
            version: self.version,
            scheduled_start,
            at: occurred::<Self>(envelope)?,
        }))
    }
}
