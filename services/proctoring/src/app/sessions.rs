//! Scheduling, reading and moving proctored sessions (R-PR-3).

use uuid::Uuid;

use crate::{
    domain::session::{ScheduleSession, Session, TransitionSession},
    error::ProctoringError,
    events,
    repo::SessionRepo,
};

pub struct SessionsApp {
    repo: SessionRepo,
}

impl SessionsApp {
    pub fn new(repo: SessionRepo) -> Self {
        Self { repo }
    }

    pub async fn schedule(&self, command: ScheduleSession) -> Result<Session, ProctoringError> {
        let session = command.session(Uuid::now_v7());
        self.repo.insert(&session).await?;
        Ok(session)
    }

    pub async fn get(&self, id: Uuid) -> Result<Session, ProctoringError> {
        self.repo.get(id).await
    }

    /// Moves a session if its lifecycle allows it (and the caller saw its version), with the
    /// audit row and SessionStateChanged.
    pub async fn transition(&self, command: TransitionSession) -> Result<Session, ProctoringError> {
        let reason = command.reason.clone();
        let session = self
            .repo
            .transition(
                command.session_id,
                &command.reason,
                |current| Ok(current.moved(&command)?),
                |moved, from| events::session_state_changed(moved, from, &reason),
            )
            .await?;
        tracing::info!(session_id = %session.id, state = session.state.as_str(), version = session.version, "session moved");
        Ok(session)
    }
}
