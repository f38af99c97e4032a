//! Errors of the proctoring service and their translation into the platform's `ApiError`.

use qashyq_platform::ApiError;
use uuid::Uuid;

use crate::domain::lifecycle::State;

#[derive(Debug, thiserror::Error)]
pub enum ProctoringError {
    #[error("session {0}")]
    SessionNotFound(Uuid),
    #[error("a session cannot go from {} to {}", .from.as_str(), .to.as_str())]
    ForbiddenTransition { from: State, to: State },
    #[error("session is at version {actual}, not {expected}")]
    VersionMismatch { expected: i64, actual: i64 },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<ProctoringError> for ApiError {
    fn from(error: ProctoringError) -> Self {
        match error {
            ProctoringError::SessionNotFound(id) => ApiError::NotFound(format!("session {id}")),
            forbidden @ ProctoringError::ForbiddenTransition { .. } => ApiError::FailedPrecondition(forbidden.to_string()),
            stale @ ProctoringError::VersionMismatch { .. } => ApiError::Aborted(stale.to_string()),
            ProctoringError::Database(db) => ApiError::from(db),
        }
    }
}

impl From<ProctoringError> for tonic::Status {
    fn from(error: ProctoringError) -> Self {
        ApiError::from(error).into()
    }
}
