//! Pure content checks: no I/O.

pub mod atomic;
pub mod sniff;
