//! Classes, teachers, timetables and days in the API's terms: requests read into typed values,
//! answers built from domain types.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Tz;
use qashyq_catalogue::Grade;
use qashyq_platform::{
    ApiError, FieldViolation,
    language::{read as language, to_proto as language_to_proto},
    time::{to_local_date, to_timestamp},
    validate::Violations,
};
use qashyq_proto::{common::v1 as common, schedule::v1 as pb};
use uuid::Uuid;

use super::delivery_to_proto;
use crate::{
    app::{
        timetables::{NewClass, NewTeacher, StoredClass, TimetableOf},
        today::{CalendarDay, ClassDay, DayItem, PupilDay},
    },
    domain::{
        roster::default_shift,
        school_year::DayKind,
        timetable::{Class, Day, Lesson, Shift, Span, Teacher, Timetable, TimetableVersion, hhmm, parse_hhmm, rules::Violation, solver::Infeasible},
    },
};

/// Longest date range a class calendar covers.
const MAX_CALENDAR_DAYS: i64 = 366;
/// Lessons of one school's week in an uploaded timetable (a school of 100 classes has about 3,500).
const MAX_TIMETABLE_LESSONS: usize = 10_000;
/// Subjects of a class's weekly load or of a teacher.
const MAX_SUBJECT_LIST: usize = 60;
/// Longest name of whoever asks for something.
const MAX_PERSON_CHARS: usize = 200;

/// Reads a class's shift; unspecified is the grade's usual one.
fn shift(v: &mut Violations, raw: i32, grade: Option<Grade>) -> Option<Shift> {
    match pb::Shift::try_from(raw) {
        Ok(pb::Shift::First) => Some(Shift::First),
        Ok(pb::Shift::Second) => Some(Shift::Second),
        Ok(pb::Shift::Unspecified) => grade.map(default_shift),
        Err(_) => {
            v.add("shift", format!("{raw} is not a shift"));
            None
        }
    }
}

/// Reads a class registration, weekly load included.
pub fn new_class(request: &pb::RegisterClassRequest) -> Result<NewClass, ApiError> {
    let mut v = Violations::new();
    let school_id = v.uuid("school_id", &request.school_id);
    let grade = v.grade("grade", request.grade);
    let letter = v.text("letter", &request.letter, 3).map(str::to_uppercase);
    let language = language(&mut v, "language", request.language);
    let shift = shift(&mut v, request.shift, grade);
    let mut weekly_load = BTreeMap::new();
    let loads = if v.at_most("weekly_load", request.weekly_load.len(), MAX_SUBJECT_LIST) { request.weekly_load.as_slice() } else { &[] };
    for (i, load) in loads.iter().enumerate() {
        let code = v.subject(&format!("weekly_load[{i}].subject"), &load.subject);
        let per_week = u8::try_from(load.per_week).ok().filter(|n| *n <= 40);
        if per_week.is_none() {
            v.add(format!("weekly_load[{i}].per_week"), format!("{} is not 0–40 lessons a week", load.per_week));
        }
        if let (Some(code), Some(n)) = (code, per_week)
            && weekly_load.insert(code.clone(), n).is_some()
        {
            v.add(format!("weekly_load[{i}].subject"), format!("{code} is listed twice"));
        }
    }
    let (school_id, letter, grade, language, shift) = v.values((school_id, letter, grade, language, shift))?;
    Ok(NewClass { school_id, letter, class: Class { id: String::new(), grade, language, shift, weekly_load } })
}

/// A stored class; its id is a UUID the service gave it.
pub fn stored_class_to_proto(stored: &StoredClass) -> Result<pb::SchoolClass, ApiError> {
    let id = Uuid::parse_str(&stored.class.id).map_err(ApiError::internal)?;
    Ok(class_to_proto(id, stored.school_id, &stored.letter, &stored.class))
}

/// Reads a teacher registration.
pub fn new_teacher(request: &pb::RegisterTeacherRequest) -> Result<NewTeacher, ApiError> {
    let mut v = Violations::new();
    let school_id = v.uuid("school_id", &request.school_id);
    let full_name = v.text("full_name", &request.full_name, MAX_PERSON_CHARS).map(str::to_owned);
    if request.subjects.is_empty() {
        v.add("subjects", "a teacher teaches at least one subject");
    }
    let subjects = if v.at_most("subjects", request.subjects.len(), MAX_SUBJECT_LIST) { request.subjects.as_slice() } else { &[] };
    let subjects: Vec<String> = subjects.iter().enumerate().filter_map(|(i, s)| v.subject(&format!("subjects[{i}]"), s)).collect();
    let shift = optional_shift(&mut v, "shift", request.shift);
    let (school_id, full_name, shift) = v.values((school_id, full_name, shift))?;
    Ok(NewTeacher { school_id, full_name, subjects, shift })
}

/// Reads uploaded lessons; malformed fields (a weekend day, a time that is no time, an unknown
/// subject) are INVALID_ARGUMENT here, before the rules run.
fn read_lessons(v: &mut Violations, lessons: &[pb::Lesson]) -> Timetable {
    let mut read = Vec::new();
    let lessons = if v.at_most("lessons", lessons.len(), MAX_TIMETABLE_LESSONS) { lessons } else { &[] };
    for (i, lesson) in lessons.iter().enumerate() {
        let day = Day::parse(&lesson.weekday);
        if day.is_none() {
            v.add(format!("lessons[{i}].weekday"), format!("{:?} is not a school day (mon–fri)", lesson.weekday));
        }
        let start = parse_hhmm(&lesson.starts);
        if start.is_none() {
            v.add(format!("lessons[{i}].starts"), format!("{:?} is not a time (HH:MM)", lesson.starts));
        }
        let minutes = u16::try_from(lesson.minutes).ok().filter(|m| (1..=600).contains(m));
        if minutes.is_none() {
            v.add(format!("lessons[{i}].minutes"), format!("{} is not a lesson length", lesson.minutes));
        }
        let subject = v.subject(&format!("lessons[{i}].subject"), &lesson.subject);
        if let (Some(day), Some(start), Some(minutes), Some(subject)) = (day, start, minutes, subject)
            && start + minutes < 24 * 60
        {
            read.push(Lesson { class_id: lesson.class_id.clone(), day, span: Span::new(start, minutes), subject, teacher_id: lesson.teacher_id.clone() });
        }
    }
    Timetable { lessons: read }
}

/// Reads the school, week and who asks, of a request that stores a timetable.
fn timetable_of(v: &mut Violations, school_id: &str, week_of: Option<&common::LocalDate>, by_field: &str, by: &str) -> Option<TimetableOf> {
    let school_id = v.uuid("school_id", school_id);
    let week_of = v.local_date("week_of", week_of);
    let by = v.text(by_field, by, MAX_PERSON_CHARS).map(str::to_owned);
    Some(TimetableOf { school_id: school_id?, week_of: week_of?, by: by? })
}

pub fn generate(request: &pb::GenerateTimetableRequest) -> Result<TimetableOf, ApiError> {
    let mut v = Violations::new();
    let of = timetable_of(&mut v, &request.school_id, request.week_of.as_ref(), "requested_by", &request.requested_by);
    Ok(v.values(of)?)
}

/// Reads a timetable to check: the school, the week and the lessons.
pub fn validate(request: &pb::ValidateTimetableRequest) -> Result<(Uuid, NaiveDate, Timetable), ApiError> {
    let mut v = Violations::new();
    let school_id = v.uuid("school_id", &request.school_id);
    let week_of = v.local_date("week_of", request.week_of.as_ref());
    let timetable = read_lessons(&mut v, &request.lessons);
    let (school_id, week_of) = v.values((school_id, week_of))?;
    Ok((school_id, week_of, timetable))
}

pub fn upload(request: &pb::UploadTimetableRequest) -> Result<(TimetableOf, Timetable), ApiError> {
    let mut v = Violations::new();
    let of = timetable_of(&mut v, &request.school_id, request.week_of.as_ref(), "uploaded_by", &request.uploaded_by);
    let timetable = read_lessons(&mut v, &request.lessons);
    Ok((v.values(of)?, timetable))
}

/// An upload the rules refuse: each broken rule on the first lesson it concerns.
pub fn refused_upload(violations: &[Violation]) -> ApiError {
    ApiError::InvalidArgument(
        violations
            .iter()
            .map(|violation| {
                let field = violation.lessons.first().map_or_else(|| "lessons".to_owned(), |i| format!("lessons[{i}]"));
                FieldViolation::new(field, format!("{}: {}", violation.rule, violation.message))
            })
            .collect(),
    )
}

/// Reads a timetable to read: the school and the version (0: the current one).
pub fn timetable_version(request: &pb::GetTimetableRequest) -> Result<(Uuid, i64), ApiError> {
    let mut v = Violations::new();
    let school_id = v.uuid("school_id", &request.school_id);
    if request.version < 0 {
        v.add("version", "must not be negative (0 means the current one)");
    }
    Ok((v.values(school_id)?, request.version))
}

/// Reads a day of a class or pupil: the id (in `field`) and the date.
pub fn day_of(field: &str, id: &str, date: Option<&common::LocalDate>) -> Result<(Uuid, NaiveDate), ApiError> {
    let mut v = Violations::new();
    let id = v.uuid(field, id);
    let date = v.local_date("date", date);
    Ok(v.values((id, date))?)
}

fn item_to_proto(item: &DayItem) -> pb::DayItem {
    pb::DayItem {
        kind: item.kind.as_str().to_owned(),
        subject: item.subject.clone(),
        starts: item.starts.to_rfc3339(),
        ends: item.ends.to_rfc3339(),
        channel_id: item.channel_id.clone(),
        teacher_id: item.teacher_id.clone(),
        homework_id: item.homework_id.clone(),
    }
}

pub fn class_day_to_proto(day: &ClassDay) -> pb::ClassDay {
    pb::ClassDay {
        class_id: day.class_id.to_string(),
        date: Some(to_local_date(day.date)),
        timetable_version: day.timetable_version,
        items: day.items.iter().map(item_to_proto).collect(),
    }
}

pub fn pupil_day_to_proto(pupil: &PupilDay) -> pb::PupilDay {
    pb::PupilDay {
        pupil_id: pupil.pupil_id.to_string(),
        class_id: pupil.day.class_id.to_string(),
        date: Some(to_local_date(pupil.day.date)),
        delivery: delivery_to_proto(pupil.delivery) as i32,
        timetable_version: pupil.day.timetable_version,
        items: pupil.day.items.iter().map(item_to_proto).collect(),
    }
}

/// Reads a school calendar request: a grade, a range, and the time zone of the region asked
/// for (none: the broadcaster's, Almaty's).
pub fn school_calendar(request: &pb::GetSchoolCalendarRequest) -> Result<(Grade, NaiveDate, NaiveDate, Tz), ApiError> {
    let mut v = Violations::new();
    let grade = v.grade("grade", request.grade);
    let range = v.date_range(request.first_day.as_ref(), request.last_day.as_ref(), MAX_CALENDAR_DAYS);
    let zone = if request.region_code.is_empty() {
        Some(qashyq_catalogue::BROADCAST_ZONE)
    } else {
        v.region("region_code", &request.region_code).map(|r| r.time_zone)
    };
    let (grade, (first, last), zone) = v.values((grade, range, zone))?;
    Ok((grade, first, last, zone))
}

pub fn calendar_day_to_proto(day: CalendarDay) -> pb::CalendarDay {
    let (kind, name) = match day.kind {
        DayKind::SchoolDay { term } => ("school-day", term),
        DayKind::Weekend => ("weekend", String::new()),
        DayKind::Holiday => ("holiday", String::new()),
        DayKind::Break { name } => ("break", name),
        DayKind::Unknown => ("unknown", String::new()),
    };
    let events = day.events.into_iter().map(|(kind, title, starts)| pb::CalendarEvent { kind, title, starts: starts.to_rfc3339() }).collect();
    pb::CalendarDay { date: Some(to_local_date(day.date)), kind: kind.to_owned(), name, events }
}

/// Reads a class calendar export: the class and a range.
pub fn class_calendar(request: &pb::ExportClassCalendarRequest) -> Result<(Uuid, NaiveDate, NaiveDate), ApiError> {
    let mut v = Violations::new();
    let class_id = v.uuid("class_id", &request.class_id);
    let range = v.date_range(request.first_day.as_ref(), request.last_day.as_ref(), MAX_CALENDAR_DAYS);
    let (class_id, (first, last)) = v.values((class_id, range))?;
    Ok((class_id, first, last))
}

pub fn shift_to_proto(shift: Shift) -> pb::Shift {
    match shift {
        Shift::First => pb::Shift::First,
        Shift::Second => pb::Shift::Second,
    }
}

pub fn class_to_proto(id: Uuid, school_id: Uuid, letter: &str, class: &Class) -> pb::SchoolClass {
    pb::SchoolClass {
        class_id: id.to_string(),
        school_id: school_id.to_string(),
        grade: class.grade.value().into(),
        letter: letter.to_owned(),
        language: language_to_proto(class.language),
        shift: shift_to_proto(class.shift) as i32,
        weekly_load: class.weekly_load.iter().map(|(s, n)| pb::SubjectLoad { subject: s.clone(), per_week: (*n).into() }).collect(),
    }
}

pub fn teacher_to_proto(school_id: Uuid, full_name: &str, teacher: &Teacher) -> pb::SchoolTeacher {
    pb::SchoolTeacher {
        teacher_id: teacher.id.clone(),
        school_id: school_id.to_string(),
        full_name: full_name.to_owned(),
        subjects: teacher.subjects.clone(),
        shift: teacher.shift.map_or(pb::Shift::Unspecified, shift_to_proto) as i32,
    }
}

/// Reads a shift; unspecified is `None`.
pub fn optional_shift(v: &mut Violations, field: &str, raw: i32) -> Option<Option<Shift>> {
    match pb::Shift::try_from(raw) {
        Ok(pb::Shift::First) => Some(Some(Shift::First)),
        Ok(pb::Shift::Second) => Some(Some(Shift::Second)),
        Ok(pb::Shift::Unspecified) => Some(None),
        Err(_) => {
            v.add(field, format!("{raw} is not a shift"));
            None
        }
    }
}

pub fn violation_to_proto(v: &Violation) -> pb::RuleProblem {
    pb::RuleProblem {
        rule: v.rule.to_owned(),
        class_id: v.class_id.clone(),
        weekday: v.day.map(|d| d.code().to_owned()).unwrap_or_default(),
        lessons: v.lessons.iter().map(|&i| i as i32).collect(),
        teacher_id: v.teacher_id.clone(),
        subject: v.subject.clone(),
        description: v.message.clone(),
    }
}

pub fn problem_to_proto(p: &Infeasible) -> pb::RuleProblem {
    pb::RuleProblem {
        rule: p.rule.to_owned(),
        class_id: p.class_id.clone(),
        teacher_id: p.teacher_id.clone(),
        subject: p.subject.clone(),
        description: p.message.clone(),
        ..Default::default()
    }
}

pub fn timetable_to_proto(school_id: Uuid, stored: &TimetableVersion) -> pb::Timetable {
    pb::Timetable {
        school_id: school_id.to_string(),
        version: stored.version,
        week_of: Some(qashyq_platform::time::to_local_date(stored.week_of)),
        lessons: stored.timetable.lessons.iter().map(lesson_to_proto).collect(),
        created_by: stored.created_by.clone(),
        created_at: Some(to_timestamp(stored.created_at)),
    }
}

pub fn lesson_to_proto(lesson: &Lesson) -> pb::Lesson {
    pb::Lesson {
        class_id: lesson.class_id.clone(),
        weekday: lesson.day.code().to_owned(),
        starts: hhmm(lesson.span.start),
        minutes: lesson.span.minutes().into(),
        subject: lesson.subject.clone(),
        teacher_id: lesson.teacher_id.clone(),
    }
}
