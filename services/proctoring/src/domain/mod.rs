//! Pure rules of proctored sessions.

pub mod lifecycle;
