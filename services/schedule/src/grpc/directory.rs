//! `qashyq.schedule.v1.DirectoryService`: each handler reads its request through `convert`, calls
//! the directory's use case and converts the answer.

use qashyq_platform::ApiError;
use qashyq_proto::schedule::v1::{self as pb, directory_service_server::DirectoryService};
use tonic::{Request, Response, Status};

use qashyq_platform::principal::PrincipalKey;

use super::convert::directory as convert;
use crate::app::directory::DirectoryApp;

pub struct DirectoryApi {
    directory: DirectoryApp,
    principals: PrincipalKey,
}

impl DirectoryApi {
    pub fn new(directory: DirectoryApp, principals: PrincipalKey) -> Self {
        Self { directory, principals }
    }
}

#[tonic::async_trait]
impl DirectoryService for DirectoryApi {
    #[tracing::instrument(skip_all, fields(region_code = %request.get_ref().region_code))]
    async fn register_school(&self, request: Request<pb::RegisterSchoolRequest>) -> Result<Response<pb::School>, Status> {
        let school = self.directory.register_school(convert::new_school(request.get_ref())?).await?;
        Ok(Response::new(convert::school_to_proto(&school)))
    }

    async fn get_school(&self, request: Request<pb::GetSchoolRequest>) -> Result<Response<pb::School>, Status> {
        let caller = self.principals.caller(request.metadata())?;
        let school = self.directory.school(&caller, convert::id("school_id", &request.get_ref().school_id)?).await?;
        Ok(Response::new(convert::school_to_proto(&school)))
    }

    async fn list_schools(&self, request: Request<pb::ListSchoolsRequest>) -> Result<Response<pb::ListSchoolsResponse>, Status> {
        let (filter, size, after) = convert::list_schools(request.get_ref())?;
        let caller = self.principals.caller(request.metadata())?;
        let page = self.directory.schools(&caller, &filter, after, size).await?;
        Ok(Response::new(convert::schools_to_proto(&page)))
    }

    #[tracing::instrument(skip_all, fields(region_code = %request.get_ref().region_code))]
    async fn register_district(&self, request: Request<pb::RegisterDistrictRequest>) -> Result<Response<pb::District>, Status> {
        let (region_code, name) = convert::new_district(request.get_ref())?;
        let district = self.directory.register_district(region_code, name).await?;
        Ok(Response::new(convert::district_to_proto(&district)))
    }

    async fn list_districts(&self, request: Request<pb::ListDistrictsRequest>) -> Result<Response<pb::ListDistrictsResponse>, Status> {
        let districts = self.directory.districts(&convert::region_of(request.get_ref())?).await?;
        Ok(Response::new(pb::ListDistrictsResponse { districts: districts.iter().map(convert::district_to_proto).collect() }))
    }

    #[tracing::instrument(skip_all, fields(class_id = %request.get_ref().class_id))]
    async fn register_pupil(&self, request: Request<pb::RegisterPupilRequest>) -> Result<Response<pb::Pupil>, Status> {
        let caller = self.principals.caller(request.metadata())?;
        let pupil = self.directory.register_pupil(&caller, convert::new_pupil(request.get_ref())?).await?;
        Ok(Response::new(convert::pupil_to_proto(&pupil)))
    }

    async fn get_pupil(&self, request: Request<pb::GetPupilRequest>) -> Result<Response<pb::Pupil>, Status> {
        let caller = self.principals.caller(request.metadata())?;
        let pupil = self.directory.pupil(&caller, convert::id("pupil_id", &request.get_ref().pupil_id)?).await?;
        Ok(Response::new(convert::pupil_to_proto(&pupil)))
    }

    async fn list_pupils(&self, request: Request<pb::ListPupilsRequest>) -> Result<Response<pb::ListPupilsResponse>, Status> {
        let (class_id, size, after) = convert::list_pupils(request.get_ref())?;
        let caller = self.principals.caller(request.metadata())?;
        let page = self.directory.pupils(&caller, class_id, after, size).await?;
        Ok(Response::new(convert::pupils_to_proto(&page)))
    }

    #[tracing::instrument(skip_all, fields(pupil_id = %request.get_ref().pupil_id))]
    async fn add_parent(&self, request: Request<pb::AddParentRequest>) -> Result<Response<pb::Parent>, Status> {
        let (pupil_id, parent) = convert::new_parent(request.get_ref())?;
        let caller = self.principals.caller(request.metadata())?;
        let parent = self.directory.add_parent(&caller, pupil_id, &parent).await?;
        Ok(Response::new(convert::parent_to_proto(&parent)))
    }

    #[tracing::instrument(skip_all, fields(school_id = %request.get_ref().school_id, kind = request.get_ref().kind))]
    async fn import_roster(&self, request: Request<pb::ImportRosterRequest>) -> Result<Response<pb::ImportRosterResponse>, Status> {
        let caller = self.principals.caller(request.metadata())?;
        let request = request.get_ref();
        let (school_id, kind) = convert::roster(request)?;
        match self.directory.import_roster(&caller, school_id, kind, &request.csv, request.validate_only).await {
            // A check answers with the whole report in the body; an import refuses with the first problems.
            Err(ApiError::InvalidArgument(problems)) if request.validate_only => Ok(Response::new(convert::roster_problems_to_proto(problems))),
            done => Ok(Response::new(convert::roster_done_to_proto(&done?))),
        }
    }
}
