//! A proctored exam session (R-PR-*) and the one rule of changing it: its lifecycle allows the
//! move, and the caller saw the version it changes.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::lifecycle::{State, can_transition};

/// The kind of exam a session proctors (seed 002).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExamKind {
    CurrentControl,
    IntermediateAttestation,
    FinalAttestation,
    ThesisDefence,
}

impl ExamKind {
    pub const ALL: [ExamKind; 4] = [ExamKind::CurrentControl, ExamKind::IntermediateAttestation, ExamKind::FinalAttestation, ExamKind::ThesisDefence];

    /// The stored and announced name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExamKind::CurrentControl => "current_control",
            ExamKind::IntermediateAttestation => "intermediate_attestation",
            ExamKind::FinalAttestation => "final_attestation",
            ExamKind::ThesisDefence => "thesis_defence",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub student_id: Uuid,
    pub exam_kind: ExamKind,
    pub state: State,
    pub scheduled_start: DateTime<Utc>,
    /// Raised on every transition.
    pub version: i64,
}

/// A session to schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleSession {
    pub institution_id: Uuid,
    pub student_id: Uuid,
    pub exam_kind: ExamKind,
    pub scheduled_start: DateTime<Utc>,
}

impl ScheduleSession {
    /// The new session: scheduled, at version 1.
    pub fn session(self, id: Uuid) -> Session {
        Session {
            id,
            institution_id: self.institution_id,
            student_id: self.student_id,
            exam_kind: self.exam_kind,
            state: State::Scheduled,
            scheduled_start: self.scheduled_start,
            version: 1,
        }
    }
}

/// A move of a session's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionSession {
    pub session_id: Uuid,
    pub to: State,
    /// When given, the version the caller saw (optimistic concurrency).
    pub expected_version: Option<i64>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionRefused {
    #[error("a session cannot go from {} to {}", .from.as_str(), .to.as_str())]
    Forbidden { from: State, to: State },
    #[error("session is at version {actual}, not {expected}")]
    Stale { expected: i64, actual: i64 },
}

impl Session {
    /// The session after `transition`, or why it cannot move.
    pub fn moved(&self, transition: &TransitionSession) -> Result<Session, TransitionRefused> {
        if let Some(expected) = transition.expected_version
            && expected != self.version
        {
            return Err(TransitionRefused::Stale { expected, actual: self.version });
        }
        if !can_transition(self.state, transition.to) {
            return Err(TransitionRefused::Forbidden { from: self.state, to: transition.to });
        }
        Ok(Session { state: transition.to, version: self.version + 1, ..self.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheduled() -> Session {
        ScheduleSession { institution_id: Uuid::nil(), student_id: Uuid::nil(), exam_kind: ExamKind::FinalAttestation, scheduled_start: Utc::now() }
            .session(Uuid::nil())
    }

    fn to(state: State, expected_version: Option<i64>) -> TransitionSession {
        TransitionSession { session_id: Uuid::nil(), to: state, expected_version, reason: String::new() }
    }

    #[test]
    fn r_pr_3_a_move_the_lifecycle_allows_raises_the_version() {
        let moved = scheduled().moved(&to(State::IdentityCheck, Some(1))).unwrap();
        assert_eq!((moved.state, moved.version), (State::IdentityCheck, 2));
    }

    #[test]
    fn r_pr_3_a_forbidden_move_or_a_stale_version_is_refused() {
        assert_eq!(scheduled().moved(&to(State::Clean, None)), Err(TransitionRefused::Forbidden { from: State::Scheduled, to: State::Clean }));
        assert_eq!(scheduled().moved(&to(State::IdentityCheck, Some(7))), Err(TransitionRefused::Stale { expected: 7, actual: 1 }));
    }

    #[test]
    fn exam_kinds_round_trip() {
        assert!(ExamKind::ALL.into_iter().all(|k| ExamKind::parse(k.as_str()) == Some(k)));
    }
}
