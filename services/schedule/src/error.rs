//! Errors of the schedule service and their translation into the platform's `ApiError`.

use qashyq_platform::ApiError;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error(transparent)]
    Invalid(ApiError),
    #[error("school {0}")]
    SchoolNotFound(Uuid),
    #[error("a school named {name:?} already exists in {region_code}")]
    DuplicateSchool { region_code: String, name: String },
    #[error("a district named {name:?} already exists in {region_code}")]
    DuplicateDistrict { region_code: String, name: String },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<ScheduleError> for ApiError {
    fn from(error: ScheduleError) -> Self {
        match error {
            ScheduleError::Invalid(api) => api,
            ScheduleError::SchoolNotFound(id) => ApiError::NotFound(format!("school {id}")),
            duplicate @ (ScheduleError::DuplicateSchool { .. } | ScheduleError::DuplicateDistrict { .. }) => ApiError::AlreadyExists(duplicate.to_string()),
            ScheduleError::Database(db) => ApiError::from(db),
        }
    }
}

impl From<ScheduleError> for tonic::Status {
    fn from(error: ScheduleError) -> Self {
        ApiError::from(error).into()
    }
}
