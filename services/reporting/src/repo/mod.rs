//! SQL of the projections, taking and returning domain types.

mod connectivity;

pub use connectivity::ConnectivityRepo;
