//! The timetable fixture of the schedule crate (`qashyq_schedule::fixture`), and the TV week of
//! any week of the 2020 campaign placed by the TV grid's own domain, to check the fixture's
//! transcription against.

use chrono::{NaiveDate, Timelike};
use qashyq_catalogue::Medium;
use qashyq_schedule::domain::timetable::{Day, Span, TvLesson, TvWeek};
use qashyq_tvgrid::domain::{
    placement::{AirWindow, Campaign, place},
    sources::{read_grid, spring_2020},
};

pub use qashyq_schedule::fixture::*;

/// The TV lessons of the week starting on `monday` (a week of the 2020 campaign), placed now.
pub fn placed_tv_week(monday: NaiveDate) -> TvWeek {
    let grid = read_grid(spring_2020::GRID).expect("the 2020 grid reads");
    let mut campaign = Campaign::read(spring_2020::CAMPAIGN).expect("the 2020 campaign reads");
    campaign.first_day = monday;
    campaign.last_day = monday + chrono::Duration::days(4);
    campaign.holidays.clear();
    let mut week = TvWeek::default();
    for airing in place(&grid, &campaign, &AirWindow::TV_LESSONS).expect("the 2020 grid places") {
        if airing.medium != Medium::Tv {
            continue;
        }
        let day = Day::of(airing.date).expect("a weekday");
        let minute = |t: chrono::DateTime<chrono_tz::Tz>| (t.hour() * 60 + t.minute()) as u16;
        let span = Span { start: minute(airing.starts), end: minute(airing.ends) };
        week.lessons.entry((airing.language, airing.grade, day)).or_default().push(TvLesson { subject: airing.subject, span });
    }
    week
}
