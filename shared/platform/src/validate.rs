//! Request validation that collects every offending field before answering, so a caller fixes
//! all of them in one round trip.

use uuid::Uuid;

use crate::error::{ApiError, FieldViolation, quote};

#[derive(Debug, Default)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(FieldViolation::new(field, description));
    }

    /// Parses a UUID field, recording a violation when it is empty or malformed.
    pub fn uuid(&mut self, field: &str, value: &str) -> Option<Uuid> {
        if value.is_empty() {
            self.add(field, "is required");
            return None;
        }
        match Uuid::parse_str(value) {
            Ok(id) => Some(id),
            Err(_) => {
                self.add(field, format!("{} is not a UUID", quote(value)));
                None
            }
        }
    }

    /// Checks a required text field, trimmed, of at most `max_chars` characters.
    pub fn text<'a>(&mut self, field: &str, value: &'a str, max_chars: usize) -> Option<&'a str> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.add(field, "is required");
            None
        } else if trimmed.chars().count() > max_chars {
            self.add(field, format!("is longer than {max_chars} characters"));
            None
        } else {
            Some(trimmed)
        }
    }

    /// Records a violation for an enum left at its `*_UNSPECIFIED` value or set to an unknown number.
    pub fn known_enum<T>(&mut self, field: &str, raw: i32, parsed: Result<T, impl std::fmt::Debug>, unspecified: T) -> Option<T>
    where
        T: PartialEq,
    {
        match parsed {
            Ok(value) if value != unspecified => Some(value),
            Ok(_) => {
                self.add(field, "is required");
                None
            }
            Err(_) => {
                self.add(field, format!("{raw} is not a known value"));
                None
            }
        }
    }

    /// Reads a required timestamp field.
    pub fn timestamp(&mut self, field: &str, value: Option<&prost_types::Timestamp>) -> Option<chrono::DateTime<chrono::Utc>> {
        match value {
            None => {
                self.add(field, "is required");
                None
            }
            Some(ts) => {
                let at = crate::time::from_timestamp(ts);
                if at.is_none() {
                    self.add(field, "is not a valid time");
                }
                at
            }
        }
    }

    /// Reads a required calendar date field.
    pub fn local_date(&mut self, field: &str, value: Option<&qashyq_proto::common::v1::LocalDate>) -> Option<chrono::NaiveDate> {
        let Some(date) = value else {
            self.add(field, "is required");
            return None;
        };
        let parsed = crate::time::from_local_date(date);
        if parsed.is_none() {
            self.add(field, format!("{}-{}-{} is not a date", date.year, date.month, date.day));
        }
        parsed
    }

    /// Reads a grade field (0–12).
    pub fn grade(&mut self, field: &str, raw: i32) -> Option<qashyq_catalogue::Grade> {
        let grade = qashyq_catalogue::Grade::new(raw.into());
        if grade.is_none() {
            self.add(field, format!("{raw} is not a grade (0–12)"));
        }
        grade
    }

    /// Reads a required region code of the catalogue (R-REF-1), e.g. "KZ-ALA".
    pub fn region(&mut self, field: &str, raw: &str) -> Option<&'static qashyq_catalogue::Region> {
        let code = raw.trim();
        if code.is_empty() {
            self.add(field, "is required");
            return None;
        }
        let region = qashyq_catalogue::catalogue().region(code);
        if region.is_none() {
            self.add(field, format!("{} is not a region code of the catalogue (e.g. KZ-ALA)", crate::error::quote(code)));
        }
        region
    }

    /// Reads a subject in any spelling the catalogue knows and returns its code (R-REF-2).
    pub fn subject(&mut self, field: &str, name: &str) -> Option<String> {
        match qashyq_catalogue::catalogue().resolve_subject(name) {
            Ok(subject) => Some(subject.code.clone()),
            Err(error) => {
                self.add(field, error.to_string());
                None
            }
        }
    }

    /// Reads `first_day` and `last_day`: both required, in order, at most `max_days` apart.
    pub fn date_range(
        &mut self,
        first: Option<&qashyq_proto::common::v1::LocalDate>,
        last: Option<&qashyq_proto::common::v1::LocalDate>,
        max_days: i64,
    ) -> Option<(chrono::NaiveDate, chrono::NaiveDate)> {
        let first = self.local_date("first_day", first);
        let last = self.local_date("last_day", last);
        let (first, last) = (first?, last?);
        if first > last {
            self.add("last_day", format!("{last} is before first_day {first}"));
            return None;
        }
        if (last - first).num_days() >= max_days {
            self.add("last_day", format!("a range covers at most {max_days} days"));
            return None;
        }
        Some((first, last))
    }

    /// Checks a repeated field's bound (R-GW-5): records "has N entries; at most M" and returns
    /// false when `len` is over it, so the caller skips reading the entries one by one (20,000
    /// entries must not produce 20,000 violations).
    pub fn at_most(&mut self, field: &str, len: usize, max: usize) -> bool {
        if len > max {
            self.add(field, format!("has {len} entries; at most {max}"));
            return false;
        }
        true
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Returns `Ok` when nothing was recorded, else `INVALID_ARGUMENT` with every violation.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() { Ok(()) } else { Err(ApiError::InvalidArgument(self.0)) }
    }

    /// The error of the violations recorded so far, to stop reading early (a list over its bound
    /// is not read further). With none recorded, stopping is the handler's bug: `INTERNAL`.
    pub fn refuse(self) -> ApiError {
        match self.finish() {
            Err(error) => error,
            Ok(()) => ApiError::internal(anyhow::anyhow!("a request was refused without a violation")),
        }
    }

    /// Finishes reading a request into its typed values: every field read (`Some`) when nothing
    /// was recorded, else `INVALID_ARGUMENT` with every violation. Parse, don't validate: the
    /// caller gets the values, never an `Option` to unwrap after a check.
    pub fn values<T: AllRead>(self, read: T) -> Result<T::Values, ApiError> {
        self.finish()?;
        read.all().ok_or_else(|| ApiError::internal(anyhow::anyhow!("a field read without a violation has no value")))
    }
}

/// Fields read from a request (`Option`s), all present or not.
pub trait AllRead {
    type Values;
    fn all(self) -> Option<Self::Values>;
}

impl<A> AllRead for Option<A> {
    type Values = A;
    fn all(self) -> Option<A> {
        self
    }
}

macro_rules! all_read_tuple {
    ($($name:ident),+) => {
        impl<$($name),+> AllRead for ($(Option<$name>,)+) {
            type Values = ($($name,)+);
            #[allow(non_snake_case)]
            fn all(self) -> Option<Self::Values> {
                let ($($name,)+) = self;
                Some(($($name?,)+))
            }
        }
    };
}

all_read_tuple!(A);
all_read_tuple!(A, B);
all_read_tuple!(A, B, C);
all_read_tuple!(A, B, C, D);
all_read_tuple!(A, B, C, D, E);
all_read_tuple!(A, B, C, D, E, F);
all_read_tuple!(A, B, C, D, E, F, G);
all_read_tuple!(A, B, C, D, E, F, G, H);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_given_only_when_every_field_was_read() {
        let mut v = Violations::new();
        let id = v.uuid("school_id", "0196a000-0000-7000-8000-000000000000");
        let name = v.text("name", " No. 1 ", 10);
        let (id, name) = v.values((id, name)).unwrap();
        assert_eq!((id.to_string().len(), name), (36, "No. 1"));
        let mut v = Violations::new();
        let id = v.uuid("school_id", "nope");
        assert!(matches!(v.values(id), Err(ApiError::InvalidArgument(_))));
        // A field left unread without a violation is the handler's bug, not the caller's.
        assert!(matches!(Violations::new().values((Some(1), None::<u8>)), Err(ApiError::Internal(_))));
        let mut v = Violations::new();
        assert_eq!(v.region("region_code", " KZ-ATY ").map(|r| r.time_zone.name()), Some("Asia/Atyrau"));
        assert!(v.region("region_code", "KZ-XX").is_none() && v.region("other", "").is_none());
        let Err(ApiError::InvalidArgument(found)) = v.finish() else { panic!("two bad regions") };
        assert_eq!((found[0].field.as_str(), found[1].description.as_str()), ("region_code", "is required"));
        // Stopping early gives what was recorded; stopping with nothing recorded is a bug.
        let mut v = Violations::new();
        v.add("grid", "has 201 entries");
        assert!(matches!(v.refuse(), ApiError::InvalidArgument(list) if list.len() == 1));
        assert!(matches!(Violations::new().refuse(), ApiError::Internal(_)));
    }

    #[test]
    fn a_repeated_field_over_its_bound_is_one_violation() {
        let mut v = Violations::new();
        assert!(v.at_most("lessons", 10, 10));
        assert!(!v.at_most("parents", 20_000, 4));
        match v.finish() {
            Err(ApiError::InvalidArgument(list)) => assert_eq!(list, [FieldViolation::new("parents", "has 20000 entries; at most 4")]),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn collects_every_violation() {
        let mut v = Violations::new();
        assert!(v.uuid("school_id", "nope").is_none());
        assert!(v.text("name", "   ", 10).is_none());
        assert_eq!(v.text("title", " ok ", 10), Some("ok"));
        match v.finish() {
            Err(ApiError::InvalidArgument(list)) => {
                assert_eq!(list.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["school_id", "name"]);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
