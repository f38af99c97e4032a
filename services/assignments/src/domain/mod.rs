//! The assignments domain: types and rules, no I/O and no protobuf.

pub mod homework;
