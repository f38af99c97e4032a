//! The use cases: applying an event to the projections, and reading a report.

mod connectivity;

pub use connectivity::{ConnectivityReports, Projections};
