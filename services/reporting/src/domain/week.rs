//! Weeks: Monday to Sunday, in the time zone of the school's region (the SQL takes each school's
//! zone); a query spans at most a school year.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use chrono_tz::Tz;

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

/// The start of the counting block an instant falls in: the latest local midnight, in any of
/// `zones`, at or before it. Counters are keyed by it: a block never straddles a midnight of any
/// region, so the week a count belongs to is read exactly in each school's own zone, and a day
/// has as many blocks as the country has distinct midnights (two in 2020, one since 2024) rather
/// than 24 hours.
pub fn block_of(at: DateTime<Utc>, zones: &[Tz]) -> DateTime<Utc> {
    zones
        .iter()
        .filter_map(|zone| {
            let local = at.with_timezone(zone).date_naive();
            local.and_hms_opt(0, 0, 0).and_then(|midnight| midnight.and_local_timezone(*zone).earliest()).map(|m| m.with_timezone(&Utc))
        })
        .max()
        .unwrap_or(at)
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
    fn blocks_start_at_the_latest_midnight_of_any_zone() {
        let zones = [chrono_tz::Asia::Almaty, chrono_tz::Asia::Aqtobe];
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // April 2020: Almaty UTC+6 (midnight 18:00 UTC), Aqtobe UTC+5 (midnight 19:00 UTC).
        assert_eq!(block_of(at("2020-04-15T12:34:00Z"), &zones), at("2020-04-14T19:00:00Z"));
        assert_eq!(block_of(at("2020-04-15T18:30:00Z"), &zones), at("2020-04-15T18:00:00Z"));
        assert_eq!(block_of(at("2020-04-15T19:00:00Z"), &zones), at("2020-04-15T19:00:00Z"));
        // Since March 2024 the country has one zone: one block a day.
        assert_eq!(block_of(at("2025-04-15T18:30:00Z"), &zones), at("2025-04-14T19:00:00Z"));
    }

    #[test]
    fn ranges_are_forwards_and_at_most_a_school_year() {
        assert_eq!(range(d(2020, 4, 8), d(2020, 4, 20)), Ok((d(2020, 4, 6), d(2020, 4, 20))));
        assert_eq!(range(d(2020, 4, 20), d(2020, 4, 8)), Err(RangeError::Backwards));
        assert_eq!(range(d(2020, 1, 1), d(2021, 1, 10)), Err(RangeError::TooLong));
        assert!(range(d(2020, 1, 1), d(2020, 12, 31)).is_ok());
    }
}
