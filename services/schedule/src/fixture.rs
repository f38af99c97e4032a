//! A school for the timetable solver's tests and benchmarks, with no I/O: the first week of the
//! 2020 TV campaign (transcribed in `data/tv-week-2020-04-06.txt`), grades 1–11, three letters (А
//! and Б Kazakh-medium, В Russian-medium), each class's weekly load the grade's TV lessons plus
//! its own lessons (a follow-up of its two most-aired subjects, English, physical education,
//! informatics from grade 5), and enough teachers for each subject. Built with the `fixture`
//! feature (the crate's own tests and the end-to-end crate turn it on).

use std::collections::BTreeMap;

use qashyq_catalogue::{Grade, Language};

use crate::domain::timetable::{Class, Day, LearningMode, School, Shift, Span, Teacher, TvLesson, TvWeek};

const FIRST_WEEK_2020: &str = include_str!("../data/tv-week-2020-04-06.txt");

/// The TV lessons of the first week of the 2020 campaign (6–10 April), in Almaty time.
pub fn first_week_2020() -> TvWeek {
    let minute = |hhmm: &str| {
        let (h, m) = hhmm.split_once(':').expect("HH:MM");
        h.parse::<u16>().expect("hours") * 60 + m.parse::<u16>().expect("minutes")
    };
    let mut week = TvWeek::default();
    for line in FIRST_WEEK_2020.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [language, grade, day, span, subject] = fields.as_slice() else { panic!("bad fixture line {line:?}") };
        let language = match *language {
            "kk" => Language::Kk,
            "ru" => Language::Ru,
            other => panic!("bad language {other:?}"),
        };
        let grade = Grade::new(grade.parse().expect("a grade")).expect("a grade");
        let day = Day::parse(day).expect("a weekday");
        let (start, end) = span.split_once('-').expect("start-end");
        let span = Span { start: minute(start), end: minute(end) };
        week.lessons.entry((language, grade, day)).or_default().push(TvLesson { subject: (*subject).to_owned(), span });
    }
    week
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
