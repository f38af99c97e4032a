//! SQL of the schedule service's own schema, taking and returning domain types. A change and
//! its event are written in one transaction (the events are built by `crate::events`).

pub mod pupils;
pub mod schools;
pub mod timetables;

pub use schools::{SchoolCursor, SchoolRepo};
