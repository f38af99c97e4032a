//! SQL of the service's own schema, taking and returning domain types; events reach it already
//! built (it writes them to the outbox in the change's transaction, whatever they are).

mod homework;
pub mod schools;

pub use homework::HomeworkRepo;
pub use schools::{KnownSchool, SchoolRepo};
