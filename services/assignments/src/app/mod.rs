//! The use cases: what one RPC or one consumed event does, calling the domain's rules and the
//! repository, and building events ([`crate::events`]) for the repository to write with the
//! change.

mod homework;

pub use homework::HomeworkApp;
