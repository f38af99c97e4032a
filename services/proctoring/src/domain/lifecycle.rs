//! R-PR-3: the session lifecycle and its allowed transitions.
//!
//! scheduled → identity check → in progress ↔ interrupted → submitted → under review →
//! clean | suspicious | violation. An interrupted session may also be submitted directly: when
//! the exam time runs out during an interruption, the work done so far is handed in.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Scheduled,
    IdentityCheck,
    InProgress,
    Interrupted,
    Submitted,
    UnderReview,
    Clean,
    Suspicious,
    Violation,
}

impl State {
    pub const ALL: [State; 9] = [
        State::Scheduled,
        State::IdentityCheck,
        State::InProgress,
        State::Interrupted,
        State::Submitted,
        State::UnderReview,
        State::Clean,
        State::Suspicious,
        State::Violation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Scheduled => "scheduled",
            State::IdentityCheck => "identity_check",
            State::InProgress => "in_progress",
            State::Interrupted => "interrupted",
            State::Submitted => "submitted",
            State::UnderReview => "under_review",
            State::Clean => "clean",
            State::Suspicious => "suspicious",
            State::Violation => "violation",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// A verdict: nothing follows.
    pub fn is_final(self) -> bool {
        matches!(self, State::Clean | State::Suspicious | State::Violation)
    }
}

/// Returns whether the lifecycle allows going from `from` to `to`.
pub fn can_transition(from: State, to: State) -> bool {
    use State::*;
    matches!(
        (from, to),
        (Scheduled, IdentityCheck)
            | (IdentityCheck, InProgress)
            | (InProgress, Interrupted)
            | (Interrupted, InProgress)
            | (InProgress, Submitted)
            | (Interrupted, Submitted)
            | (Submitted, UnderReview)
            | (UnderReview, Clean)
            | (UnderReview, Suspicious)
            | (UnderReview, Violation)
    )
}

#[cfg(test)]
mod tests {
    use super::{State::*, *};

    #[test]
    fn r_pr_3_the_happy_path_is_allowed() {
        let path = [Scheduled, IdentityCheck, InProgress, Interrupted, InProgress, Submitted, UnderReview, Clean];
        for pair in path.windows(2) {
            assert!(can_transition(pair[0], pair[1]), "{:?} -> {:?}", pair[0], pair[1]);
        }
    }

    #[test]
    fn r_pr_3_skipping_steps_and_leaving_a_verdict_are_refused() {
        for (from, to) in [(Scheduled, InProgress), (Scheduled, Submitted), (IdentityCheck, Submitted), (Submitted, Clean), (InProgress, Scheduled)] {
            assert!(!can_transition(from, to), "{from:?} -> {to:?}");
        }
        for verdict in [Clean, Suspicious, Violation] {
            assert!(verdict.is_final());
            assert!(State::ALL.into_iter().all(|to| !can_transition(verdict, to)));
        }
    }

    #[test]
    fn no_state_goes_to_itself() {
        assert!(State::ALL.into_iter().all(|s| !can_transition(s, s)));
    }

    #[test]
    fn stored_names_round_trip() {
        assert!(State::ALL.into_iter().all(|s| State::parse(s.as_str()) == Some(s)));
    }
}
