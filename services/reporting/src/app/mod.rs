//! The use cases: applying events to the projections and rebuilding them, reading indicators,
//! and the weekly report.

mod connectivity;
pub mod indicators;
mod projections;
pub mod reports;

pub use connectivity::ConnectivityReports;
pub use indicators::Indicators;
pub use projections::{Projections, Rebuild};
pub use reports::Reports;
