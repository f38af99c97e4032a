//! `qashyq.content.v1.ContentService`: each handler reads its request ([`convert`]), calls the
//! use case ([`crate::app`]) and converts the answer back.

pub mod convert;

use qashyq_proto::content::v1::{self as pb, content_service_server::ContentService};
use tonic::{Request, Response, Status};

pub struct ContentApi;

#[tonic::async_trait]
impl ContentService for ContentApi {
    async fn inspect_atomic_file(&self, request: Request<pb::InspectAtomicFileRequest>) -> Result<Response<pb::AtomicFileReport>, Status> {
        let file = convert::atomic_file(request.get_ref())?;
        Ok(Response::new(convert::report_to_proto(crate::app::inspect_atomic_file(&file))))
    }
}
