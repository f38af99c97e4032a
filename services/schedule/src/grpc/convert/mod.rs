//! The only conversion between the schedule service's API messages and its domain types:
//! requests are read once into typed values (or `INVALID_ARGUMENT` naming every bad field), and
//! answers built from what the use cases return. `catalogue`, `directory` and `timetable` for
//! the three services' calls; what they share is here.

pub mod catalogue;
pub mod directory;
pub mod timetable;

use qashyq_platform::validate::Violations;
use qashyq_proto::schedule::v1 as pb;

use crate::domain::people::Delivery;

pub fn delivery_to_proto(delivery: Delivery) -> pb::Delivery {
    match delivery {
        Delivery::Broadband => pb::Delivery::Broadband,
        Delivery::TvOnly => pb::Delivery::TvOnly,
        Delivery::Paper => pb::Delivery::Paper,
    }
}

/// A region code of the catalogue, required.
pub fn region_code(v: &mut Violations, field: &str, raw: &str) -> Option<String> {
    v.region(field, raw).map(|region| region.code.clone())
}
