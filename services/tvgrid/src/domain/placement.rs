//! R-TV-2: turning the weekly grid into concrete airings for a campaign. Lessons last 10
//! minutes, Monday to Friday, from 09:00 to 15:00 local time (Asia/Almaty, from the time-zone
//! database: UTC+6 in 2020, UTC+5 since 1 March 2024). Each language's lessons air on its TV
//! channel, and the same lessons as audio on its radio channel (R-TV-1); on a channel the
//! grades follow each other in order (1, 2, …, 11), each grade's lessons in the grid's order, in
//! back-to-back slots, so no two lessons overlap. A day that does not fit is an error, never a
//! lesson outside the window.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use qashyq_catalogue::BROADCAST_ZONE;
use qashyq_catalogue::{Grade, Language, Medium, catalogue};
use serde::Deserialize;

use super::{
    Weekday,
    sources::{SubjectCode, WeeklyGrid},
};

/// The daily air window of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AirWindow {
    pub opens: NaiveTime,
    pub closes: NaiveTime,
    pub lesson_minutes: u32,
}

impl AirWindow {
    /// 09:00–15:00, 10-minute lessons (seed 003; seed 000 annex 4 §5).
    pub const TV_LESSONS: AirWindow = AirWindow {
        opens: NaiveTime::from_hms_opt(9, 0, 0).expect("valid time"),
        closes: NaiveTime::from_hms_opt(15, 0, 0).expect("valid time"),
        lesson_minutes: 10,
    };

    /// How many lessons fit in a day.
    pub fn slots(&self) -> u32 {
        ((self.closes - self.opens).num_minutes() / i64::from(self.lesson_minutes)) as u32
    }
}

/// A campaign: its dates and the public holidays on which nothing airs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    pub name: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub holidays: BTreeSet<NaiveDate>,
    pub planned_lessons: Option<u32>,
    pub planned_lessons_per_grade: Vec<u32>,
}

#[derive(Deserialize)]
struct CampaignDocument {
    name: String,
    first_day: NaiveDate,
    last_day: NaiveDate,
    #[serde(default)]
    planned_lessons: Option<u32>,
    #[serde(default)]
    planned_lessons_per_grade: Vec<u32>,
    #[serde(default)]
    holiday: Vec<HolidayRow>,
}

#[derive(Deserialize)]
struct HolidayRow {
    date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlacementError {
    #[error("the campaign starts on {first_day} after it ends on {last_day}")]
    StartAfterEnd { first_day: NaiveDate, last_day: NaiveDate },
    #[error("{language} lessons of {date} ({weekday}) need {lessons} slots, the air window has {slots}")]
    DayOverflow { language: Language, date: NaiveDate, weekday: Weekday, lessons: u32, slots: u32 },
    #[error("{0} 09:00 does not exist in Asia/Almaty")]
    NoSuchLocalTime(NaiveDate),
    #[error("campaign document: {0}")]
    Document(String),
}

impl Campaign {
    pub fn read(text: &str) -> Result<Self, PlacementError> {
        let document: CampaignDocument = toml::from_str(text).map_err(|e| PlacementError::Document(e.to_string()))?;
        let campaign = Campaign {
            name: document.name,
            first_day: document.first_day,
            last_day: document.last_day,
            holidays: document.holiday.into_iter().map(|h| h.date).collect(),
            planned_lessons: document.planned_lessons,
            planned_lessons_per_grade: document.planned_lessons_per_grade,
        };
        campaign.check()?;
        Ok(campaign)
    }

    pub fn check(&self) -> Result<(), PlacementError> {
        if self.first_day > self.last_day {
            return Err(PlacementError::StartAfterEnd { first_day: self.first_day, last_day: self.last_day });
        }
        Ok(())
    }

    /// School days of the campaign: Monday–Friday, holidays excluded.
    pub fn school_days(&self) -> impl Iterator<Item = (NaiveDate, Weekday)> + '_ {
        self.first_day.iter_days().take_while(|d| *d <= self.last_day).filter(|d| !self.holidays.contains(d)).filter_map(|d| Weekday::of(d).map(|w| (d, w)))
    }
}

/// One lesson on one channel at one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Airing {
    pub channel_id: String,
    pub language: Language,
    pub medium: Medium,
    pub date: NaiveDate,
    pub grade: Grade,
    pub subject: SubjectCode,
    /// Position of the lesson among the grade's lessons of the day (1-based).
    pub lesson_of_day: u32,
    pub starts: DateTime<Tz>,
    pub ends: DateTime<Tz>,
}

/// Places every lesson of the grid on every school day of the campaign, TV and radio.
pub fn place(grid: &WeeklyGrid, campaign: &Campaign, window: &AirWindow) -> Result<Vec<Airing>, PlacementError> {
    campaign.check()?;
    let mut airings = Vec::new();
    let lesson = Duration::minutes(i64::from(window.lesson_minutes));
    for (date, weekday) in campaign.school_days() {
        let opens = BROADCAST_ZONE.from_local_datetime(&date.and_time(window.opens)).single().ok_or(PlacementError::NoSuchLocalTime(date))?;
        for language in Language::ALL {
            let day: Vec<(Grade, u32, &SubjectCode)> = grid
                .days
                .iter()
                .filter(|((l, _, w), _)| *l == language && *w == weekday)
                .flat_map(|((_, grade, _), subjects)| subjects.iter().enumerate().map(move |(i, s)| (*grade, i as u32 + 1, s)))
                .collect();
            let lessons = day.len() as u32;
            if lessons > window.slots() {
                return Err(PlacementError::DayOverflow { language, date, weekday, lessons, slots: window.slots() });
            }
            for medium in [Medium::Tv, Medium::Radio] {
                let channel = catalogue().channel_for(language, medium);
                for (slot, (grade, lesson_of_day, subject)) in day.iter().enumerate() {
                    let starts = opens + lesson * slot as i32;
                    airings.push(Airing {
                        channel_id: channel.id.clone(),
                        language,
                        medium,
                        date,
                        grade: *grade,
                        subject: (*subject).clone(),
                        lesson_of_day: *lesson_of_day,
                        starts,
                        ends: starts + lesson,
                    });
                }
            }
        }
    }
    Ok(airings)
}

#[cfg(test)]
mod tests {
    use chrono::Offset;

    use super::*;
    use crate::domain::sources::{read_grid, spring_2020};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn campaign(first: NaiveDate, last: NaiveDate) -> Campaign {
        Campaign { name: "t".into(), first_day: first, last_day: last, holidays: BTreeSet::new(), planned_lessons: None, planned_lessons_per_grade: vec![] }
    }

    #[test]
    fn r_tv_2_airs_in_ten_minute_slots_from_nine_without_overlap() {
        let grid = read_grid(spring_2020::GRID).unwrap();
        let airings = place(&grid, &campaign(date(2020, 4, 6), date(2020, 4, 6)), &AirWindow::TV_LESSONS).unwrap();
        let balapan: Vec<_> = airings.iter().filter(|a| a.channel_id == "balapan.kz").collect();
        assert_eq!(balapan.len(), 34, "Kazakh-medium Monday: 34 lessons");
        assert_eq!(balapan[0].starts.format("%H:%M %:z").to_string(), "09:00 +06:00");
        assert_eq!((balapan[0].grade.value(), balapan[0].subject.as_str()), (1, "literacy"));
        for pair in balapan.windows(2) {
            assert_eq!(pair[0].ends, pair[1].starts, "back to back, never overlapping");
            assert!(pair[0].grade <= pair[1].grade, "grades in a stable order");
        }
        let last = balapan.last().unwrap();
        assert_eq!((last.grade.value(), last.ends.format("%H:%M").to_string()), (11, "14:40".to_owned()));
        // The same lessons as audio on Qazaq Radiosy; Russian-medium on El Arna and Radio Classic.
        assert_eq!(airings.iter().filter(|a| a.channel_id == "qazaqradio.kz").count(), 34);
        assert!(airings.iter().filter(|a| a.language == Language::Ru).all(|a| a.channel_id == "elarna.kz" || a.channel_id == "classic.kz"));
        let window_end = date(2020, 4, 6).and_time(AirWindow::TV_LESSONS.closes);
        assert!(airings.iter().all(|a| a.ends.naive_local() <= window_end));
    }

    #[test]
    fn r_tv_7_local_time_is_utc_plus_6_in_2020_and_utc_plus_5_since_march_2024() {
        let grid = read_grid(spring_2020::GRID).unwrap();
        for (day, offset) in [(date(2020, 4, 6), 6 * 3600), (date(2024, 2, 29), 6 * 3600), (date(2024, 3, 4), 5 * 3600), (date(2026, 11, 23), 5 * 3600)] {
            let airings = place(&grid, &campaign(day, day), &AirWindow::TV_LESSONS).unwrap();
            let first = &airings[0];
            assert_eq!(first.starts.offset().fix().local_minus_utc(), offset, "{day}");
            assert_eq!(first.starts.format("%H:%M").to_string(), "09:00", "{day}");
        }
    }

    #[test]
    fn weekends_and_holidays_air_nothing() {
        let grid = read_grid(spring_2020::GRID).unwrap();
        let mut c = campaign(date(2020, 5, 1), date(2020, 5, 3));
        c.holidays.insert(date(2020, 5, 1));
        assert!(place(&grid, &c, &AirWindow::TV_LESSONS).unwrap().is_empty(), "a Friday holiday and a weekend");
    }

    #[test]
    fn a_day_that_does_not_fit_is_an_error_never_a_late_lesson() {
        let mut grid = read_grid(spring_2020::GRID).unwrap();
        let g11 = Grade::new(11).unwrap();
        grid.days.get_mut(&(Language::Kk, g11, Weekday::Tue)).unwrap().extend(["physics".to_owned(), "chemistry".to_owned()]);
        let error = place(&grid, &campaign(date(2020, 4, 7), date(2020, 4, 7)), &AirWindow::TV_LESSONS).unwrap_err();
        assert_eq!(error, PlacementError::DayOverflow { language: Language::Kk, date: date(2020, 4, 7), weekday: Weekday::Tue, lessons: 37, slots: 36 });
    }

    #[test]
    fn a_campaign_ending_before_it_starts_is_refused() {
        let grid = WeeklyGrid::default();
        assert!(matches!(place(&grid, &campaign(date(2020, 5, 22), date(2020, 4, 6)), &AirWindow::TV_LESSONS), Err(PlacementError::StartAfterEnd { .. })));
    }

    #[test]
    fn the_2020_campaign_reads() {
        let c = Campaign::read(spring_2020::CAMPAIGN).unwrap();
        assert_eq!((c.first_day, c.last_day), (date(2020, 4, 6), date(2020, 5, 22)));
        assert_eq!(c.school_days().count(), 32, "35 weekdays less 1, 7 and 11 May");
        assert_eq!(c.planned_lessons_per_grade.iter().sum::<u32>(), c.planned_lessons.unwrap());
    }
}
