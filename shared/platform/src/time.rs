//! Conversions between `chrono` times and protobuf `Timestamp`s.

use chrono::{DateTime, Utc};

pub fn to_timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp { seconds: at.timestamp(), nanos: at.timestamp_subsec_nanos() as i32 }
}

/// Returns `None` for a timestamp outside chrono's range or with negative nanoseconds.
pub fn from_timestamp(ts: &prost_types::Timestamp) -> Option<DateTime<Utc>> {
    u32::try_from(ts.nanos).ok().and_then(|nanos| DateTime::from_timestamp(ts.seconds, nanos))
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
}
