//! `qashyq.schedule.v1.DirectoryService`.

use qashyq_platform::{paging, validate::Violations};
use qashyq_proto::{
    common::v1::PageResponse,
    schedule::v1::{self as pb, directory_service_server::DirectoryService},
};
use tonic::{Request, Response, Status};

use super::convert;
use crate::repo::{SchoolCursor, SchoolRepo};

pub struct DirectoryApi {
    schools: SchoolRepo,
}

impl DirectoryApi {
    pub fn new(schools: SchoolRepo) -> Self {
        Self { schools }
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
        v.finish()?;
        let school = self.schools.get(id.expect("validated")).await?;
        Ok(Response::new(convert::school_to_proto(&school)))
    }

    async fn list_schools(&self, request: Request<pb::ListSchoolsRequest>) -> Result<Response<pb::ListSchoolsResponse>, Status> {
        let request = request.into_inner();
        let page = request.page.unwrap_or_default();
        let size = paging::page_size(page.page_size, "page.page_size")?;
        let after: Option<SchoolCursor> = paging::decode_token(&page.page_token, "page.page_token")?;
        let region = request.region_code.trim();
        if !region.is_empty() && qashyq_catalogue::catalogue().region(region).is_none() {
            return Err(qashyq_platform::ApiError::invalid("region_code", format!("{region:?} is not a region code")).into());
        }
        let (schools, more) = self.schools.list((!region.is_empty()).then_some(region), after, size).await?;
        let next_page_token = match schools.last() {
            Some(last) if more => paging::encode_token(&(last.name.clone(), last.id)),
            _ => String::new(),
        };
        Ok(Response::new(pb::ListSchoolsResponse {
            schools: schools.iter().map(convert::school_to_proto).collect(),
            page: Some(PageResponse { next_page_token }),
        }))
    }
}
