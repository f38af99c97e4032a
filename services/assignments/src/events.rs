//! The events the assignments service announces (`qashyq.assignments.events.v1`, R-AS-8), built
//! from domain types here and nowhere else; and those it consumes ([`dispatch`]): the directory
//! (schools, classes, teachers, pupils) it checks writes against.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use qashyq_platform::{
    events::{Dispatch, HandleError, On},
    time::{to_local_date, to_timestamp},
};
use qashyq_proto::{
    assignments::events::v1 as ev,
    events::v1::EventEnvelope,
    schedule::events::v1::{ClassRegistered, PupilRegistered, SchoolRegistered, TeacherRegistered, TimetableChanged},
};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    app::AssignmentsApp,
    domain::{
        absence::Absence,
        homework::Homework,
        mark::Mark,
        submission::{Attempt, Submission},
    },
    repo::{
        KnownSchool,
        directory::{KnownClass, KnownPupil, KnownTeacher, Teaching},
    },
};

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub fn homework_posted(homework: &Homework) -> ev::HomeworkPosted {
    ev::HomeworkPosted {
        homework_id: homework.id.to_string(),
        school_id: homework.school_id.to_string(),
        class_id: homework.class_id.to_string(),
        teacher_id: homework.teacher_id.to_string(),
        subject_code: homework.subject_code.clone(),
        lesson_kind: homework.lesson_kind.as_str().to_owned(),
        deadline: Some(to_timestamp(homework.deadline)),
        posted_at: Some(to_timestamp(homework.posted_at)),
        tasks: count(homework.tasks.len()),
        resource_links: count(homework.resource_links.len()),
    }
}

pub fn homework_changed(homework: &Homework, at: DateTime<Utc>) -> ev::HomeworkChanged {
    ev::HomeworkChanged {
        homework_id: homework.id.to_string(),
        school_id: homework.school_id.to_string(),
        class_id: homework.class_id.to_string(),
        subject_code: homework.subject_code.clone(),
        version: homework.version,
        deadline: Some(to_timestamp(homework.deadline)),
        changed_at: Some(to_timestamp(at)),
    }
}

pub fn homework_withdrawn(homework: &Homework) -> ev::HomeworkWithdrawn {
    ev::HomeworkWithdrawn {
        homework_id: homework.id.to_string(),
        school_id: homework.school_id.to_string(),
        class_id: homework.class_id.to_string(),
        version: homework.version,
        withdrawn_at: homework.withdrawn_at.map(to_timestamp),
    }
}

pub fn submission_received(submission: &Submission, homework: &Homework, attempt: &Attempt, deadline: DateTime<Utc>) -> ev::SubmissionReceived {
    ev::SubmissionReceived {
        submission_id: submission.id.to_string(),
        homework_id: homework.id.to_string(),
        school_id: homework.school_id.to_string(),
        class_id: homework.class_id.to_string(),
        pupil_id: submission.pupil_id.to_string(),
        teacher_id: homework.teacher_id.to_string(),
        subject_code: homework.subject_code.clone(),
        attempt: attempt.number,
        channel: attempt.channel.as_str().to_owned(),
        counted_at: Some(to_timestamp(attempt.counted_at)),
        entered_at: Some(to_timestamp(attempt.entered_at)),
        deadline: Some(to_timestamp(deadline)),
        late: attempt.late,
        proxy: attempt.proxy,
    }
}

pub fn feedback_given(submission: &Submission, teacher_id: Uuid, assessed: bool, at: DateTime<Utc>) -> ev::FeedbackGiven {
    ev::FeedbackGiven {
        submission_id: submission.id.to_string(),
        homework_id: submission.homework_id.to_string(),
        school_id: submission.school_id.to_string(),
        class_id: submission.class_id.to_string(),
        pupil_id: submission.pupil_id.to_string(),
        teacher_id: teacher_id.to_string(),
        attempt: submission.attempts,
        assessed,
        given_at: Some(to_timestamp(at)),
        attempt_counted_at: submission.turned_in_at.map(to_timestamp),
    }
}

pub fn work_returned(submission: &Submission, teacher_id: Uuid, outcome: &str, at: DateTime<Utc>) -> ev::WorkReturned {
    ev::WorkReturned {
        submission_id: submission.id.to_string(),
        homework_id: submission.homework_id.to_string(),
        school_id: submission.school_id.to_string(),
        class_id: submission.class_id.to_string(),
        pupil_id: submission.pupil_id.to_string(),
        teacher_id: teacher_id.to_string(),
        attempt: submission.attempts,
        outcome: outcome.to_owned(),
        returned_at: Some(to_timestamp(at)),
    }
}

pub fn mark_recorded(mark: &Mark) -> ev::MarkRecorded {
    ev::MarkRecorded {
        mark_id: mark.id.to_string(),
        school_id: mark.school_id.to_string(),
        class_id: mark.class_id.to_string(),
        pupil_id: mark.pupil_id.to_string(),
        subject_code: mark.subject_code.clone(),
        kind: mark.kind.as_str().to_owned(),
        school_year: mark.school_year,
        quarter: mark.quarter,
        number: mark.number,
        score: mark.score,
        max_score: mark.max_score,
        version: mark.version,
        recorded_at: Some(to_timestamp(mark.recorded_at)),
    }
}

pub fn absence_marked(absence: &Absence) -> ev::AbsenceMarked {
    ev::AbsenceMarked {
        absence_id: absence.id.to_string(),
        school_id: absence.school_id.to_string(),
        class_id: absence.class_id.to_string(),
        pupil_id: absence.pupil_id.to_string(),
        reason: absence.reason.as_str().to_owned(),
        homework_id: absence.homework_id.map(|id| id.to_string()).unwrap_or_default(),
        conference_id: absence.conference_id.map(|id| id.to_string()).unwrap_or_default(),
        date: Some(to_local_date(absence.date)),
        marked_at: Some(to_timestamp(absence.marked_at)),
    }
}

pub fn absence_withdrawn(absence: &Absence, at: DateTime<Utc>) -> ev::AbsenceWithdrawn {
    ev::AbsenceWithdrawn {
        absence_id: absence.id.to_string(),
        school_id: absence.school_id.to_string(),
        class_id: absence.class_id.to_string(),
        pupil_id: absence.pupil_id.to_string(),
        homework_id: absence.homework_id.map(|id| id.to_string()).unwrap_or_default(),
        withdrawn_at: Some(to_timestamp(at)),
    }
}

/// What this service consumes: the directory, for scope checks (R-GW-2) and for checking who
/// posts, hands in and marks what.
pub fn dispatch(app: Arc<AssignmentsApp>) -> Dispatch {
    Dispatch::new()
        .on::<SchoolRegistered, _>(Directory(app.clone()))
        .on::<ClassRegistered, _>(Directory(app.clone()))
        .on::<TeacherRegistered, _>(Directory(app.clone()))
        .on::<PupilRegistered, _>(Directory(app.clone()))
        .on::<TimetableChanged, _>(Directory(app))
}

/// The handler of the directory's events.
#[derive(Clone)]
pub struct Directory(Arc<AssignmentsApp>);

/// An event that does not read is permanent: redelivering it cannot make it read.
fn uuid(event: &str, envelope: &EventEnvelope, field: &str, raw: &str) -> Result<Uuid, HandleError> {
    Uuid::parse_str(raw).map_err(|_| HandleError::Permanent(anyhow::anyhow!("{event} {}: {field} is not a UUID", envelope.event_id)))
}

impl On<SchoolRegistered> for Directory {
    async fn apply(&self, tx: &mut PgConnection, event: SchoolRegistered, envelope: &EventEnvelope) -> Result<(), HandleError> {
        let school_id = uuid("SchoolRegistered", envelope, "school_id", &event.school_id)?;
        let district_id = match event.district_id.as_str() {
            "" => None,
            raw => Some(uuid("SchoolRegistered", envelope, "district_id", raw)?),
        };
        Ok(self.0.school_registered(tx, &KnownSchool { school_id, region_code: event.region_code, district_id }).await?)
    }
}

impl On<ClassRegistered> for Directory {
    async fn apply(&self, tx: &mut PgConnection, event: ClassRegistered, envelope: &EventEnvelope) -> Result<(), HandleError> {
        let class = KnownClass {
            class_id: uuid("ClassRegistered", envelope, "class_id", &event.class_id)?,
            school_id: uuid("ClassRegistered", envelope, "school_id", &event.school_id)?,
            grade: u8::try_from(event.grade).unwrap_or(0),
        };
        Ok(self.0.class_registered(tx, &class).await?)
    }
}

impl On<TeacherRegistered> for Directory {
    async fn apply(&self, tx: &mut PgConnection, event: TeacherRegistered, envelope: &EventEnvelope) -> Result<(), HandleError> {
        let teacher = KnownTeacher {
            teacher_id: uuid("TeacherRegistered", envelope, "teacher_id", &event.teacher_id)?,
            school_id: uuid("TeacherRegistered", envelope, "school_id", &event.school_id)?,
            subjects: event.subjects,
        };
        Ok(self.0.teacher_registered(tx, &teacher).await?)
    }
}

impl On<PupilRegistered> for Directory {
    async fn apply(&self, tx: &mut PgConnection, event: PupilRegistered, envelope: &EventEnvelope) -> Result<(), HandleError> {
        let pupil = KnownPupil {
            pupil_id: uuid("PupilRegistered", envelope, "pupil_id", &event.pupil_id)?,
            school_id: uuid("PupilRegistered", envelope, "school_id", &event.school_id)?,
            class_id: uuid("PupilRegistered", envelope, "class_id", &event.class_id)?,
            full_name: event.full_name,
            delivery: event.delivery,
        };
        Ok(self.0.pupil_registered(tx, &pupil).await?)
    }
}

impl On<TimetableChanged> for Directory {
    /// Who teaches what in which class, as the school's current timetable says.
    async fn apply(&self, tx: &mut PgConnection, event: TimetableChanged, envelope: &EventEnvelope) -> Result<(), HandleError> {
        let school_id = uuid("TimetableChanged", envelope, "school_id", &event.school_id)?;
        let teaching = event
            .teaching
            .iter()
            .map(|t| {
                Ok(Teaching {
                    class_id: uuid("TimetableChanged", envelope, "teaching.class_id", &t.class_id)?,
                    subject_code: t.subject.clone(),
                    teacher_id: uuid("TimetableChanged", envelope, "teaching.teacher_id", &t.teacher_id)?,
                })
            })
            .collect::<Result<Vec<_>, HandleError>>()?;
        Ok(self.0.timetable_changed(tx, school_id, event.version, &teaching).await?)
    }
}
