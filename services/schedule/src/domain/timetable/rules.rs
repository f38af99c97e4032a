//! Every rule a school's timetable keeps, checked all at once: a school uploading a timetable
//! sees every violation with its rule, class, day and lesson, not just the first.

use std::collections::{BTreeMap, HashMap};

use super::model::{Day, LearningMode, Lesson, School, Shift, Timetable, TvWeek, day_rules, hhmm};

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// "R-SCH-1/lesson-length", "R-SCH-1/start", "R-SCH-1/break", "R-SCH-2/tv-overlap",
    /// "R-SCH-2/weekly-load", "R-SCH-3/teacher-subject", "R-SCH-3/teacher-clash",
    /// "R-REF-3/one-shift", "R-SCH-3/unknown-class", "R-SCH-3/unknown-teacher".
    pub rule: &'static str,
    pub class_id: String,
    pub day: Option<Day>,
    /// Indexes into the timetable's lessons that break the rule.
    pub lessons: Vec<usize>,
    pub teacher_id: String,
    pub subject: String,
    pub message: String,
}

impl Violation {
    fn new(rule: &'static str, message: String) -> Self {
        Violation { rule, class_id: String::new(), day: None, lessons: vec![], teacher_id: String::new(), subject: String::new(), message }
    }

    fn at(mut self, index: usize, lesson: &Lesson) -> Self {
        self.class_id = lesson.class_id.clone();
        self.day = Some(lesson.day);
        self.lessons.push(index);
        self.subject = lesson.subject.clone();
        self
    }
}

/// Checks `timetable` against the school and the TV week; every violation, in a stable order.
pub fn check(school: &School, tv: &TvWeek, timetable: &Timetable) -> Vec<Violation> {
    let classes: HashMap<&str, &super::Class> = school.classes.iter().map(|c| (c.id.as_str(), c)).collect();
    let teachers: HashMap<&str, &super::Teacher> = school.teachers.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut found = Vec::new();
    let mut by_class_day: BTreeMap<(&str, Day), Vec<usize>> = BTreeMap::new();
    let mut by_teacher_day: BTreeMap<(&str, Day), Vec<usize>> = BTreeMap::new();
    let mut teacher_shifts: BTreeMap<&str, BTreeMap<Shift, usize>> = BTreeMap::new();
    let mut own_count: BTreeMap<(&str, &str), usize> = BTreeMap::new();

    for (i, lesson) in timetable.lessons.iter().enumerate() {
        let Some(class) = classes.get(lesson.class_id.as_str()) else {
            found.push(Violation::new("R-SCH-3/unknown-class", format!("no class {:?} in the school", lesson.class_id)).at(i, lesson));
            continue;
        };
        match teachers.get(lesson.teacher_id.as_str()) {
            None => {
                let mut v = Violation::new("R-SCH-3/unknown-teacher", format!("no teacher {:?} in the school", lesson.teacher_id)).at(i, lesson);
                v.teacher_id = lesson.teacher_id.clone();
                found.push(v);
            }
            Some(teacher) => {
                if !teacher.subjects.contains(&lesson.subject) {
                    let mut v = Violation::new("R-SCH-3/teacher-subject", format!("teacher {} does not teach {}", teacher.id, lesson.subject)).at(i, lesson);
                    v.teacher_id = teacher.id.clone();
                    found.push(v);
                }
                by_teacher_day.entry((teacher.id.as_str(), lesson.day)).or_default().push(i);
                *teacher_shifts.entry(teacher.id.as_str()).or_default().entry(class.shift).or_default() += 1;
            }
        }
        let minutes = lesson.span.end.saturating_sub(lesson.span.start);
        if minutes == 0 || minutes > day_rules::MAX_LESSON_MINUTES {
            found.push(
                Violation::new("R-SCH-1/lesson-length", format!("{} lasts {minutes} min; a lesson lasts 1–{} min", lesson.span, day_rules::MAX_LESSON_MINUTES))
                    .at(i, lesson),
            );
        }
        let start = day_rules::start(class);
        if lesson.span.start < start {
            found.push(
                Violation::new("R-SCH-1/start", format!("{} starts before {}, the start of grade {}'s day", lesson.span, hhmm(start), class.grade.value()))
                    .at(i, lesson),
            );
        }
        for tv_lesson in tv.of(class.language, class.grade, lesson.day) {
            if lesson.span.overlaps(&tv_lesson.span) {
                found.push(
                    Violation::new("R-SCH-2/tv-overlap", format!("{} overlaps the TV lesson {} at {}", lesson.span, tv_lesson.subject, tv_lesson.span))
                        .at(i, lesson),
                );
            }
        }
        by_class_day.entry((lesson.class_id.as_str(), lesson.day)).or_default().push(i);
        *own_count.entry((lesson.class_id.as_str(), lesson.subject.as_str())).or_default() += 1;
    }

    // Breaks between a class's lessons.
    for ((_, _), indexes) in &by_class_day {
        let mut sorted = indexes.clone();
        sorted.sort_by_key(|&i| timetable.lessons[i].span);
        for pair in sorted.windows(2) {
            let (a, b) = (&timetable.lessons[pair[0]], &timetable.lessons[pair[1]]);
            if b.span.start < a.span.end + day_rules::BREAK_MINUTES {
                let mut v = Violation::new("R-SCH-1/break", format!("{} and {} leave less than the {}-minute break", a.span, b.span, day_rules::BREAK_MINUTES))
                    .at(pair[0], a);
                v.lessons.push(pair[1]);
                found.push(v);
            }
        }
    }

    // A teacher in one place at a time.
    for ((teacher, _), indexes) in &by_teacher_day {
        let mut sorted = indexes.clone();
        sorted.sort_by_key(|&i| timetable.lessons[i].span);
        for (n, &i) in sorted.iter().enumerate() {
            for &j in &sorted[n + 1..] {
                let (a, b) = (&timetable.lessons[i], &timetable.lessons[j]);
                if a.span.overlaps(&b.span) {
                    let mut v = Violation::new(
                        "R-SCH-3/teacher-clash",
                        format!("teacher {teacher} teaches {} at {} and {} at {}", a.class_id, a.span, b.class_id, b.span),
                    )
                    .at(i, a);
                    v.lessons.push(j);
                    v.teacher_id = (*teacher).to_owned();
                    found.push(v);
                }
            }
        }
    }

    // One shift per teacher in in-person schools with shifts.
    if school.mode == LearningMode::InPersonShifts {
        for (teacher, shifts) in &teacher_shifts {
            if shifts.len() > 1 {
                let mut v = Violation::new("R-REF-3/one-shift", format!("teacher {teacher} teaches in both shifts; a teacher works in one shift only"));
                v.teacher_id = (*teacher).to_owned();
                found.push(v);
            } else if let Some(fixed) = teachers.get(teacher).and_then(|t| t.shift)
                && let Some(other) = shifts.keys().find(|s| **s != fixed)
            {
                let message = format!("teacher {teacher} works in shift {} but is given lessons in shift {}", fixed.number(), other.number());
                let mut v = Violation::new("R-REF-3/one-shift", message);
                v.teacher_id = (*teacher).to_owned();
                found.push(v);
            }
        }
    }

    // Weekly load: TV and own lessons together.
    for class in &school.classes {
        let mut tv_count: BTreeMap<&str, usize> = BTreeMap::new();
        for day in Day::ALL {
            for lesson in tv.of(class.language, class.grade, day) {
                *tv_count.entry(lesson.subject.as_str()).or_default() += 1;
            }
        }
        let subjects: std::collections::BTreeSet<&str> =
            tv_count.keys().copied().chain(own_count.keys().filter(|(c, _)| *c == class.id).map(|(_, s)| *s)).collect();
        for subject in subjects {
            let tv_lessons = tv_count.get(subject).copied().unwrap_or(0);
            let own = own_count.get(&(class.id.as_str(), subject)).copied().unwrap_or(0);
            let load = class.weekly_load.get(subject).copied().unwrap_or(0) as usize;
            if tv_lessons + own > load {
                let mut v =
                    Violation::new("R-SCH-2/weekly-load", format!("{subject}: {tv_lessons} TV + {own} own lessons a week exceed the weekly load of {load}"));
                v.class_id = class.id.clone();
                v.subject = subject.to_owned();
                found.push(v);
            }
        }
    }
    found
}
