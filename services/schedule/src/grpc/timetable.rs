//! `qashyq.schedule.v1.TimetableService`: classes, teachers, timetables and "what is on today".
//! Each handler reads its request through `convert`, calls the use case and converts the answer.

use std::sync::Arc;

use qashyq_platform::principal::PrincipalKey;

use qashyq_proto::schedule::v1::{self as pb, timetable_service_server::TimetableService};
use tonic::{Request, Response, Status};

use super::convert::timetable as convert;
use crate::app::{
    timetables::{Outcome, TimetableApp},
    today::Today,
};

pub struct TimetableApi {
    timetables: TimetableApp,
    today: Arc<Today>,
    principals: PrincipalKey,
}

impl TimetableApi {
    pub fn new(timetables: TimetableApp, today: Arc<Today>, principals: PrincipalKey) -> Self {
        Self { timetables, today, principals }
    }
}

#[tonic::async_trait]
impl TimetableService for TimetableApi {
    #[tracing::instrument(skip_all, fields(school_id = %request.get_ref().school_id))]
    async fn register_class(&self, request: Request<pb::RegisterClassRequest>) -> Result<Response<pb::SchoolClass>, Status> {
        let caller = self.principals.caller(request.metadata())?;
        let class = self.timetables.register_class(&caller, convert::new_class(request.get_ref())?).await?;
        Ok(Response::new(convert::stored_class_to_proto(&class)?))
    }

    async fn list_classes(&self, request: Request<pb::ListClassesRequest>) -> Result<Response<pb::ListClassesResponse>, Status> {
        let school_id = super::convert::directory::id("school_id", &request.get_ref().school_id)?;
        let caller = self.principals.caller(request.metadata())?;
        let classes = self.timetables.classes(&caller, school_id).await?;
        Ok(Response::new(pb::ListClassesResponse { classes: classes.iter().map(convert::stored_class_to_proto).collect::<Result<_, _>>()? }))
    }

    async fn register_teacher(&self, request: Request<pb::RegisterTeacherRequest>) -> Result<Response<pb::SchoolTeacher>, Status> {
        let new = convert::new_teacher(request.get_ref())?;
        let (school_id, full_name) = (new.school_id, new.full_name.clone());
        let caller = self.principals.caller(request.metadata())?;
        let teacher = self.timetables.register_teacher(&caller, new).await?;
        Ok(Response::new(convert::teacher_to_proto(school_id, &full_name, &teacher)))
    }

    #[tracing::instrument(skip_all, fields(school_id = %request.get_ref().school_id))]
    async fn generate_timetable(&self, request: Request<pb::GenerateTimetableRequest>) -> Result<Response<pb::GenerateTimetableResponse>, Status> {
        let of = convert::generate(request.get_ref())?;
        let caller = self.principals.caller(request.metadata())?;
        Ok(Response::new(match self.timetables.generate(&caller, &of).await? {
            Outcome::Stored(stored) => pb::GenerateTimetableResponse { timetable: Some(convert::timetable_to_proto(of.school_id, &stored)), problems: vec![] },
            Outcome::Refused(problems) => pb::GenerateTimetableResponse { timetable: None, problems: problems.iter().map(convert::problem_to_proto).collect() },
        }))
    }

    async fn validate_timetable(&self, request: Request<pb::ValidateTimetableRequest>) -> Result<Response<pb::ValidateTimetableResponse>, Status> {
        let (school_id, week_of, timetable) = convert::validate(request.get_ref())?;
        let caller = self.principals.caller(request.metadata())?;
        let violations = self.timetables.validate(&caller, school_id, week_of, &timetable).await?;
        Ok(Response::new(pb::ValidateTimetableResponse { violations: violations.iter().map(convert::violation_to_proto).collect() }))
    }

    #[tracing::instrument(skip_all, fields(school_id = %request.get_ref().school_id))]
    async fn upload_timetable(&self, request: Request<pb::UploadTimetableRequest>) -> Result<Response<pb::Timetable>, Status> {
        let (of, timetable) = convert::upload(request.get_ref())?;
        let caller = self.principals.caller(request.metadata())?;
        match self.timetables.upload(&caller, &of, &timetable).await? {
            Outcome::Stored(stored) => Ok(Response::new(convert::timetable_to_proto(of.school_id, &stored))),
            Outcome::Refused(violations) => Err(convert::refused_upload(&violations).into()),
        }
    }

    async fn get_timetable(&self, request: Request<pb::GetTimetableRequest>) -> Result<Response<pb::Timetable>, Status> {
        let (school_id, version) = convert::timetable_version(request.get_ref())?;
        let caller = self.principals.caller(request.metadata())?;
        let timetable = self.timetables.timetable(&caller, school_id, version).await?;
        Ok(Response::new(convert::timetable_to_proto(school_id, &timetable)))
    }

    async fn get_class_day(&self, request: Request<pb::GetClassDayRequest>) -> Result<Response<pb::ClassDay>, Status> {
        let (class_id, date) = convert::day_of("class_id", &request.get_ref().class_id, request.get_ref().date.as_ref())?;
        let caller = self.principals.caller(request.metadata())?;
        let day = self.today.class_day(&caller, class_id, date).await?;
        Ok(Response::new(convert::class_day_to_proto(&day)))
    }

    async fn get_pupil_day(&self, request: Request<pb::GetPupilDayRequest>) -> Result<Response<pb::PupilDay>, Status> {
        let (pupil_id, date) = convert::day_of("pupil_id", &request.get_ref().pupil_id, request.get_ref().date.as_ref())?;
        let caller = self.principals.caller(request.metadata())?;
        let day = self.today.pupil_day(&caller, pupil_id, date).await?;
        Ok(Response::new(convert::pupil_day_to_proto(&day)))
    }

    async fn get_school_calendar(&self, request: Request<pb::GetSchoolCalendarRequest>) -> Result<Response<pb::SchoolCalendar>, Status> {
        let (grade, first, last, zone) = convert::school_calendar(request.get_ref())?;
        let days = self.today.school_calendar(grade, first, last, zone).into_iter().map(convert::calendar_day_to_proto).collect();
        Ok(Response::new(pb::SchoolCalendar { year: self.today.year().name.clone(), days }))
    }

    async fn export_class_calendar(&self, request: Request<pb::ExportClassCalendarRequest>) -> Result<Response<pb::ClassCalendar>, Status> {
        let (class_id, first, last) = convert::class_calendar(request.get_ref())?;
        let caller = self.principals.caller(request.metadata())?;
        let calendar = self.today.class_calendar(&caller, class_id, first, last).await?;
        Ok(Response::new(pb::ClassCalendar {
            content_type: "text/calendar".into(),
            file_name: format!("class-{}_{first}_{last}.ics", calendar.label),
            content: calendar.content.into_bytes(),
        }))
    }
}
