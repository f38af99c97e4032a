//! SQL of the schedule service's own schema, taking and returning domain types. A change and
//! its event are written in one transaction: the repositories are handed the events (built by
//! `crate::events` in the use cases) and never build one themselves.

pub mod deadlines;
pub mod pupils;
pub mod realignments;
pub mod schools;
pub mod timetables;

pub use schools::{SchoolCursor, SchoolRepo};
