//! Conversions between `chrono` times and dates and their protobuf forms.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use qashyq_proto::common::v1::LocalDate;

pub fn to_timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp { seconds: at.timestamp(), nanos: at.timestamp_subsec_nanos() as i32 }
}

/// Returns `None` for a timestamp outside chrono's range or with negative nanoseconds.
pub fn from_timestamp(ts: &prost_types::Timestamp) -> Option<DateTime<Utc>> {
    u32::try_from(ts.nanos).ok().and_then(|nanos| DateTime::from_timestamp(ts.seconds, nanos))
}

pub fn to_local_date(date: NaiveDate) -> LocalDate {
    LocalDate { year: date.year(), month: date.month() as i32, day: date.day() as i32 }
}

/// Returns `None` for a day that does not exist (2020-02-30) or out-of-range numbers.
pub fn from_local_date(date: &LocalDate) -> Option<NaiveDate> {
    let month = u32::try_from(date.month).ok()?;
    let day = u32::try_from(date.day).ok()?;
    NaiveDate::from_ymd_opt(date.year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_nonsense() {
        let at = DateTime::from_timestamp(1_586_152_800, 123_000).unwrap();
        assert_eq!(from_timestamp(&to_timestamp(at)), Some(at));
        assert_eq!(from_timestamp(&prost_types::Timestamp { seconds: 0, nanos: -1 }), None);
        assert_eq!(from_timestamp(&prost_types::Timestamp { seconds: i64::MAX, nanos: 0 }), None);
    }

    #[test]
    fn local_dates_round_trip_and_refuse_days_that_do_not_exist() {
        let day = NaiveDate::from_ymd_opt(2020, 4, 6).unwrap();
        assert_eq!(from_local_date(&to_local_date(day)), Some(day));
        assert_eq!(from_local_date(&LocalDate { year: 2020, month: 2, day: 30 }), None);
        assert_eq!(from_local_date(&LocalDate { year: 2020, month: -1, day: 1 }), None);
    }
}
