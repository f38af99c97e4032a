//! Homework deadlines as this service knows them (R-SCH-5): learnt from the assignments service's
//! events, shown on the class's day in the school's local time.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

/// A homework's deadline for its class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub homework_id: Uuid,
    pub class_id: Uuid,
    pub subject: String,
    pub at: DateTime<Utc>,
}

/// The instants a local date of `zone` spans, [from, to); `None` for a date a zone skips whole.
pub fn local_day(zone: Tz, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let midnight = |d: NaiveDate| zone.from_local_datetime(&d.and_time(NaiveTime::MIN)).earliest().map(|t| t.with_timezone(&Utc));
    Some((midnight(date)?, midnight(date.succ_opt()?)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_ref_4_a_local_day_is_the_regions_own() {
        let date = NaiveDate::from_ymd_opt(2020, 4, 6).unwrap();
        let (from, to) = local_day(chrono_tz::Asia::Almaty, date).unwrap();
        assert_eq!(from, Utc.with_ymd_and_hms(2020, 4, 5, 18, 0, 0).unwrap());
        assert_eq!(to - from, chrono::Duration::hours(24));
        let (atyrau, _) = local_day(chrono_tz::Asia::Atyrau, date).unwrap();
        assert_eq!(atyrau - from, chrono::Duration::hours(1), "UTC+5 begins its day an hour later");
    }
}
