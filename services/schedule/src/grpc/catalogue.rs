//! `qashyq.schedule.v1.CatalogueService`: the national catalogue, read-only.

use qashyq_catalogue::{Subject, catalogue};
use qashyq_platform::ApiError;
use qashyq_proto::schedule::v1::{self as pb, catalogue_service_server::CatalogueService};
use tonic::{Request, Response, Status};

pub struct CatalogueApi;

fn subject_to_proto(subject: &Subject) -> pb::Subject {
    pb::Subject {
        code: subject.code.clone(),
        name_kk: subject.name_kk.clone(),
        name_ru: subject.name_ru.clone(),
        aliases: subject.aliases.clone(),
    }
}

#[tonic::async_trait]
impl CatalogueService for CatalogueApi {
    async fn list_regions(&self, _: Request<pb::ListRegionsRequest>) -> Result<Response<pb::ListRegionsResponse>, Status> {
        let regions = catalogue()
            .regions()
            .iter()
            .map(|r| pb::Region { code: r.code.clone(), name_kk: r.name_kk.clone(), name_ru: r.name_ru.clone(), is_city: r.is_city, time_zone: r.time_zone.name().to_owned() })
            .collect();
        Ok(Response::new(pb::ListRegionsResponse { regions }))
    }

    async fn list_subjects(&self, _: Request<pb::ListSubjectsRequest>) -> Result<Response<pb::ListSubjectsResponse>, Status> {
        let subjects = catalogue().subjects().iter().map(subject_to_proto).collect();
        Ok(Response::new(pb::ListSubjectsResponse { subjects }))
    }

    async fn resolve_subject(&self, request: Request<pb::ResolveSubjectRequest>) -> Result<Response<pb::Subject>, Status> {
        let name = &request.get_ref().name;
        if name.trim().is_empty() {
            return Err(ApiError::invalid("name", "is required").into());
        }
        let subject = catalogue().resolve_subject(name).map_err(|e| ApiError::invalid("name", e.to_string()))?;
        Ok(Response::new(subject_to_proto(subject)))
    }
}
