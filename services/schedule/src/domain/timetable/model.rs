//! What a timetable is made of. Times are minutes after local midnight (Asia/Almaty): a school
//! day never crosses midnight, and the TV grid gives its airings in local time.

use std::{collections::BTreeMap, fmt};

use qashyq_catalogue::{Grade, Language};

/// Minutes after local midnight.
pub type Minute = u16;

pub fn hhmm(minute: Minute) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// "HH:MM" → minutes after midnight.
pub fn parse_hhmm(text: &str) -> Option<Minute> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && m.to_string().len() <= 2).then_some(h * 60 + m)
}

/// A school day: timetables run Monday to Friday (R-SCH-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
}

impl Day {
    pub const ALL: [Day; 5] = [Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri];

    pub fn code(self) -> &'static str {
        ["mon", "tue", "wed", "thu", "fri"][self as usize]
    }

    pub fn parse(code: &str) -> Option<Day> {
        Self::ALL.into_iter().find(|d| d.code() == code.trim().to_ascii_lowercase())
    }

    /// The school day of a date; `None` at the weekend.
    pub fn of(date: chrono::NaiveDate) -> Option<Day> {
        use chrono::Datelike;
        Self::ALL.get(date.weekday().num_days_from_monday() as usize).copied()
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A half-open span of a day, [start, end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: Minute,
    pub end: Minute,
}

impl Span {
    pub fn new(start: Minute, minutes: Minute) -> Self {
        Span { start, end: start + minutes }
    }

    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn minutes(&self) -> Minute {
        self.end - self.start
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", hhmm(self.start), hhmm(self.end))
    }
}

/// Shifts of a school. In distance learning grades 0–9 learn in the morning and 10–11 in the
/// afternoon; in-person schools in shifts assign each class a shift (R-REF-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Shift {
    First,
    Second,
}

impl Shift {
    pub fn number(self) -> u8 {
        match self {
            Shift::First => 1,
            Shift::Second => 2,
        }
    }
}

/// How the school teaches (R-REF-1).
pub use crate::domain::school::LearningMode;

/// A class: its grade, language of instruction, shift and weekly load per subject (TV lessons
/// and own lessons together, R-SCH-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub id: String,
    pub grade: Grade,
    pub language: Language,
    pub shift: Shift,
    /// Catalogue subject code → lessons per week.
    pub weekly_load: BTreeMap<String, u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Teacher {
    pub id: String,
    pub subjects: Vec<String>,
    /// The one shift the teacher works in, when the school has fixed it (R-REF-3); otherwise
    /// the generator binds them to the shift of their first class.
    pub shift: Option<Shift>,
}

/// One TV lesson of a grade in a language on a weekday, at its air time (from the TV grid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TvLesson {
    pub subject: String,
    pub span: Span,
}

/// The TV grid of one week, per language, grade and day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TvWeek {
    pub lessons: BTreeMap<(Language, Grade, Day), Vec<TvLesson>>,
}

impl TvWeek {
    pub fn of(&self, language: Language, grade: Grade, day: Day) -> &[TvLesson] {
        self.lessons.get(&(language, grade, day)).map_or(&[], Vec::as_slice)
    }
}

/// Everything a school's timetable is built from and checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct School {
    pub mode: LearningMode,
    pub classes: Vec<Class>,
    pub teachers: Vec<Teacher>,
}

/// A school's own lesson (not a TV lesson).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lesson {
    pub class_id: String,
    pub day: Day,
    pub span: Span,
    pub subject: String,
    pub teacher_id: String,
}

/// A school's own lessons for a week; TV lessons come from the grid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timetable {
    pub lessons: Vec<Lesson>,
}

/// One stored version of a school's timetable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimetableVersion {
    pub version: i64,
    /// The Monday of the week it was built for.
    pub week_of: chrono::NaiveDate,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub timetable: Timetable,
}

/// The school day's rules (R-SCH-1, seed 000 order §1.10).
pub mod day_rules {
    use super::{Class, Minute, Shift};

    /// Own lessons last at most 30 minutes.
    pub const MAX_LESSON_MINUTES: Minute = 30;
    /// Own lessons are generated at this length.
    pub const LESSON_MINUTES: Minute = 30;
    /// The least break between two own lessons of a class.
    pub const BREAK_MINUTES: Minute = 10;
    /// Pre-school and grades 1–9 start at 08:30; grades 10–11 at 14:00.
    pub const MORNING_START: Minute = 8 * 60 + 30;
    pub const AFTERNOON_START: Minute = 14 * 60;
    /// How late own lessons may run: the morning shift hands over at 14:00, the afternoon
    /// ends at 19:00.
    pub const MORNING_END: Minute = 14 * 60;
    pub const AFTERNOON_END: Minute = 19 * 60;

    /// When the class's day starts: its grade's start, later still in the second shift.
    pub fn start(class: &Class) -> Minute {
        let by_grade = if class.grade.value() >= 10 { AFTERNOON_START } else { MORNING_START };
        match class.shift {
            Shift::First => by_grade,
            Shift::Second => by_grade.max(AFTERNOON_START),
        }
    }

    /// When the class's own lessons must end.
    pub fn end(class: &Class) -> Minute {
        if start(class) >= AFTERNOON_START { AFTERNOON_END } else { MORNING_END }
    }
}
