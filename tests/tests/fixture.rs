//! The schedule crate's timetable fixture transcribes the first week of the 2020 TV campaign
//! (`services/schedule/data/tv-week-2020-04-06.txt`): it must be what the TV grid's own domain
//! places from the 2020 documents, lesson for lesson.

use qashyq_e2e::school_fixture::{first_week_2020, placed_tv_week};

#[test]
fn the_schedule_fixture_is_the_placed_first_week_of_2020() {
    let placed = placed_tv_week(chrono::NaiveDate::from_ymd_opt(2020, 4, 6).unwrap());
    let fixture = first_week_2020();
    assert_eq!(fixture.lessons.len(), placed.lessons.len());
    assert_eq!(fixture, placed);
}
