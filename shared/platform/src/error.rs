//! The error every service's own error type converts into, and its one mapping to `tonic::Status`.
//!
//! Codes are deliberately few. Bad input is `INVALID_ARGUMENT` carrying every offending field as a
//! `google.rpc.BadRequest` detail; internal failures are logged with their cause and reach the
//! caller as a plain `INTERNAL` without it.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// One offending field of a request: its path (`school.region_code`, `tasks[2]`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    pub field: String,
    pub description: String,
}

impl FieldViolation {
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self { field: field.into(), description: description.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid argument: {}", describe(.0))]
    InvalidArgument(Vec<FieldViolation>),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    FailedPrecondition(String),
    /// A concurrent change won (optimistic concurrency); the caller may re-read and retry.
    #[error("{0}")]
    Aborted(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    ResourceExhausted(String),
    /// A dependency (database, another service) is unreachable; retrying later may succeed.
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// Returns an `INVALID_ARGUMENT` for a single field.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self::InvalidArgument(vec![FieldViolation::new(field, description)])
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
    }
}

fn describe(violations: &[FieldViolation]) -> String {
    violations.iter().map(|v| format!("{}: {}", v.field, v.description)).collect::<Vec<_>>().join("; ")
}

impl From<sqlx::Error> for ApiError {
    /// Translates PostgreSQL failures once for every repository: unique violations become
    /// `ALREADY_EXISTS`, lost connections `UNAVAILABLE`, the rest `INTERNAL`.
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => Self::NotFound("row".to_owned()),
            sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => {
                Self::AlreadyExists(format!("already exists ({})", db.constraint().unwrap_or("unique key")))
            }
            sqlx::Error::Database(db) if db.code().as_deref() == Some("40001") => Self::Aborted("concurrent update, retry".to_owned()),
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => Self::Unavailable("database unreachable".to_owned()),
            _ => Self::Internal(error.into()),
        }
    }
}

/// Violations named in a status message, and carried as details.
const MAX_MESSAGE_VIOLATIONS: usize = 10;
const MAX_DETAILED_VIOLATIONS: usize = 100;

impl From<ApiError> for Status {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::InvalidArgument(violations) => {
                // Status travels in HTTP/2 trailers, whose size peers limit (16 KiB is common):
                // a bulk import with thousands of bad rows lists the first ones and says how many
                // more there are, rather than losing the whole answer.
                let shown = &violations[..violations.len().min(MAX_MESSAGE_VIOLATIONS)];
                let mut message = format!("invalid argument: {}", describe(shown));
                if violations.len() > shown.len() {
                    message.push_str(&format!("; and {} more", violations.len() - shown.len()));
                }
                let mut details = ErrorDetails::new();
                for v in violations.iter().take(MAX_DETAILED_VIOLATIONS) {
                    details.add_bad_request_violation(v.field.clone(), v.description.clone());
                }
                if violations.len() > MAX_DETAILED_VIOLATIONS {
                    let more = violations.len() - MAX_DETAILED_VIOLATIONS;
                    details.add_bad_request_violation("", format!("{more} more violations are not listed; fix these and send again"));
                }
                Status::with_error_details(Code::InvalidArgument, message, details)
            }
            ApiError::NotFound(what) => Status::not_found(format!("{what} not found")),
            ApiError::AlreadyExists(m) => Status::already_exists(m),
            ApiError::FailedPrecondition(m) => Status::failed_precondition(m),
            ApiError::Aborted(m) => Status::aborted(m),
            ApiError::Unauthenticated(m) => Status::unauthenticated(m),
            ApiError::PermissionDenied(m) => Status::permission_denied(m),
            ApiError::ResourceExhausted(m) => Status::resource_exhausted(m),
            ApiError::Unavailable(m) => {
                tracing::warn!(reason = %m, "dependency unavailable");
                Status::unavailable(m)
            }
            ApiError::Internal(source) => {
                tracing::error!(error = ?source, "internal error");
                Status::internal("internal error")
            }
        }
    }
}

/// Reads the field violations back out of a `Status` (clients and tests).
pub fn field_violations(status: &Status) -> Vec<FieldViolation> {
    status
        .get_error_details()
        .bad_request()
        .map(|br| br.field_violations.iter().map(|v| FieldViolation::new(v.field.clone(), v.description.clone())).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_argument_carries_every_field_as_a_detail() {
        let status = Status::from(ApiError::InvalidArgument(vec![
            FieldViolation::new("region_code", "unknown region \"XX\""),
            FieldViolation::new("name", "must not be empty"),
        ]));
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().contains("region_code"));
        let fields: Vec<_> = field_violations(&status).into_iter().map(|v| v.field).collect();
        assert_eq!(fields, ["region_code", "name"]);
    }

    #[test]
    fn thousands_of_violations_are_capped_with_a_count() {
        let many = (0..5000).map(|i| FieldViolation::new(format!("rows[{i}].delivery"), "is not a delivery category")).collect();
        let status = Status::from(ApiError::InvalidArgument(many));
        let details = field_violations(&status);
        assert_eq!(details.len(), MAX_DETAILED_VIOLATIONS + 1);
        assert_eq!(details[0].field, "rows[0].delivery");
        assert!(details.last().unwrap().description.starts_with("4900 more"));
        assert!(status.message().ends_with("; and 4990 more"), "{}", status.message());
        assert!(status.message().len() < 2000);
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let status = Status::from(ApiError::internal(anyhow::anyhow!("password=hunter2 leaked")));
        assert_eq!(status.code(), Code::Internal);
        assert!(!status.message().contains("hunter2"));
    }

    #[test]
    fn pool_timeouts_are_unavailable() {
        assert_eq!(Status::from(ApiError::from(sqlx::Error::PoolTimedOut)).code(), Code::Unavailable);
    }
}
