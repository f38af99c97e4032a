//! `qashyq.proctoring.v1.ProctoringService`.

use qashyq_platform::validate::Violations;
use qashyq_proto::proctoring::v1::{self as pb, proctoring_service_server::ProctoringService};
use tonic::{Request, Response, Status};

use crate::repo::{NewSession, SessionRepo};

pub struct ProctoringApi {
    sessions: SessionRepo,
}

impl ProctoringApi {
    pub fn new(sessions: SessionRepo) -> Self {
        Self { sessions }
    }
}

pub mod convert {
    use qashyq_proto::proctoring::v1 as pb;

    use crate::{domain::lifecycle::State, repo::Session};

    pub fn state_to_proto(state: State) -> pb::SessionState {
        match state {
            State::Scheduled => pb::SessionState::Scheduled,
            State::IdentityCheck => pb::SessionState::IdentityCheck,
            State::InProgress => pb::SessionState::InProgress,
            State::Interrupted => pb::SessionState::Interrupted,
            State::Submitted => pb::SessionState::Submitted,
            State::UnderReview => pb::SessionState::UnderReview,
            State::Clean => pb::SessionState::Clean,
            State::Suspicious => pb::SessionState::Suspicious,
            State::Violation => pb::SessionState::Violation,
        }
    }

    pub fn state_from_proto(state: pb::SessionState) -> Option<State> {
        State::ALL.into_iter().find(|s| state_to_proto(*s) == state)
    }

    pub fn exam_kind_name(kind: pb::ExamKind) -> Option<&'static str> {
        match kind {
            pb::ExamKind::Unspecified => None,
            pb::ExamKind::CurrentControl => Some("current_control"),
            pb::ExamKind::IntermediateAttestation => Some("intermediate_attestation"),
            pb::ExamKind::FinalAttestation => Some("final_attestation"),
            pb::ExamKind::ThesisDefence => Some("thesis_defence"),
        }
    }

    pub fn session_to_proto(session: &Session) -> pb::Session {
        let exam_kind = [
            pb::ExamKind::CurrentControl,
            pb::ExamKind::IntermediateAttestation,
            pb::ExamKind::FinalAttestation,
            pb::ExamKind::ThesisDefence,
        ]
        .into_iter()
        .find(|k| exam_kind_name(*k) == Some(session.exam_kind.as_str()))
        .unwrap_or(pb::ExamKind::Unspecified);
        pb::Session {
            session_id: session.id.to_string(),
            institution_id: session.institution_id.to_string(),
            student_id: session.student_id.to_string(),
            exam_kind: exam_kind as i32,
            state: state_to_proto(session.state) as i32,
            scheduled_start: Some(qashyq_platform::time::to_timestamp(session.scheduled_start)),
            version: session.version,
        }
    }
}

#[tonic::async_trait]
impl ProctoringService for ProctoringApi {
    async fn schedule_session(&self, request: Request<pb::ScheduleSessionRequest>) -> Result<Response<pb::Session>, Status> {
        let request = request.into_inner();
        let mut v = Violations::new();
        let institution_id = v.uuid("institution_id", &request.institution_id);
        let student_id = v.uuid("student_id", &request.student_id);
        let kind = v.known_enum("exam_kind", request.exam_kind, pb::ExamKind::try_from(request.exam_kind), pb::ExamKind::Unspecified);
        let start = v.timestamp("scheduled_start", request.scheduled_start.as_ref());
        v.finish()?;
        let session = self
            .sessions
            .schedule(NewSession {
                institution_id: institution_id.expect("validated"),
                student_id: student_id.expect("validated"),
                exam_kind: convert::exam_kind_name(kind.expect("validated")).expect("specified").to_owned(),
                scheduled_start: start.expect("validated"),
            })
            .await?;
        Ok(Response::new(convert::session_to_proto(&session)))
    }

    async fn get_session(&self, request: Request<pb::GetSessionRequest>) -> Result<Response<pb::Session>, Status> {
        let mut v = Violations::new();
        let id = v.uuid("session_id", &request.get_ref().session_id);
        v.finish()?;
        let session = self.sessions.get(id.expect("validated")).await?;
        Ok(Response::new(convert::session_to_proto(&session)))
    }

    #[tracing::instrument(skip_all, fields(session_id = %request.get_ref().session_id))]
    async fn transition_session(&self, request: Request<pb::TransitionSessionRequest>) -> Result<Response<pb::Session>, Status> {
        let request = request.into_inner();
        let mut v = Violations::new();
        let id = v.uuid("session_id", &request.session_id);
        let to = v
            .known_enum("to_state", request.to_state, pb::SessionState::try_from(request.to_state), pb::SessionState::Unspecified)
            .and_then(convert::state_from_proto);
        if request.expected_version < 0 {
            v.add("expected_version", "must not be negative");
        }
        if request.reason.chars().count() > 1000 {
            v.add("reason", "is longer than 1000 characters");
        }
        v.finish()?;
        let expected = (request.expected_version > 0).then_some(request.expected_version);
        let session = self.sessions.transition(id.expect("validated"), to.expect("validated"), expected, &request.reason).await?;
        tracing::info!(state = session.state.as_str(), version = session.version, "session moved");
        Ok(Response::new(convert::session_to_proto(&session)))
    }
}
