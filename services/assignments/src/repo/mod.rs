//! SQL of the service's own schema, taking and returning domain types. Writes take the caller's
//! transaction (`&mut PgConnection`) so a use case makes its change, its history and its events
//! (the outbox) commit together; reads take any executor.

pub mod absences;
pub mod attachments;
pub mod directory;
pub mod homework;
pub mod marks;
pub mod paper;
pub mod schools;
pub mod submissions;

pub use schools::{KnownSchool, SchoolRepo};
