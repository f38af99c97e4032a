//! Pure rules of the schedule domain: no I/O here.

pub mod deadlines;
pub mod grid_publication;
pub mod people;
pub mod roster;
pub mod school;
pub mod school_year;
pub mod timetable;
