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

/// What a status may carry. A status travels in HTTP/2 trailers, which peers limit (8 KiB is
/// common, the gateway's proxy 16 KiB), and an error that does not fit turns into a transport
/// failure that a retry can never mend. So the message names at most a few violations, the
/// details carry as many as fit in a byte budget and count the rest, and every text is cut to a
/// short prefix: an error is a few hundred bytes whatever the caller sent. Where a caller needs
/// the full list of problems (a roster check, a timetable validation) the response body carries it.
pub mod limits {
    /// Violations named in the message.
    pub const MESSAGE_VIOLATIONS: usize = 3;
    /// Bytes of a message.
    pub const MESSAGE_BYTES: usize = 300;
    /// Bytes of all the field violations carried as details, together.
    pub const DETAIL_BYTES: usize = 1024;
    /// Bytes of one field path or one description.
    pub const TEXT_BYTES: usize = 120;
    /// Characters of a caller's value quoted back by [`super::quote`].
    pub const QUOTED_CHARS: usize = 40;
}

/// Quotes a caller's value for an error message: at most a short prefix, so a long or hostile
/// value is never echoed back whole (`"abc…" (12,000 characters)`).
pub fn quote(value: &str) -> String {
    let count = value.chars().count();
    if count <= limits::QUOTED_CHARS {
        format!("{value:?}")
    } else {
        let prefix: String = value.chars().take(limits::QUOTED_CHARS).collect();
        format!("\"{}…\" ({count} characters)", prefix.escape_debug())
    }
}

/// Cuts `text` to at most `max` bytes on a character boundary, marking the cut with `…`.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn invalid_argument_status(violations: &[FieldViolation]) -> Status {
    let shown = &violations[..violations.len().min(limits::MESSAGE_VIOLATIONS)];
    let named = shown.iter().map(|v| format!("{}: {}", cut(&v.field, limits::TEXT_BYTES), cut(&v.description, limits::TEXT_BYTES))).collect::<Vec<_>>();
    let mut message = format!("invalid argument: {}", named.join("; "));
    if violations.len() > shown.len() {
        message.push_str(&format!("; and {} more", violations.len() - shown.len()));
    }
    let message = cut(&message, limits::MESSAGE_BYTES);

    let mut details = ErrorDetails::new();
    let mut budget = limits::DETAIL_BYTES;
    let mut carried = 0;
    for v in violations {
        let (field, description) = (cut(&v.field, limits::TEXT_BYTES), cut(&v.description, limits::TEXT_BYTES));
        let size = field.len() + description.len() + 8;
        if size > budget {
            break;
        }
        budget -= size;
        details.add_bad_request_violation(field, description);
        carried += 1;
    }
    if carried < violations.len() {
        let more = violations.len() - carried;
        details.add_bad_request_violation("", format!("{more} more violations are not listed; fix these and send again"));
    }
    Status::with_error_details(Code::InvalidArgument, message, details)
}

impl From<ApiError> for Status {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::InvalidArgument(violations) => invalid_argument_status(&violations),
            ApiError::NotFound(what) => Status::not_found(cut(&format!("{what} not found"), limits::MESSAGE_BYTES)),
            ApiError::AlreadyExists(m) => Status::already_exists(cut(&m, limits::MESSAGE_BYTES)),
            ApiError::FailedPrecondition(m) => Status::failed_precondition(cut(&m, limits::MESSAGE_BYTES)),
            ApiError::Aborted(m) => Status::aborted(cut(&m, limits::MESSAGE_BYTES)),
            ApiError::Unauthenticated(m) => Status::unauthenticated(cut(&m, limits::MESSAGE_BYTES)),
            ApiError::PermissionDenied(m) => Status::permission_denied(cut(&m, limits::MESSAGE_BYTES)),
            ApiError::ResourceExhausted(m) => Status::resource_exhausted(cut(&m, limits::MESSAGE_BYTES)),
            ApiError::Unavailable(m) => {
                tracing::warn!(reason = %m, "dependency unavailable");
                Status::unavailable(cut(&m, limits::MESSAGE_BYTES))
            }
            ApiError::Internal(source) => {
                tracing::error!(error = ?source, "internal error");
                Status::internal("internal error")
            }
        }
    }
}

/// The encoded size of a status as it travels: message and details (what trailers carry).
pub fn encoded_size(status: &Status) -> usize {
    status.message().len() + status.details().len()
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
    fn thousands_of_violations_are_capped_by_bytes_with_a_count() {
        let many = (0..5000).map(|i| FieldViolation::new(format!("rows[{i}].delivery"), "is not a delivery category")).collect();
        let status = Status::from(ApiError::InvalidArgument(many));
        let details = field_violations(&status);
        assert_eq!(details[0].field, "rows[0].delivery");
        let listed = details.len() - 1;
        assert!(listed >= 10, "{listed}");
        assert!(details.last().unwrap().description.starts_with(&format!("{} more", 5000 - listed)));
        assert!(status.message().ends_with("; and 4997 more"), "{}", status.message());
        assert!(encoded_size(&status) < 2048, "{}", encoded_size(&status));
    }

    #[test]
    fn a_long_bad_value_is_never_echoed_whole() {
        let long = "ж".repeat(20_000);
        let status = Status::from(ApiError::InvalidArgument(vec![
            FieldViolation::new("school_id", format!("{} is not a UUID", quote(&long))),
            FieldViolation::new(long.clone(), long.clone()),
        ]));
        assert!(encoded_size(&status) < 1280, "{}", encoded_size(&status));
        assert!(status.message().contains("(20000 characters)"), "{}", status.message());
        assert_eq!(field_violations(&status)[0].field, "school_id");
        let not_found = Status::from(ApiError::NotFound(long));
        assert!(encoded_size(&not_found) <= limits::MESSAGE_BYTES);
    }

    #[test]
    fn short_values_are_quoted_whole() {
        assert_eq!(quote("KZ-XX"), "\"KZ-XX\"");
        assert_eq!(quote(&"a".repeat(41)), format!("\"{}…\" (41 characters)", "a".repeat(40)));
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
