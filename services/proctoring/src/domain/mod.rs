//! The proctoring domain: types and rules, no I/O and no protobuf.

pub mod lifecycle;
pub mod session;
