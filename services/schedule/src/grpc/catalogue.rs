//! `qashyq.schedule.v1.CatalogueService`: the national catalogue, read-only.

use qashyq_platform::ApiError;
use qashyq_proto::schedule::v1::{self as pb, catalogue_service_server::CatalogueService};
use tonic::{Request, Response, Status};

use super::convert::catalogue as convert;
use crate::app::catalogue;

pub struct CatalogueApi;

#[tonic::async_trait]
impl CatalogueService for CatalogueApi {
    async fn list_regions(&self, _: Request<pb::ListRegionsRequest>) -> Result<Response<pb::ListRegionsResponse>, Status> {
        Ok(Response::new(pb::ListRegionsResponse { regions: catalogue::regions().iter().map(convert::region_to_proto).collect() }))
    }

    async fn list_subjects(&self, _: Request<pb::ListSubjectsRequest>) -> Result<Response<pb::ListSubjectsResponse>, Status> {
        Ok(Response::new(pb::ListSubjectsResponse { subjects: catalogue::subjects().iter().map(convert::subject_to_proto).collect() }))
    }

    async fn resolve_subject(&self, request: Request<pb::ResolveSubjectRequest>) -> Result<Response<pb::Subject>, Status> {
        let name = convert::subject_name(request.get_ref())?;
        let subject = catalogue::resolve_subject(name).map_err(|e| ApiError::invalid("name", e.to_string()))?;
        Ok(Response::new(convert::subject_to_proto(subject)))
    }
}
