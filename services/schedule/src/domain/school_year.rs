//! The school calendar (R-SCH-4): terms, breaks, public holidays and the year's remote events at
//! the times the order gives per grade group. Data in `data/school_year_*.toml`; pure lookups.

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use qashyq_catalogue::Grade;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Period {
    pub name: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

impl Period {
    fn contains(&self, date: NaiveDate) -> bool {
        (self.first_day..=self.last_day).contains(&date)
    }
}

#[derive(Debug, Clone, Deserialize)]
struct Holiday {
    date: NaiveDate,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GradeTime {
    /// First and last grade, inclusive.
    pub grades: [u8; 2],
    pub at: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    pub kind: String,
    pub title: String,
    pub date: NaiveDate,
    pub times: Vec<GradeTime>,
}

impl Event {
    /// When the event is held for `grade`, if it is held for it.
    pub fn time_for(&self, grade: Grade) -> Option<NaiveTime> {
        let time = self.times.iter().find(|t| (t.grades[0]..=t.grades[1]).contains(&grade.value()))?;
        NaiveTime::parse_from_str(&time.at, "%H:%M").ok()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct SchoolYear {
    pub name: String,
    #[serde(default, rename = "term")]
    pub terms: Vec<Period>,
    #[serde(default, rename = "break")]
    pub breaks: Vec<Period>,
    #[serde(default, rename = "holiday")]
    holidays: Vec<Holiday>,
    #[serde(default, rename = "event")]
    pub events: Vec<Event>,
}

/// What a date is for lessons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    SchoolDay {
        term: String,
    },
    Weekend,
    Holiday,
    Break {
        name: String,
    },
    /// No transcribed calendar covers the date: read as an ordinary weekday.
    Unknown,
}

impl DayKind {
    /// Whether a class's own lessons take place.
    pub fn has_lessons(&self) -> bool {
        matches!(self, DayKind::SchoolDay { .. } | DayKind::Unknown)
    }
}

impl SchoolYear {
    pub fn read(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// The 2019–2020 year of the spring 2020 orders.
    pub fn spring_2020() -> Self {
        Self::read(include_str!("../../data/school_year_2019_2020.toml")).expect("the bundled school year reads")
    }

    pub fn day(&self, date: NaiveDate) -> DayKind {
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            return DayKind::Weekend;
        }
        if self.holidays.iter().any(|h| h.date == date) {
            return DayKind::Holiday;
        }
        if let Some(period) = self.breaks.iter().find(|b| b.contains(date)) {
            return DayKind::Break { name: period.name.clone() };
        }
        match self.terms.iter().find(|t| t.contains(date)) {
            Some(term) => DayKind::SchoolDay { term: term.name.clone() },
            None => DayKind::Unknown,
        }
    }

    /// The events of `date` held for `grade`, with their times.
    pub fn events_for(&self, grade: Grade, date: NaiveDate) -> Vec<(&Event, NaiveTime)> {
        self.events.iter().filter(|e| e.date == date).filter_map(|e| e.time_for(grade).map(|t| (e, t))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, m, d).unwrap()
    }

    #[test]
    fn r_sch_4_spring_break_holidays_and_the_fourth_quarter() {
        let year = SchoolYear::spring_2020();
        assert_eq!(year.day(date(3, 16)), DayKind::Break { name: "spring break (21 days)".into() });
        assert_eq!(year.day(date(4, 3)), DayKind::Break { name: "spring break (21 days)".into() }, "5 April is the last day of the break");
        assert_eq!(year.day(date(4, 6)), DayKind::SchoolDay { term: "quarter 4".into() });
        assert_eq!(year.day(date(5, 1)), DayKind::Holiday);
        assert_eq!(year.day(date(5, 9)), DayKind::Weekend);
        assert!(year.day(date(5, 22)).has_lessons() && !year.day(date(5, 25)).has_lessons(), "the year ends with the quarter");
        assert_eq!(year.day(date(2, 3)), DayKind::Unknown, "earlier quarters are not transcribed");
        let break_days = year.breaks[0].first_day.iter_days().take_while(|d| *d <= year.breaks[0].last_day).count();
        assert_eq!(break_days, 21);
    }

    #[test]
    fn r_sch_4_trial_lessons_meetings_and_class_hours_at_the_grade_groups_times() {
        let year = SchoolYear::spring_2020();
        let at = |grade: i64, m, d| {
            year.events_for(Grade::new(grade).unwrap(), date(m, d)).iter().map(|(e, t)| (e.kind.clone(), t.format("%H:%M").to_string())).collect::<Vec<_>>()
        };
        assert_eq!(at(3, 4, 1), [("trial-lessons".to_owned(), "09:00".to_owned())]);
        assert_eq!(at(10, 4, 1), [("trial-lessons".to_owned(), "14:00".to_owned())]);
        assert_eq!(at(0, 4, 2), [("parent-meeting".to_owned(), "10:00".to_owned())]);
        assert_eq!(at(7, 4, 2), [("parent-meeting".to_owned(), "12:00".to_owned())]);
        assert_eq!(at(11, 4, 3), [("class-hour".to_owned(), "14:00".to_owned())]);
        assert!(at(5, 4, 6).is_empty());
    }
}
