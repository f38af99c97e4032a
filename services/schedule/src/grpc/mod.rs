//! Transport: converts protobuf to domain types, calls the domain and the repository, maps errors.

pub mod catalogue;
pub mod convert;
pub mod directory;
pub mod timetable;
