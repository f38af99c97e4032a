//! The events the schedule service announces (`qashyq.schedule.events.v1`), built from domain
//! types here and nowhere else: what happened, with the ids and fields consumers need, never a
//! copy of an API resource (parents' phones and pupils' IINs are never carried); and the events of
//! other services it applies ([`dispatch`]: each in one transaction with its inbox row, so a
//! redelivery has no second effect).

use chrono::NaiveDate;
use qashyq_platform::{
    events::{Dispatch, HandleError, On},
    language,
    time::{from_local_date, from_timestamp, to_local_date, to_timestamp},
};
use qashyq_proto::{
    assignments::events::v1::{HomeworkChanged, HomeworkPosted, HomeworkWithdrawn},
    events::v1::EventEnvelope,
    schedule::events::v1 as ev,
    tvgrid::events::v1::GridPublished,
};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    app::{deadlines::Deadlines, realign},
    domain::{
        deadlines::Deadline,
        grid_publication::PublishedGrid,
        people::Pupil,
        school::{District, School},
        timetable::{Class, Shift, Teacher, Timetable, rules::Violation, solver::Infeasible},
    },
};

pub fn school_registered(school: &School) -> ev::SchoolRegistered {
    ev::SchoolRegistered {
        school_id: school.id.to_string(),
        region_code: school.region_code.clone(),
        district_id: school.district_id.map(|d| d.to_string()).unwrap_or_default(),
        name: school.name.clone(),
        connectivity: school.connectivity.as_str().to_owned(),
        learning_mode: school.learning_mode.as_str().to_owned(),
        ungraded_rural: school.ungraded_rural,
        registered_at: Some(to_timestamp(school.registered_at)),
    }
}

pub fn district_registered(district: &District) -> ev::DistrictRegistered {
    ev::DistrictRegistered { district_id: district.id.to_string(), region_code: district.region_code.clone(), name: district.name.clone() }
}

pub fn class_registered(class_id: Uuid, school_id: Uuid, letter: &str, class: &Class) -> ev::ClassRegistered {
    ev::ClassRegistered {
        class_id: class_id.to_string(),
        school_id: school_id.to_string(),
        grade: class.grade.value().into(),
        letter: letter.to_owned(),
        language: qashyq_platform::language::to_proto(class.language),
        shift: class.shift.number().into(),
        weekly_load: class.weekly_load.iter().map(|(subject, n)| ev::SubjectLoad { subject: subject.clone(), per_week: (*n).into() }).collect(),
    }
}

pub fn teacher_registered(school_id: Uuid, full_name: &str, teacher: &Teacher) -> ev::TeacherRegistered {
    ev::TeacherRegistered {
        teacher_id: teacher.id.clone(),
        school_id: school_id.to_string(),
        full_name: full_name.to_owned(),
        subjects: teacher.subjects.clone(),
        shift: teacher.shift.map_or(0, |s: Shift| s.number().into()),
    }
}

pub fn pupil_registered(pupil: &Pupil) -> ev::PupilRegistered {
    ev::PupilRegistered {
        pupil_id: pupil.id.to_string(),
        school_id: pupil.school_id.to_string(),
        class_id: pupil.class_id.to_string(),
        full_name: pupil.full_name.clone(),
        delivery: pupil.delivery.as_str().to_owned(),
    }
}

pub fn pupil_parent_linked(pupil_id: Uuid, parent_id: Uuid) -> ev::PupilParentLinked {
    ev::PupilParentLinked { pupil_id: pupil_id.to_string(), parent_id: parent_id.to_string() }
}

pub fn timetable_changed(school_id: Uuid, version: i64, affected_class_ids: Vec<String>, week_of: NaiveDate, timetable: &Timetable) -> ev::TimetableChanged {
    let teaching: std::collections::BTreeSet<(&str, &str, &str)> =
        timetable.lessons.iter().map(|l| (l.class_id.as_str(), l.subject.as_str(), l.teacher_id.as_str())).collect();
    ev::TimetableChanged {
        school_id: school_id.to_string(),
        version,
        affected_class_ids,
        week_of: Some(to_local_date(week_of)),
        teaching: teaching
            .into_iter()
            .map(|(class_id, subject, teacher_id)| ev::TeachingAssignment { class_id: class_id.into(), subject: subject.into(), teacher_id: teacher_id.into() })
            .collect(),
    }
}

/// What a newly published grid breaks in a school's timetable, with why none can be generated.
pub struct Misalignment<'a> {
    pub school_id: Uuid,
    pub version: i64,
    pub campaign: &'a str,
    pub publication: i64,
    pub week_of: NaiveDate,
    pub violations: &'a [Violation],
    pub problems: &'a [Infeasible],
}

pub fn timetable_misaligned(m: &Misalignment<'_>) -> ev::TimetableMisaligned {
    ev::TimetableMisaligned {
        school_id: m.school_id.to_string(),
        version: m.version,
        campaign: m.campaign.to_owned(),
        publication: m.publication,
        week_of: Some(to_local_date(m.week_of)),
        violations: m
            .violations
            .iter()
            .map(|v| ev::TimetableProblem {
                rule: v.rule.to_owned(),
                description: v.message.clone(),
                class_id: v.class_id.clone(),
                weekday: v.day.map(|d| d.code().to_owned()).unwrap_or_default(),
                subject: v.subject.clone(),
                teacher_id: v.teacher_id.clone(),
            })
            .collect(),
        problems: m
            .problems
            .iter()
            .map(|p| ev::TimetableProblem {
                rule: p.rule.to_owned(),
                description: p.message.clone(),
                class_id: p.class_id.clone(),
                weekday: String::new(),
                subject: p.subject.clone(),
                teacher_id: p.teacher_id.clone(),
            })
            .collect(),
    }
}

/// Every event type the service applies, with its handler.
pub fn dispatch(deadlines: Deadlines) -> Dispatch {
    Dispatch::new()
        .on::<HomeworkPosted, _>(deadlines.clone())
        .on::<HomeworkChanged, _>(deadlines.clone())
        .on::<HomeworkWithdrawn, _>(deadlines)
        .on::<GridPublished, _>(realign::QueueRealignments)
}

/// An event that does not read is permanent: redelivering it cannot make it read.
fn unreadable(event: &str, envelope: &EventEnvelope, what: &str) -> HandleError {
    HandleError::Permanent(anyhow::anyhow!("{event} {}: {what}", envelope.event_id))
}

impl On<HomeworkPosted> for Deadlines {
    /// Records the homework's deadline for its class; homework without one shows nothing.
    async fn apply(&self, tx: &mut PgConnection, event: HomeworkPosted, envelope: &EventEnvelope) -> Result<(), HandleError> {
        let homework_id = Uuid::parse_str(&event.homework_id).map_err(|_| unreadable("HomeworkPosted", envelope, "homework_id is not a UUID"))?;
        let class_id = Uuid::parse_str(&event.class_id).map_err(|_| unreadable("HomeworkPosted", envelope, "class_id is not a UUID"))?;
        let Some(at) = event.deadline.as_ref().and_then(from_timestamp) else { return Ok(()) };
        Ok(self.record(tx, &Deadline { homework_id, class_id, subject: event.subject_code, at }, 1).await?)
    }
}

impl On<HomeworkChanged> for Deadlines {
    /// Moves the homework's deadline (the schedule follows edits, R-AS-8).
    async fn apply(&self, tx: &mut PgConnection, event: HomeworkChanged, envelope: &EventEnvelope) -> Result<(), HandleError> {
        let homework_id = Uuid::parse_str(&event.homework_id).map_err(|_| unreadable("HomeworkChanged", envelope, "homework_id is not a UUID"))?;
        let class_id = Uuid::parse_str(&event.class_id).map_err(|_| unreadable("HomeworkChanged", envelope, "class_id is not a UUID"))?;
        let at = event.deadline.as_ref().and_then(from_timestamp).ok_or_else(|| unreadable("HomeworkChanged", envelope, "no deadline"))?;
        Ok(self.record(tx, &Deadline { homework_id, class_id, subject: event.subject_code, at }, event.version).await?)
    }
}

impl On<HomeworkWithdrawn> for Deadlines {
    /// Takes the homework's deadline off the class's days.
    async fn apply(&self, tx: &mut PgConnection, event: HomeworkWithdrawn, envelope: &EventEnvelope) -> Result<(), HandleError> {
        let homework_id = Uuid::parse_str(&event.homework_id).map_err(|_| unreadable("HomeworkWithdrawn", envelope, "homework_id is not a UUID"))?;
        let class_id = Uuid::parse_str(&event.class_id).map_err(|_| unreadable("HomeworkWithdrawn", envelope, "class_id is not a UUID"))?;
        Ok(self.withdraw(tx, homework_id, class_id, event.version).await?)
    }
}

impl On<GridPublished> for realign::QueueRealignments {
    /// Queues the schools whose timetables the publication may have put out of line.
    async fn apply(&self, tx: &mut PgConnection, event: GridPublished, envelope: &EventEnvelope) -> Result<(), HandleError> {
        let effective_from =
            event.effective_from.as_ref().and_then(from_local_date).ok_or_else(|| unreadable("GridPublished", envelope, "no effective_from"))?;
        let changed_languages = event.changes.iter().filter(|c| c.kind == "day").filter_map(|c| language::from_proto(c.language).ok().flatten()).collect();
        let published = PublishedGrid { campaign: event.campaign, publication: event.publication, effective_from, changed_languages };
        Ok(realign::queue(tx, &published).await?)
    }
}
