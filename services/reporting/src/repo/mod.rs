//! SQL of the projections and kept reports, taking and returning domain types.

mod connectivity;
pub mod event_log;
mod indicators;
pub mod projections;
mod reports;

pub use connectivity::ConnectivityRepo;
pub use indicators::{Filter, IndicatorRepo};
pub use reports::{ReportRepo, RowFilter};
