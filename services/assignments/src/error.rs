//! Errors of the assignments service and their translation into the platform's `ApiError`, in
//! this one place. The rule for ids (the API's header): a record the call reads or changes that
//! does not exist is NOT_FOUND; a record it only refers to is INVALID_ARGUMENT naming the field;
//! a directory record not learnt yet (its event on its way) is UNAVAILABLE.

use qashyq_platform::{ApiError, blob::BlobError};
use uuid::Uuid;

use crate::domain::{homework::PostRefused, submission::Refused};

#[derive(Debug, thiserror::Error)]
pub enum AssignmentsError {
    #[error("homework {0}")]
    HomeworkNotFound(Uuid),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    PostRefused(#[from] PostRefused),
    /// The state machine does not allow the change (R-AS-9).
    #[error(transparent)]
    Transition(#[from] Refused),
    /// A field refers to a record that is not what the call needs.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// A school, class, teacher or pupil this service has not learnt of yet.
    #[error("{0} is not known to the assignments service yet; retry")]
    NotKnownYet(String),
    /// The caller does not reach the school (R-GW-2).
    #[error(transparent)]
    OutOfScope(ApiError),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl AssignmentsError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid { field: field.into(), reason: reason.into() }
    }
}

impl From<AssignmentsError> for ApiError {
    fn from(error: AssignmentsError) -> Self {
        match error {
            AssignmentsError::HomeworkNotFound(id) => ApiError::NotFound(format!("homework {id}")),
            AssignmentsError::NotFound(what) => ApiError::NotFound(what),
            AssignmentsError::PostRefused(refused) => match refused {
                PostRefused::DeadlinePassed { .. } => ApiError::invalid("deadline", refused.to_string()),
                PostRefused::OverNorm { .. } => ApiError::invalid("expected_minutes", refused.to_string()),
                PostRefused::StaleVersion { .. } | PostRefused::Withdrawn(_) => ApiError::FailedPrecondition(refused.to_string()),
            },
            AssignmentsError::Transition(refused) => ApiError::FailedPrecondition(refused.to_string()),
            AssignmentsError::Invalid { field, reason } => ApiError::invalid(field, reason),
            // Possibly registered a moment ago and its event has not arrived: a status a retry
            // may pass (and an idempotency key does not keep).
            error @ AssignmentsError::NotKnownYet(_) => ApiError::Unavailable(error.to_string()),
            AssignmentsError::OutOfScope(denied) => denied,
            AssignmentsError::Blob(BlobError::TooLarge { limit }) => ApiError::invalid("chunk", format!("the file is larger than {limit} bytes")),
            AssignmentsError::Blob(BlobError::Source(error)) => ApiError::invalid("chunk", format!("the upload stream failed: {error}")),
            AssignmentsError::Blob(error) => ApiError::internal(error),
            AssignmentsError::Database(db) => ApiError::from(db),
        }
    }
}

impl From<AssignmentsError> for tonic::Status {
    fn from(error: AssignmentsError) -> Self {
        ApiError::from(error).into()
    }
}
