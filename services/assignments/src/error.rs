//! Errors of the assignments service and their translation into the platform's `ApiError`.

use qashyq_platform::ApiError;

use crate::domain::homework::PostRefused;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum AssignmentsError {
    #[error("homework {0}")]
    HomeworkNotFound(Uuid),
    #[error(transparent)]
    PostRefused(#[from] PostRefused),
    /// A school this service has not learnt of (SchoolRegistered), named by a write.
    #[error("no school {0}")]
    UnknownSchool(Uuid),
    /// The caller does not reach the school (R-GW-2).
    #[error(transparent)]
    OutOfScope(ApiError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<AssignmentsError> for ApiError {
    fn from(error: AssignmentsError) -> Self {
        match error {
            AssignmentsError::HomeworkNotFound(id) => ApiError::NotFound(format!("homework {id}")),
            AssignmentsError::PostRefused(refused @ PostRefused::DeadlinePassed { .. }) => ApiError::invalid("deadline", refused.to_string()),
            // Possibly a school registered a moment ago whose event has not arrived: a status a
            // retry may pass (and an idempotency key does not keep).
            AssignmentsError::UnknownSchool(id) => ApiError::Unavailable(format!("school {id} is not known to the assignments service yet; retry")),
            AssignmentsError::OutOfScope(denied) => denied,
            AssignmentsError::Database(db) => ApiError::from(db),
        }
    }
}

impl From<AssignmentsError> for tonic::Status {
    fn from(error: AssignmentsError) -> Self {
        ApiError::from(error).into()
    }
}
