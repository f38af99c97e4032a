//! `qashyq.schedule.v1.DirectoryService`.

use qashyq_platform::{error::quote, paging, validate::Violations};
use qashyq_proto::{
    common::v1::PageResponse,
    schedule::v1::{self as pb, directory_service_server::DirectoryService},
};
use tonic::{Request, Response, Status};

use qashyq_platform::ApiError;

use super::convert;
use crate::{
    domain::{people::MAX_PERSON_NAME_CHARS, school::MAX_NAME_CHARS},
    repo::pupils::{PupilCursor, PupilRepo},
    repo::{SchoolCursor, SchoolRepo},
    app::roster_import::{RosterImport, RosterKind},
    repo::timetables::TimetableRepo,
};

/// Largest roster file taken in one call (5,000 rows of pupils with parents is about 600 KiB).
const MAX_ROSTER_BYTES: usize = 2 * 1024 * 1024;
/// Parents registered with a pupil in one call.
const MAX_PARENTS: usize = 4;
/// Problems a roster check lists in its answer.
const MAX_REPORTED_PROBLEMS: usize = 10_000;

pub struct DirectoryApi {
    schools: SchoolRepo,
    timetables: TimetableRepo,
    pupils: PupilRepo,
}

impl DirectoryApi {
    pub fn new(schools: SchoolRepo, timetables: TimetableRepo, pupils: PupilRepo) -> Self {
        Self { schools, timetables, pupils }
    }

}

#[tonic::async_trait]
impl DirectoryService for DirectoryApi {
    #[tracing::instrument(skip_all, fields(region_code = %request.get_ref().region_code))]
    async fn register_school(&self, request: Request<pb::RegisterSchoolRequest>) -> Result<Response<pb::School>, Status> {
        let new = convert::new_school(request.get_ref())?;
        let school = self.schools.register(new).await?;
        tracing::info!(school_id = %school.id, "school registered");
        Ok(Response::new(convert::school_to_proto(&school)))
    }

    async fn get_school(&self, request: Request<pb::GetSchoolRequest>) -> Result<Response<pb::School>, Status> {
        let mut v = Violations::new();
        let id = v.uuid("school_id", &request.get_ref().school_id);
        let id = v.values(id)?;
        let school = self.schools.get(id).await?;
        Ok(Response::new(convert::school_to_proto(&school)))
    }

    async fn list_schools(&self, request: Request<pb::ListSchoolsRequest>) -> Result<Response<pb::ListSchoolsResponse>, Status> {
        let request = request.into_inner();
        let page = request.page.unwrap_or_default();
        let size = paging::page_size(page.page_size, "page.page_size")?;
        let after: Option<SchoolCursor> = paging::decode_token(&page.page_token, "page.page_token")?;
        let region = request.region_code.trim();
        let mut v = Violations::new();
        if !region.is_empty() && qashyq_catalogue::catalogue().region(region).is_none() {
            v.add("region_code", format!("{} is not a region code", quote(&region)));
        }
        let district = (!request.district_id.is_empty()).then(|| v.uuid("district_id", &request.district_id)).flatten();
        v.finish()?;
        let (schools, more) = self.schools.list((!region.is_empty()).then_some(region), district, after, size).await?;
        let next_page_token = match schools.last() {
            Some(last) if more => paging::encode_token(&(last.name.clone(), last.id)),
            _ => String::new(),
        };
        Ok(Response::new(pb::ListSchoolsResponse {
            schools: schools.iter().map(convert::school_to_proto).collect(),
            page: Some(PageResponse { next_page_token }),
        }))
    }

    #[tracing::instrument(skip_all, fields(region_code = %request.get_ref().region_code))]
    async fn register_district(&self, request: Request<pb::RegisterDistrictRequest>) -> Result<Response<pb::District>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let region_code = convert::region_code(&mut v, "region_code", &request.region_code);
        let name = v.text("name", &request.name, MAX_NAME_CHARS);
        let (region_code, name) = v.values((region_code, name))?;
        let district = self.schools.register_district(&region_code, name).await?;
        tracing::info!(district_id = %district.id, "district registered");
        Ok(Response::new(convert::district_to_proto(&district)))
    }

    async fn list_districts(&self, request: Request<pb::ListDistrictsRequest>) -> Result<Response<pb::ListDistrictsResponse>, Status> {
        let mut v = Violations::new();
        let region_code = convert::region_code(&mut v, "region_code", &request.get_ref().region_code);
        let region_code = v.values(region_code)?;
        let districts = self.schools.districts(&region_code).await?;
        Ok(Response::new(pb::ListDistrictsResponse { districts: districts.iter().map(convert::district_to_proto).collect() }))
    }

    #[tracing::instrument(skip_all, fields(class_id = %request.get_ref().class_id))]
    async fn register_pupil(&self, request: Request<pb::RegisterPupilRequest>) -> Result<Response<pb::Pupil>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let class_id = v.uuid("class_id", &request.class_id);
        let full_name = v.text("full_name", &request.full_name, MAX_PERSON_NAME_CHARS);
        let delivery = convert::delivery(&mut v, "delivery", request.delivery);
        let parents: Vec<_> = if !v.at_most("parents", request.parents.len(), MAX_PARENTS) { Vec::new() } else { request.parents.iter().enumerate().filter_map(|(i, p)| convert::parent_contact(&mut v, &format!("parents[{i}]"), p)).collect() };
        let iin = convert::optional_iin(&mut v, "iin", &request.iin);
        let (class_id, full_name, delivery, iin) = v.values((class_id, full_name, delivery, iin))?;
        let class = self.timetables.existing_class("class_id", class_id).await?;
        let pupil = self.pupils.register(class.school_id, class_id, full_name, delivery, iin.as_deref(), &parents).await?;
        tracing::info!(pupil_id = %pupil.id, "pupil registered");
        Ok(Response::new(convert::pupil_to_proto(&pupil)))
    }

    async fn get_pupil(&self, request: Request<pb::GetPupilRequest>) -> Result<Response<pb::Pupil>, Status> {
        let mut v = Violations::new();
        let id = v.uuid("pupil_id", &request.get_ref().pupil_id);
        let id = v.values(id)?;
        let pupil = self.pupils.get(id).await?.ok_or_else(|| ApiError::NotFound(format!("pupil {id}")))?;
        Ok(Response::new(convert::pupil_to_proto(&pupil)))
    }

    async fn list_pupils(&self, request: Request<pb::ListPupilsRequest>) -> Result<Response<pb::ListPupilsResponse>, Status> {
        let request = request.into_inner();
        let mut v = Violations::new();
        let class_id = v.uuid("class_id", &request.class_id);
        let class_id = v.values(class_id)?;
        let page = request.page.unwrap_or_default();
        let size = paging::page_size(page.page_size, "page.page_size")?;
        let after: Option<PupilCursor> = paging::decode_token(&page.page_token, "page.page_token")?;
        self.timetables.found_class(class_id).await?;
        let (pupils, more) = self.pupils.list(class_id, after, size).await?;
        let next_page_token = match pupils.last() {
            Some(last) if more => paging::encode_token(&(last.full_name.clone(), last.id)),
            _ => String::new(),
        };
        Ok(Response::new(pb::ListPupilsResponse { pupils: pupils.iter().map(convert::pupil_to_proto).collect(), page: Some(PageResponse { next_page_token }) }))
    }

    #[tracing::instrument(skip_all, fields(pupil_id = %request.get_ref().pupil_id))]
    async fn add_parent(&self, request: Request<pb::AddParentRequest>) -> Result<Response<pb::Parent>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let pupil_id = v.uuid("pupil_id", &request.pupil_id);
        let parent = match &request.parent {
            Some(contact) => convert::parent_contact(&mut v, "parent", contact),
            None => {
                v.add("parent", "is required");
                None
            }
        };
        let (pupil_id, parent) = v.values((pupil_id, parent))?;
        if self.pupils.place(pupil_id).await?.is_none() {
            return Err(ApiError::NotFound(format!("pupil {pupil_id}")).into());
        }
        Ok(Response::new(convert::parent_to_proto(&self.pupils.add_parent(pupil_id, &parent).await?)))
    }

    #[tracing::instrument(skip_all, fields(school_id = %request.get_ref().school_id, kind = request.get_ref().kind))]
    async fn import_roster(&self, request: Request<pb::ImportRosterRequest>) -> Result<Response<pb::ImportRosterResponse>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let school_id = v.uuid("school_id", &request.school_id);
        let kind = v.known_enum("kind", request.kind, pb::RosterKind::try_from(request.kind), pb::RosterKind::Unspecified).map(|k| match k {
            pb::RosterKind::Teachers => RosterKind::Teachers,
            pb::RosterKind::Pupils => RosterKind::Pupils,
            pb::RosterKind::Classes | pb::RosterKind::Unspecified => RosterKind::Classes,
        });
        if request.csv.is_empty() {
            v.add("csv", "is required");
        } else if request.csv.len() > MAX_ROSTER_BYTES {
            v.add("csv", format!("is {} bytes; at most {MAX_ROSTER_BYTES} are taken in one call", request.csv.len()));
        }
        let (school_id, kind) = v.values((school_id, kind))?;
        self.schools.existing(school_id).await?;
        let import = RosterImport { pool: self.pupils.pool(), timetables: &self.timetables, pupils: &self.pupils };
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        let done = match import.run(school_id, kind, &request.csv, request.validate_only).await {
            // A check answers with the whole report in the body; an import refuses with the first problems.
            Err(ApiError::InvalidArgument(problems)) if request.validate_only => {
                let more_problems = count(problems.len().saturating_sub(MAX_REPORTED_PROBLEMS));
                let problems = problems
                    .into_iter()
                    .take(MAX_REPORTED_PROBLEMS)
                    .map(|p| pb::RosterProblem { field: p.field, description: p.description })
                    .collect();
                return Ok(Response::new(pb::ImportRosterResponse { problems, more_problems, ..Default::default() }));
            }
            done => done?,
        };
        Ok(Response::new(pb::ImportRosterResponse {
            rows: count(done.rows),
            created: count(done.created),
            parents_linked: count(done.parents_linked),
            existing: count(done.existing),
            problems: Vec::new(),
            more_problems: 0,
        }))
    }
}
