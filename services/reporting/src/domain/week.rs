//! Weeks: Monday to Sunday, in the time zone of the school's region (the SQL takes each school's
//! zone); a query spans at most a school year.

use chrono::{Datelike, Days, NaiveDate};

/// The most weeks one query or report spans.
pub const MAX_WEEKS: i64 = 53;

/// The Monday of the week a date falls in.
pub fn monday_of(date: NaiveDate) -> NaiveDate {
    date - Days::new(u64::from(date.weekday().num_days_from_monday()))
}

/// The Monday of the week before.
pub fn previous(monday: NaiveDate) -> NaiveDate {
    monday - Days::new(7)
}

/// Why a week range is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("ends before it starts")]
    Backwards,
    #[error("spans more than {MAX_WEEKS} weeks (a school year)")]
    TooLong,
}

/// The Mondays of the first and last week of a range of days.
pub fn range(from: NaiveDate, to: NaiveDate) -> Result<(NaiveDate, NaiveDate), RangeError> {
    let (first, last) = (monday_of(from), monday_of(to));
    if last < first {
        return Err(RangeError::Backwards);
    }
    if (last - first).num_weeks() + 1 > MAX_WEEKS {
        return Err(RangeError::TooLong);
    }
    Ok((first, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(monday_of(d(2020, 4, 12)), d(2020, 4, 6));
        assert_eq!(monday_of(d(2020, 4, 6)), d(2020, 4, 6));
        assert_eq!(previous(d(2020, 4, 6)), d(2020, 3, 30));
    }

    #[test]
    fn ranges_are_forwards_and_at_most_a_school_year() {
        assert_eq!(range(d(2020, 4, 8), d(2020, 4, 20)), Ok((d(2020, 4, 6), d(2020, 4, 20))));
        assert_eq!(range(d(2020, 4, 20), d(2020, 4, 8)), Err(RangeError::Backwards));
        assert_eq!(range(d(2020, 1, 1), d(2021, 1, 10)), Err(RangeError::TooLong));
        assert!(range(d(2020, 1, 1), d(2020, 12, 31)).is_ok());
    }
}
