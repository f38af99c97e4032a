//! R-TV-4: the validation report. The Ministry's documents disagree with each other in places;
//! the report lists every real disagreement and nothing else:
//!
//! - the grid (annex 2) airs a subject a different number of times a week than annex 3 plans;
//! - the grid airs a subject for a grade whose annex-1 list does not have it;
//! - annex 1 lists a subject for a grade that the grid never airs;
//! - a day's lessons on one channel do not fit the air window.
//!
//! Readings of a document's wording (stated in the data) are shown as notes.

use std::collections::{BTreeMap, BTreeSet};

use qashyq_catalogue::{Grade, Language};

use super::{
    Weekday,
    placement::AirWindow,
    sources::{AiredSubjects, SubjectCode, WeeklyGrid, WeeklyHours},
};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Finding {
    /// Annex 2 vs annex 3.
    HoursMismatch { language: Language, grade: Grade, subject: SubjectCode, aired_per_week: u32, planned_per_week: u32 },
    /// Annex 2 vs annex 1: aired, not listed.
    AiredButNotListed { language: Language, grade: Grade, subject: SubjectCode, weekdays: Vec<Weekday> },
    /// Annex 1 vs annex 2: listed, never aired.
    ListedButNotAired { language: Language, grade: Grade, subject: SubjectCode },
    /// Annex 2 vs the air window (R-TV-2).
    DayOverflow { language: Language, weekday: Weekday, lessons: u32, slots: u32 },
}

impl Finding {
    /// Stable rule id for the report.
    pub fn rule(&self) -> &'static str {
        match self {
            Finding::HoursMismatch { .. } => "R-TV-4/weekly-hours",
            Finding::AiredButNotListed { .. } => "R-TV-4/not-in-annex-1",
            Finding::ListedButNotAired { .. } => "R-TV-4/never-aired",
            Finding::DayOverflow { .. } => "R-TV-2/air-window",
        }
    }

    /// One line a person can read.
    pub fn describe(&self) -> String {
        match self {
            Finding::HoursMismatch { language, grade, subject, aired_per_week, planned_per_week } => {
                format!("{language} grade {}: {subject} airs {aired_per_week} times a week in annex 2, annex 3 plans {planned_per_week}", grade.value())
            }
            Finding::AiredButNotListed { language, grade, subject, weekdays } => format!(
                "{language} grade {}: {subject} airs on {} but is not in the grade's annex-1 list",
                grade.value(),
                weekdays.iter().map(|d| d.code()).collect::<Vec<_>>().join(", ")
            ),
            Finding::ListedButNotAired { language, grade, subject } => {
                format!("{language} grade {}: {subject} is in the annex-1 list but annex 2 never airs it", grade.value())
            }
            Finding::DayOverflow { language, weekday, lessons, slots } => {
                format!("{language} {weekday}: {lessons} lessons do not fit the {slots} slots of the air window")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationReport {
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
}

/// Compares the three documents and the air window.
pub fn validate(grid: &WeeklyGrid, aired: &AiredSubjects, hours: &WeeklyHours, window: &AirWindow) -> ValidationReport {
    let mut findings = Vec::new();

    // Weekly counts of the grid, and the days each subject airs.
    let mut counted: BTreeMap<(Language, Grade, SubjectCode), u32> = BTreeMap::new();
    let mut days_of: BTreeMap<(Language, Grade, SubjectCode), Vec<Weekday>> = BTreeMap::new();
    for ((language, grade, weekday), subjects) in &grid.days {
        for subject in subjects {
            *counted.entry((*language, *grade, subject.clone())).or_default() += 1;
            let days = days_of.entry((*language, *grade, subject.clone())).or_default();
            if days.last() != Some(weekday) {
                days.push(*weekday);
            }
        }
    }

    let keys: BTreeSet<_> = counted.keys().chain(hours.per_week.keys()).cloned().collect();
    for key in keys {
        let aired_per_week = counted.get(&key).copied().unwrap_or(0);
        let planned_per_week = hours.per_week.get(&key).copied().unwrap_or(0);
        if aired_per_week != planned_per_week {
            let (language, grade, subject) = key;
            findings.push(Finding::HoursMismatch { language, grade, subject, aired_per_week, planned_per_week });
        }
    }

    let graded: BTreeSet<(Language, Grade)> = grid.days.keys().map(|(l, g, _)| (*l, *g)).collect();
    for (language, grade) in graded {
        let listed = aired.subjects.get(&(language, grade)).cloned().unwrap_or_default();
        for ((l, g, subject), weekdays) in &days_of {
            if (*l, *g) == (language, grade) && !listed.contains(subject) {
                findings.push(Finding::AiredButNotListed { language, grade, subject: subject.clone(), weekdays: weekdays.clone() });
            }
        }
        for subject in &listed {
            if !counted.contains_key(&(language, grade, subject.clone())) {
                findings.push(Finding::ListedButNotAired { language, grade, subject: subject.clone() });
            }
        }
    }

    let mut per_day: BTreeMap<(Language, Weekday), u32> = BTreeMap::new();
    for ((language, _, weekday), subjects) in &grid.days {
        *per_day.entry((*language, *weekday)).or_default() += subjects.len() as u32;
    }
    let slots = window.slots();
    for ((language, weekday), lessons) in per_day {
        if lessons > slots {
            findings.push(Finding::DayOverflow { language, weekday, lessons, slots });
        }
    }

    findings.sort();
    let notes =
        aired.readings.iter().map(|r| format!("{} grade {}: annex 1 writes {:?}, read as {}", r.language, r.grade.value(), r.written, r.read_as)).collect();
    ValidationReport { findings, notes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sources::{read_aired_subjects, read_grid, read_weekly_hours, spring_2020};

    fn report_2020() -> ValidationReport {
        validate(
            &read_grid(spring_2020::GRID).unwrap(),
            &read_aired_subjects(spring_2020::AIRED_SUBJECTS).unwrap(),
            &read_weekly_hours(spring_2020::WEEKLY_HOURS).unwrap(),
            &AirWindow::TV_LESSONS,
        )
    }

    fn g(n: u8) -> Grade {
        Grade::new(n.into()).unwrap()
    }

    fn hours(language: Language, grade: u8, subject: &str, aired: u32, planned: u32) -> Finding {
        Finding::HoursMismatch { language, grade: g(grade), subject: subject.into(), aired_per_week: aired, planned_per_week: planned }
    }

    /// Every disagreement of the real 2020 documents, checked by hand against seed 003.
    #[test]
    fn r_tv_4_pins_every_finding_of_the_2020_documents() {
        use Language::{Kk, Ru};
        let report = report_2020();
        let expected = vec![
            hours(Kk, 5, "mathematics", 5, 4),
            hours(Kk, 8, "geometry", 2, 1),
            hours(Kk, 8, "kazakh_language", 2, 3),
            hours(Kk, 8, "kazakh_literature", 1, 2),
            hours(Kk, 9, "geometry", 2, 1),
            hours(Kk, 9, "kazakh_language", 2, 3),
            hours(Kk, 10, "algebra_and_analysis", 5, 4),
            hours(Kk, 10, "biology", 1, 2),
            hours(Kk, 10, "chemistry", 3, 2),
            hours(Kk, 10, "kazakh_language", 0, 1),
            hours(Kk, 10, "kazakh_literature", 3, 2),
            hours(Kk, 10, "physics", 1, 2),
            hours(Kk, 11, "algebra_and_analysis", 3, 2),
            hours(Kk, 11, "geography", 2, 1),
            hours(Kk, 11, "geometry", 0, 1),
            hours(Kk, 11, "history_of_kazakhstan", 2, 1),
            hours(Kk, 11, "physics", 1, 2),
            hours(Kk, 11, "world_history", 0, 1),
            hours(Ru, 3, "natural_science", 0, 1),
            hours(Ru, 3, "russian_literature", 1, 0),
            hours(Ru, 8, "geometry", 2, 1),
            hours(Ru, 8, "russian_language", 2, 3),
            hours(Ru, 9, "geometry", 2, 1),
            hours(Ru, 9, "russian_language", 2, 3),
            hours(Ru, 10, "geography", 1, 2),
            hours(Ru, 10, "russian_literature", 3, 2),
            Finding::AiredButNotListed { language: Ru, grade: g(3), subject: "russian_literature".into(), weekdays: vec![Weekday::Thu] },
            Finding::ListedButNotAired { language: Kk, grade: g(10), subject: "kazakh_language".into() },
            Finding::ListedButNotAired { language: Kk, grade: g(11), subject: "geometry".into() },
            Finding::ListedButNotAired { language: Kk, grade: g(11), subject: "world_history".into() },
            Finding::ListedButNotAired { language: Ru, grade: g(3), subject: "natural_science".into() },
        ];
        assert_eq!(report.findings, expected, "{:#?}", report.findings.iter().map(Finding::describe).collect::<Vec<_>>());
        // Every day fits: 33–35 lessons a channel against 36 ten-minute slots from 09:00 to 15:00.
        assert!(!report.findings.iter().any(|f| matches!(f, Finding::DayOverflow { .. })));
        assert_eq!(report.notes.len(), 4);
        assert!(report.notes[0].contains("\"Алгебра\"") && report.notes[0].contains("algebra_and_analysis"), "{:?}", report.notes);
    }

    #[test]
    fn r_tv_4_spelling_variants_across_documents_raise_no_finding() {
        let grid = read_grid(
            "[[day]]\nlanguage = \"ru\"\ngrade = 8\nweekday = \"mon\"\nsubjects = [\"Рус.язык\", \"История Казахст.\"]\n\
             [[day]]\nlanguage = \"ru\"\ngrade = 8\nweekday = \"tue\"\nsubjects = [\"Рус. язык\", \"Қазақстан тарихы\"]\n",
        )
        .unwrap();
        let aired = read_aired_subjects("[[grade]]\nlanguage = \"ru\"\ngrade = 8\nsubjects = [\"Русский язык\", \"История Казахстана\"]\n").unwrap();
        let hours = read_weekly_hours(
            "[[grade]]\nlanguage = \"ru\"\ngrade = 8\nhours = [{ subject = \"Орыс тілі\", per_week = 2 }, { subject = \"История Казахстана\", per_week = 2 }]\n",
        )
        .unwrap();
        let report = validate(&grid, &aired, &hours, &AirWindow::TV_LESSONS);
        assert!(report.findings.is_empty(), "{:?}", report.findings);
    }

    #[test]
    fn r_tv_2_a_day_that_does_not_fit_the_window_is_found() {
        let mut grid = read_grid(spring_2020::GRID).unwrap();
        let day = grid.days.get_mut(&(Language::Ru, g(11), Weekday::Tue)).unwrap();
        day.extend(["physics".to_owned(), "chemistry".to_owned()]);
        let report = validate(
            &grid,
            &read_aired_subjects(spring_2020::AIRED_SUBJECTS).unwrap(),
            &read_weekly_hours(spring_2020::WEEKLY_HOURS).unwrap(),
            &AirWindow::TV_LESSONS,
        );
        assert!(report.findings.contains(&Finding::DayOverflow { language: Language::Ru, weekday: Weekday::Tue, lessons: 37, slots: 36 }));
    }
}
