//! The events the proctoring service announces (`qashyq.proctoring.events.v1`), built from
//! domain types here and nowhere else. It consumes none yet.

use qashyq_platform::time::to_timestamp;
use qashyq_proto::proctoring::events::v1 as ev;

use crate::domain::{lifecycle::State, session::Session};

pub fn session_state_changed(session: &Session, from: State, reason: &str) -> ev::SessionStateChanged {
    ev::SessionStateChanged {
        session_id: session.id.to_string(),
        institution_id: session.institution_id.to_string(),
        student_id: session.student_id.to_string(),
        exam_kind: session.exam_kind.as_str().to_owned(),
        from_state: from.as_str().to_owned(),
        to_state: session.state.as_str().to_owned(),
        version: session.version,
        reason: reason.to_owned(),
        scheduled_start: Some(to_timestamp(session.scheduled_start)),
    }
}
