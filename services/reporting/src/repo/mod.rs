//! SQL of the projections and kept reports, taking and returning domain types.

mod connectivity;
pub mod event_log;
mod indicators;
pub mod projections;
mod reports;

pub use connectivity::ConnectivityRepo;
pub use indicators::{Filter, IndicatorRepo};
pub use reports::{ReportRepo, RowFilter};

/// Each region of the catalogue with its zone: the one list the counters' blocks (written) and
/// the weeks (read) are taken from.
pub fn catalogue_zones() -> Vec<(String, chrono_tz::Tz)> {
    qashyq_catalogue::catalogue().regions().iter().map(|r| (r.code.clone(), r.time_zone)).collect()
}
