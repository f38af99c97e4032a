//! `qashyq.proctoring.v1.ProctoringService`: each handler reads its request into a typed command
//! ([`convert`]), calls the use case ([`crate::app`]) and converts the answer back.

pub mod convert;

use qashyq_proto::proctoring::v1::{self as pb, proctoring_service_server::ProctoringService};
use tonic::{Request, Response, Status};

use crate::app::SessionsApp;

pub struct ProctoringApi {
    sessions: SessionsApp,
}

impl ProctoringApi {
    pub fn new(sessions: SessionsApp) -> Self {
        Self { sessions }
    }
}

#[tonic::async_trait]
impl ProctoringService for ProctoringApi {
    async fn schedule_session(&self, request: Request<pb::ScheduleSessionRequest>) -> Result<Response<pb::Session>, Status> {
        let command = convert::schedule_session(request.get_ref())?;
        Ok(Response::new(convert::session_to_proto(&self.sessions.schedule(command).await?)))
    }

    async fn get_session(&self, request: Request<pb::GetSessionRequest>) -> Result<Response<pb::Session>, Status> {
        let id = convert::session_id(&request.get_ref().session_id)?;
        Ok(Response::new(convert::session_to_proto(&self.sessions.get(id).await?)))
    }

    #[tracing::instrument(skip_all, fields(session_id = %request.get_ref().session_id))]
    async fn transition_session(&self, request: Request<pb::TransitionSessionRequest>) -> Result<Response<pb::Session>, Status> {
        let command = convert::transition_session(request.get_ref())?;
        Ok(Response::new(convert::session_to_proto(&self.sessions.transition(command).await?)))
    }
}
