//! A school built on the real 2020 TV grid, for the timetable tests and `make bench`: grades 1–11,
//! three letters (А and Б Kazakh-medium, В Russian-medium), each class's weekly load the grade's
//! TV lessons plus its own lessons (a follow-up of its two most-aired subjects, English, physical
//! education, informatics from grade 5), and enough teachers for each subject.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Timelike};
use qashyq_catalogue::{Grade, Language, Medium};
use qashyq_schedule::domain::timetable::{Class, Day, LearningMode, School, Shift, Span, Teacher, TvLesson, TvWeek};
use qashyq_tvgrid::domain::{
    placement::{AirWindow, Campaign, place},
    sources::{read_grid, spring_2020},
};

/// The TV lessons of the week starting on `monday` (a week of the 2020 campaign).
pub fn tv_week(monday: NaiveDate) -> TvWeek {
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

/// The first week of the 2020 campaign.
pub fn first_week_2020() -> TvWeek {
    tv_week(NaiveDate::from_ymd_opt(2020, 4, 6).expect("a date"))
}

/// A class whose weekly load is its TV lessons plus the own lessons described above.
pub fn class(id: String, grade: Grade, language: Language, shift: Shift, tv: &TvWeek) -> Class {
    let mut tv_count: BTreeMap<String, u8> = BTreeMap::new();
    for day in Day::ALL {
        for lesson in tv.of(language, grade, day) {
            *tv_count.entry(lesson.subject.clone()).or_default() += 1;
        }
    }
    let mut load = tv_count.clone();
    let mut by_count: Vec<(&String, &u8)> = tv_count.iter().collect();
    by_count.sort_by_key(|(subject, n)| (std::cmp::Reverse(**n), (*subject).clone()));
    for (subject, _) in by_count.into_iter().take(2) {
        *load.get_mut(subject).expect("listed") += 1;
    }
    *load.entry("english".into()).or_default() += 2;
    *load.entry("physical_education".into()).or_default() += 2;
    if grade.value() >= 5 {
        *load.entry("informatics".into()).or_default() += 1;
    }
    Class { id, grade, language, shift, weekly_load: load }
}

/// Enough teachers for every subject's own lessons: one per `per_teacher` lessons a week.
fn teachers(classes: &[Class], tv: &TvWeek, per_teacher: usize) -> Vec<Teacher> {
    let mut own: BTreeMap<String, usize> = BTreeMap::new();
    for class in classes {
        for (subject, load) in &class.weekly_load {
            let aired = Day::ALL.iter().flat_map(|d| tv.of(class.language, class.grade, *d)).filter(|l| &l.subject == subject).count();
            *own.entry(subject.clone()).or_default() += (*load as usize).saturating_sub(aired);
        }
    }
    own.into_iter()
        .filter(|(_, n)| *n > 0)
        .flat_map(|(subject, n)| {
            (1..=n.div_ceil(per_teacher)).map(move |i| Teacher { id: format!("{subject}-{i}"), subjects: vec![subject.clone()], shift: None })
        })
        .collect()
}

/// A distance-learning school of 33 classes: grades 1–11, letters А, Б (kk) and В (ru).
pub fn school_of_33(tv: &TvWeek) -> School {
    let mut classes = Vec::new();
    for grade in 1..=11 {
        let grade = Grade::new(grade).expect("a grade");
        let shift = if grade.value() >= 10 { Shift::Second } else { Shift::First };
        for (letter, language) in [("А", Language::Kk), ("Б", Language::Kk), ("В", Language::Ru)] {
            classes.push(class(format!("{}{letter}", grade.value()), grade, language, shift, tv));
        }
    }
    let teachers = teachers(&classes, tv, 20);
    School { mode: LearningMode::Distance, classes, teachers }
}

/// A small in-person school in two shifts (R-REF-3): grades 1–4 in the first, 5–9 in the second.
pub fn small_school_in_shifts(tv: &TvWeek) -> School {
    let classes: Vec<Class> = (1..=9)
        .map(|g| {
            let grade = Grade::new(g).expect("a grade");
            let shift = if g <= 4 { Shift::First } else { Shift::Second };
            class(format!("{g}А"), grade, Language::Kk, shift, tv)
        })
        .collect();
    // Two teachers of each subject, so each shift can have its own.
    let mut teachers = teachers(&classes, tv, 1000);
    teachers.extend(teachers.clone().into_iter().map(|t| Teacher { id: format!("{}-b", t.id), ..t }));
    School { mode: LearningMode::InPersonShifts, classes, teachers }
}
