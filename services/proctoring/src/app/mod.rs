//! The use cases: what one RPC (or, later, one consumed event) does, calling the domain's rules
//! and the repository, and building the events the repository writes with the change.

mod sessions;

pub use sessions::SessionsApp;
