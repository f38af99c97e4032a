//! The assignments domain: types and rules, no I/O and no protobuf.

pub mod absence;
pub mod attachment;
pub mod homework;
pub mod mark;
pub mod paper;
pub mod submission;
