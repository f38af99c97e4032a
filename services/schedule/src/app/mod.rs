//! The use cases of the schedule service: what one RPC, one consumed event or one job does,
//! calling the domain's rules, the repositories and the TV grid service.
//!
//! - [`directory`]: schools, districts, pupils and parents; [`catalogue`]: the national catalogue;
//! - [`timetables`]: classes, teachers and timetable versions (generated, checked, uploaded);
//! - [`today`]: "what is on today" for a class or a pupil, the school calendar and iCalendar;
//! - [`planning`]: what a school's timetable is built from and checked against;
//! - [`realign`]: timetables realigned after a new TV grid (a job per school);
//! - [`deadlines`]: homework deadlines learnt from HomeworkPosted;
//! - [`roster_import`]: bulk CSV import of classes, teachers and pupils;
//! - [`tv`]: the TV grid service's days, in the schedule's terms; [`ical`]: calendars rendered.

pub mod catalogue;
pub mod deadlines;
pub mod directory;
pub mod ical;
pub mod planning;
pub mod realign;
pub mod roster_import;
pub mod timetables;
pub mod today;
pub mod tv;
