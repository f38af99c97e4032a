//! `qashyq.assignments.v1.AssignmentsService`: each handler reads its request into a typed
//! command ([`convert`]), calls the use case ([`crate::app`]) and converts the answer back.

pub mod convert;

use qashyq_platform::{principal::PrincipalKey, validate::Violations};
use qashyq_proto::assignments::v1::{self as pb, assignments_service_server::AssignmentsService};
use tonic::{Request, Response, Status};

use crate::app::HomeworkApp;

pub struct AssignmentsApi {
    homework: std::sync::Arc<HomeworkApp>,
    principals: PrincipalKey,
}

impl AssignmentsApi {
    pub fn new(homework: std::sync::Arc<HomeworkApp>, principals: PrincipalKey) -> Self {
        Self { homework, principals }
    }
}

#[tonic::async_trait]
impl AssignmentsService for AssignmentsApi {
    #[tracing::instrument(skip_all, fields(class_id = %request.get_ref().class_id))]
    async fn post_homework(&self, request: Request<pb::PostHomeworkRequest>) -> Result<Response<pb::Homework>, Status> {
        let caller = self.principals.caller(request.metadata())?;
        let request_id = qashyq_platform::request_key::record_id(request.metadata());
        let post = convert::post_homework(request.get_ref())?;
        let homework = self.homework.post(&caller, post, request_id).await?;
        Ok(Response::new(convert::homework_to_proto(&homework)))
    }

    async fn get_homework(&self, request: Request<pb::GetHomeworkRequest>) -> Result<Response<pb::Homework>, Status> {
        let mut v = Violations::new();
        let id = v.uuid("homework_id", &request.get_ref().homework_id);
        let id = v.values(id)?;
        let caller = self.principals.caller(request.metadata())?;
        Ok(Response::new(convert::homework_to_proto(&self.homework.get(&caller, id).await?)))
    }
}
