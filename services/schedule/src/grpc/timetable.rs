//! `qashyq.schedule.v1.TimetableService`: classes, teachers, timetables and "what is on today".

use std::{collections::BTreeMap, sync::Arc, time::Instant};

use chrono::NaiveDate;
use qashyq_catalogue::Grade;
use qashyq_platform::{ApiError, FieldViolation, time::to_local_date, validate::Violations};
use qashyq_proto::{
    common::v1 as common,
    schedule::v1::{self as pb, timetable_service_server::TimetableService},
};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::{
    app::today::{DayItem, Today},
    domain::roster::default_shift,
    domain::school_year::DayKind,
    domain::timetable::{
        Day, Lesson, School, Shift, Span, Timetable,
        rules::check,
        solver::generate,
    },
    grpc::convert,
    app::planning::{self, parse_hhmm},
    repo::SchoolRepo,
    repo::timetables::TimetableRepo,
    app::tv::TvGrid,
};
use qashyq_platform::language::read as language;

pub struct TimetableApi {
    schools: SchoolRepo,
    timetables: TimetableRepo,
    tv: Arc<TvGrid>,
    today: Today,
}

/// Longest date range a class calendar covers.
const MAX_CALENDAR_DAYS: i64 = 366;
/// Lessons of one school's week in an uploaded timetable (a school of 100 classes has about 3,500).
const MAX_TIMETABLE_LESSONS: usize = 10_000;
/// Subjects of a class's weekly load or of a teacher.
const MAX_SUBJECT_LIST: usize = 60;

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

impl TimetableApi {
    pub fn new(schools: SchoolRepo, timetables: TimetableRepo, tv: Arc<TvGrid>, today: Today) -> Self {
        Self { schools, timetables, tv, today }
    }

    /// Everything the school's timetable is built from and checked against.
    async fn inputs(&self, school_id: Uuid, week_of: NaiveDate) -> Result<(School, crate::domain::timetable::TvWeek), ApiError> {
        let school = self.schools.existing(school_id).await?;
        planning::inputs(&self.timetables, &self.tv, school_id, school.learning_mode, school.time_zone(), week_of).await
    }
}


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

/// Reads the common header of timetable requests.
fn school_and_week(v: &mut Violations, school_id: &str, week_of: Option<&common::LocalDate>) -> (Option<Uuid>, Option<NaiveDate>) {
    (v.uuid("school_id", school_id), v.local_date("week_of", week_of))
}

#[tonic::async_trait]
impl TimetableService for TimetableApi {
    #[tracing::instrument(skip_all, fields(school_id = %request.get_ref().school_id))]
    async fn register_class(&self, request: Request<pb::RegisterClassRequest>) -> Result<Response<pb::SchoolClass>, Status> {
        let request = request.get_ref();
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
        self.schools.existing(school_id).await?;
        let class = crate::domain::timetable::Class { id: String::new(), grade, language, shift, weekly_load };
        let id = self.timetables.register_class(school_id, &letter, &class).await?;
        tracing::info!(class_id = %id, grade = class.grade.value(), "class registered");
        Ok(Response::new(convert::class_to_proto(id, school_id, &letter, &class)))
    }

    async fn list_classes(&self, request: Request<pb::ListClassesRequest>) -> Result<Response<pb::ListClassesResponse>, Status> {
        let mut v = Violations::new();
        let school_id = v.uuid("school_id", &request.get_ref().school_id);
        let school_id = v.values(school_id)?;
        self.schools.found(school_id).await?;
        let classes = self.timetables.classes(school_id).await?;
        let classes = classes
            .iter()
            .map(|stored| {
                let id = Uuid::parse_str(&stored.class.id).map_err(ApiError::internal)?;
                Ok(convert::class_to_proto(id, school_id, &stored.letter, &stored.class))
            })
            .collect::<Result<_, ApiError>>()?;
        Ok(Response::new(pb::ListClassesResponse { classes }))
    }

    async fn register_teacher(&self, request: Request<pb::RegisterTeacherRequest>) -> Result<Response<pb::SchoolTeacher>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let school_id = v.uuid("school_id", &request.school_id);
        let full_name = v.text("full_name", &request.full_name, 200).map(str::to_owned);
        if request.subjects.is_empty() {
            v.add("subjects", "a teacher teaches at least one subject");
        }
        let subjects = if v.at_most("subjects", request.subjects.len(), MAX_SUBJECT_LIST) { request.subjects.as_slice() } else { &[] };
        let subjects: Vec<String> = subjects.iter().enumerate().filter_map(|(i, s)| v.subject(&format!("subjects[{i}]"), s)).collect();
        let shift = convert::optional_shift(&mut v, "shift", request.shift);
        let (school_id, full_name, shift) = v.values((school_id, full_name, shift))?;
        self.schools.existing(school_id).await?;
        let teacher = self.timetables.register_teacher(school_id, &full_name, &subjects, shift).await?;
        Ok(Response::new(convert::teacher_to_proto(school_id, &full_name, &teacher)))
    }

    #[tracing::instrument(skip_all, fields(school_id = %request.get_ref().school_id))]
    async fn generate_timetable(&self, request: Request<pb::GenerateTimetableRequest>) -> Result<Response<pb::GenerateTimetableResponse>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let (school_id, week_of) = school_and_week(&mut v, &request.school_id, request.week_of.as_ref());
        let requested_by = v.text("requested_by", &request.requested_by, 200);
        let (school_id, week_of, requested_by) = v.values((school_id, week_of, requested_by))?;
        let (school, tv) = self.inputs(school_id, week_of).await?;
        let started = Instant::now();
        let generated = generate(&school, &tv);
        tracing::info!(classes = school.classes.len(), elapsed_ms = started.elapsed().as_millis() as u64, ok = generated.is_ok(), "timetable generation");
        match generated {
            Ok(timetable) => {
                let classes: Vec<String> = school.classes.iter().map(|c| c.id.clone()).collect();
                let stored = self.timetables.store(school_id, week_of, requested_by, &timetable, &classes).await?;
                self.today.forget_timetables().await;
                Ok(Response::new(pb::GenerateTimetableResponse { timetable: Some(convert::timetable_to_proto(school_id, &stored)), problems: vec![] }))
            }
            Err(problems) => Ok(Response::new(pb::GenerateTimetableResponse { timetable: None, problems: problems.iter().map(convert::problem_to_proto).collect() })),
        }
    }

    async fn validate_timetable(&self, request: Request<pb::ValidateTimetableRequest>) -> Result<Response<pb::ValidateTimetableResponse>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let (school_id, week_of) = school_and_week(&mut v, &request.school_id, request.week_of.as_ref());
        let timetable = read_lessons(&mut v, &request.lessons);
        let (school_id, week_of) = v.values((school_id, week_of))?;
        let (school, tv) = self.inputs(school_id, week_of).await?;
        let violations = check(&school, &tv, &timetable);
        Ok(Response::new(pb::ValidateTimetableResponse { violations: violations.iter().map(convert::violation_to_proto).collect() }))
    }

    #[tracing::instrument(skip_all, fields(school_id = %request.get_ref().school_id))]
    async fn upload_timetable(&self, request: Request<pb::UploadTimetableRequest>) -> Result<Response<pb::Timetable>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let (school_id, week_of) = school_and_week(&mut v, &request.school_id, request.week_of.as_ref());
        let uploaded_by = v.text("uploaded_by", &request.uploaded_by, 200);
        let timetable = read_lessons(&mut v, &request.lessons);
        let (school_id, week_of, uploaded_by) = v.values((school_id, week_of, uploaded_by))?;
        let (school, tv) = self.inputs(school_id, week_of).await?;
        let violations = check(&school, &tv, &timetable);
        if !violations.is_empty() {
            let fields = violations
                .iter()
                .map(|violation| {
                    let field = violation.lessons.first().map_or_else(|| "lessons".to_owned(), |i| format!("lessons[{i}]"));
                    FieldViolation::new(field, format!("{}: {}", violation.rule, violation.message))
                })
                .collect();
            return Err(ApiError::InvalidArgument(fields).into());
        }
        let classes: Vec<String> = school.classes.iter().map(|c| c.id.clone()).collect();
        let stored = self.timetables.store(school_id, week_of, uploaded_by, &timetable, &classes).await?;
        self.today.forget_timetables().await;
        Ok(Response::new(convert::timetable_to_proto(school_id, &stored)))
    }

    async fn get_timetable(&self, request: Request<pb::GetTimetableRequest>) -> Result<Response<pb::Timetable>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let school_id = v.uuid("school_id", &request.school_id);
        if request.version < 0 {
            v.add("version", "must not be negative (0 means the current one)");
        }
        let school_id = v.values(school_id)?;
        self.schools.found(school_id).await?;
        let timetable = self.timetables.timetable(school_id, request.version).await?;
        let timetable = timetable.ok_or_else(|| ApiError::NotFound(format!("a timetable of school {school_id}")))?;
        Ok(Response::new(convert::timetable_to_proto(school_id, &timetable)))
    }

    async fn get_class_day(&self, request: Request<pb::GetClassDayRequest>) -> Result<Response<pb::ClassDay>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let class_id = v.uuid("class_id", &request.class_id);
        let date = v.local_date("date", request.date.as_ref());
        let (class_id, date) = v.values((class_id, date))?;
        let day = self.today.class_day(class_id, date).await?;
        Ok(Response::new(pb::ClassDay {
            class_id: day.class_id.to_string(),
            date: Some(to_local_date(day.date)),
            timetable_version: day.timetable_version,
            items: day.items.iter().map(item_to_proto).collect(),
        }))
    }

    async fn get_pupil_day(&self, request: Request<pb::GetPupilDayRequest>) -> Result<Response<pb::PupilDay>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let pupil_id = v.uuid("pupil_id", &request.pupil_id);
        let date = v.local_date("date", request.date.as_ref());
        let (pupil_id, date) = v.values((pupil_id, date))?;
        let pupil = self.today.pupil_day(pupil_id, date).await?;
        Ok(Response::new(pb::PupilDay {
            pupil_id: pupil.pupil_id.to_string(),
            class_id: pupil.day.class_id.to_string(),
            date: Some(to_local_date(pupil.day.date)),
            delivery: convert::delivery_to_proto(pupil.delivery) as i32,
            timetable_version: pupil.day.timetable_version,
            items: pupil.day.items.iter().map(item_to_proto).collect(),
        }))
    }

    async fn get_school_calendar(&self, request: Request<pb::GetSchoolCalendarRequest>) -> Result<Response<pb::SchoolCalendar>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let grade = v.grade("grade", request.grade);
        let range = v.date_range(request.first_day.as_ref(), request.last_day.as_ref(), MAX_CALENDAR_DAYS);
        let zone = if request.region_code.is_empty() {
            Some(qashyq_catalogue::BROADCAST_ZONE)
        } else {
            convert::region_code(&mut v, "region_code", &request.region_code).and_then(|code| qashyq_catalogue::catalogue().region(&code).map(|r| r.time_zone))
        };
        let (grade, (first, last), zone) = v.values((grade, range, zone))?;
        let days = self
            .today
            .school_calendar(grade, first, last, zone)
            .into_iter()
            .map(|day| {
                let (kind, name) = match day.kind {
                    DayKind::SchoolDay { term } => ("school-day", term),
                    DayKind::Weekend => ("weekend", String::new()),
                    DayKind::Holiday => ("holiday", String::new()),
                    DayKind::Break { name } => ("break", name),
                    DayKind::Unknown => ("unknown", String::new()),
                };
                let events = day.events.into_iter().map(|(kind, title, starts)| pb::CalendarEvent { kind, title, starts: starts.to_rfc3339() }).collect();
                pb::CalendarDay { date: Some(to_local_date(day.date)), kind: kind.to_owned(), name, events }
            })
            .collect();
        Ok(Response::new(pb::SchoolCalendar { year: self.today.year().name.clone(), days }))
    }

    async fn export_class_calendar(&self, request: Request<pb::ExportClassCalendarRequest>) -> Result<Response<pb::ClassCalendar>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let class_id = v.uuid("class_id", &request.class_id);
        let range = v.date_range(request.first_day.as_ref(), request.last_day.as_ref(), MAX_CALENDAR_DAYS);
        let (class_id, (first, last)) = v.values((class_id, range))?;
        let calendar = self.today.class_calendar(class_id, first, last).await?;
        Ok(Response::new(pb::ClassCalendar {
            content_type: "text/calendar".into(),
            file_name: format!("class-{}_{first}_{last}.ics", calendar.label),
            content: calendar.content.into_bytes(),
        }))
    }
}
