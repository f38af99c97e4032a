//! Errors of the proctoring service and their translation into the platform's `ApiError`.

use qashyq_platform::ApiError;
use uuid::Uuid;

use crate::domain::session::TransitionRefused;

#[derive(Debug, thiserror::Error)]
pub enum ProctoringError {
    #[error("session {0}")]
    SessionNotFound(Uuid),
    #[error(transparent)]
    Refused(#[from] TransitionRefused),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<ProctoringError> for ApiError {
    fn from(error: ProctoringError) -> Self {
        match error {
            ProctoringError::SessionNotFound(id) => ApiError::NotFound(format!("session {id}")),
            ProctoringError::Refused(forbidden @ TransitionRefused::Forbidden { .. }) => ApiError::FailedPrecondition(forbidden.to_string()),
            ProctoringError::Refused(stale @ TransitionRefused::Stale { .. }) => ApiError::Aborted(stale.to_string()),
            ProctoringError::Database(db) => ApiError::from(db),
        }
    }
}

impl From<ProctoringError> for tonic::Status {
    fn from(error: ProctoringError) -> Self {
        ApiError::from(error).into()
    }
}
