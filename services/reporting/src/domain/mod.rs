//! The reporting domain: the projections' types and the rules that aggregate them, no I/O and
//! no protobuf.

pub mod aggregate;
pub mod connectivity;
pub mod facts;
pub mod indicators;
pub mod latency;
pub mod report;
pub mod week;
