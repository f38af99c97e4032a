//! The reporting domain: the projections' types and the rules that aggregate them, no I/O and
//! no protobuf.

pub mod connectivity;
