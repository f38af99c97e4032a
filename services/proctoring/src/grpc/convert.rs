//! The only conversion between the proctoring API's messages and domain types: requests are
//! parsed once into typed commands (every bad field named), domain types become messages.

use qashyq_platform::{ApiError, time::to_timestamp, validate::Violations};
use qashyq_proto::proctoring::v1 as pb;
use uuid::Uuid;

use crate::domain::{
    lifecycle::State,
    session::{ExamKind, ScheduleSession, Session, TransitionSession},
};

/// Characters of a transition's reason.
const MAX_REASON_CHARS: usize = 1000;

fn state_to_proto(state: State) -> pb::SessionState {
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

fn exam_kind_to_proto(kind: ExamKind) -> pb::ExamKind {
    match kind {
        ExamKind::CurrentControl => pb::ExamKind::CurrentControl,
        ExamKind::IntermediateAttestation => pb::ExamKind::IntermediateAttestation,
        ExamKind::FinalAttestation => pb::ExamKind::FinalAttestation,
        ExamKind::ThesisDefence => pb::ExamKind::ThesisDefence,
    }
}

pub fn session_id(raw: &str) -> Result<Uuid, ApiError> {
    let mut v = Violations::new();
    let id = v.uuid("session_id", raw);
    v.values(id)
}

pub fn schedule_session(request: &pb::ScheduleSessionRequest) -> Result<ScheduleSession, ApiError> {
    let mut v = Violations::new();
    let institution_id = v.uuid("institution_id", &request.institution_id);
    let student_id = v.uuid("student_id", &request.student_id);
    let exam_kind = v
        .known_enum("exam_kind", request.exam_kind, pb::ExamKind::try_from(request.exam_kind), pb::ExamKind::Unspecified)
        .and_then(|kind| ExamKind::ALL.into_iter().find(|k| exam_kind_to_proto(*k) == kind));
    let scheduled_start = v.timestamp("scheduled_start", request.scheduled_start.as_ref());
    let (institution_id, student_id, exam_kind, scheduled_start) = v.values((institution_id, student_id, exam_kind, scheduled_start))?;
    Ok(ScheduleSession { institution_id, student_id, exam_kind, scheduled_start })
}

pub fn transition_session(request: &pb::TransitionSessionRequest) -> Result<TransitionSession, ApiError> {
    let mut v = Violations::new();
    let session_id = v.uuid("session_id", &request.session_id);
    let to = v
        .known_enum("to_state", request.to_state, pb::SessionState::try_from(request.to_state), pb::SessionState::Unspecified)
        .and_then(|state| State::ALL.into_iter().find(|s| state_to_proto(*s) == state));
    if request.expected_version < 0 {
        v.add("expected_version", "must not be negative");
    }
    if request.reason.chars().count() > MAX_REASON_CHARS {
        v.add("reason", format!("is longer than {MAX_REASON_CHARS} characters"));
    }
    let (session_id, to) = v.values((session_id, to))?;
    Ok(TransitionSession {
        session_id,
        to,
        expected_version: (request.expected_version > 0).then_some(request.expected_version),
        reason: request.reason.clone(),
    })
}

pub fn session_to_proto(session: &Session) -> pb::Session {
    pb::Session {
        session_id: session.id.to_string(),
        institution_id: session.institution_id.to_string(),
        student_id: session.student_id.to_string(),
        exam_kind: exam_kind_to_proto(session.exam_kind) as i32,
        state: state_to_proto(session.state) as i32,
        scheduled_start: Some(to_timestamp(session.scheduled_start)),
        version: session.version,
    }
}
