//! School timetables aligned with the TV grid (R-SCH-1 … R-SCH-3, R-REF-3), as pure rules:
//! the school's inputs (`model`), every rule a timetable must keep (`rules`, listing every
//! violation), and a generator that builds a timetable keeping all of them or says which rule
//! cannot be met for whom (`solver`).

pub mod model;
pub mod rules;
pub mod solver;

pub use model::*;
