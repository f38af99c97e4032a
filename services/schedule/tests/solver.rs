//! School timetables against the real 2020 TV grid (R-SCH-1 … R-SCH-3, R-REF-3): generated
//! timetables keep every rule; each rule, when broken, is reported with its class, day and
//! lessons; and a school with no valid timetable is told which rule fails for whom. Pure: no
//! database, no other service (the TV week is the crate's fixture).

use qashyq_catalogue::{Grade, Language};
use qashyq_schedule::domain::timetable::{
    Class, Day, LearningMode, Lesson, School, Shift, Span, Teacher, Timetable, TvWeek, day_rules,
    rules::check,
    solver::{free_slots, generate},
};
use qashyq_schedule::fixture::{first_week_2020, school_of_33, small_school_in_shifts};

fn at(h: u16, m: u16) -> u16 {
    h * 60 + m
}

#[test]
fn r_sch_2_free_slots_go_around_the_grades_tv_lessons() {
    let tv = first_week_2020();
    let school = school_of_33(&tv);
    let class_5a = school.classes.iter().find(|c| c.id == "5А").unwrap();
    // Kazakh-medium grade 5 on Mondays of 2020: three TV lessons from 10:50 to 11:20.
    let airings = tv.of(Language::Kk, Grade::new(5).unwrap(), Day::Mon);
    assert_eq!(airings.first().unwrap().span.start, at(10, 50));
    assert_eq!(airings.last().unwrap().span.end, at(11, 20));
    let slots = free_slots(class_5a, &tv, Day::Mon);
    assert_eq!(slots[0].start, at(8, 30), "grades 0–9 start at 08:30");
    assert!(slots.iter().all(|s| airings.iter().all(|a| !a.span.overlaps(s))));
    assert!(slots.iter().any(|s| s.start == at(11, 20)), "the next lesson may follow the TV block");
    let class_10a = school.classes.iter().find(|c| c.id == "10А").unwrap();
    assert_eq!(free_slots(class_10a, &tv, Day::Mon)[0].start, at(14, 0), "grades 10–11 start at 14:00");
}

#[test]
fn r_sch_3_a_33_class_school_gets_a_valid_timetable_deterministically() {
    let tv = first_week_2020();
    let school = school_of_33(&tv);
    assert_eq!(school.classes.len(), 33);
    let timetable = generate(&school, &tv).expect("a timetable exists");
    assert_eq!(check(&school, &tv, &timetable), vec![], "the generated timetable keeps every rule");
    // Every class gets its weekly load exactly: TV lessons plus own lessons.
    for class in &school.classes {
        for (subject, load) in &class.weekly_load {
            let aired = Day::ALL.iter().flat_map(|d| tv.of(class.language, class.grade, *d)).filter(|l| &l.subject == subject).count();
            let own = timetable.lessons.iter().filter(|l| l.class_id == class.id && &l.subject == subject).count();
            assert_eq!(aired + own, *load as usize, "{} {subject}", class.id);
        }
    }
    assert_eq!(generate(&school, &tv).unwrap(), timetable, "the same input gives the same timetable");
}

#[test]
fn r_ref_3_in_a_school_in_shifts_each_teacher_keeps_to_one_shift() {
    let tv = first_week_2020();
    let school = small_school_in_shifts(&tv);
    let timetable = generate(&school, &tv).expect("a timetable exists");
    assert_eq!(check(&school, &tv, &timetable), vec![]);
    for teacher in &school.teachers {
        let shifts: std::collections::BTreeSet<Shift> = timetable
            .lessons
            .iter()
            .filter(|l| l.teacher_id == teacher.id)
            .map(|l| school.classes.iter().find(|c| c.id == l.class_id).unwrap().shift)
            .collect();
        assert!(shifts.len() <= 1, "{} teaches in {shifts:?}", teacher.id);
    }
    // Second-shift classes start at 14:00 whatever their grade.
    assert!(timetable.lessons.iter().filter(|l| l.class_id == "5А").all(|l| l.span.start >= day_rules::AFTERNOON_START));
}

#[test]
fn r_ref_3_a_teacher_the_school_put_in_one_shift_is_kept_there() {
    let tv = first_week_2020();
    let mut school = two_classes(&tv);
    // Own lessons of English only (mathematics and Kazakh as aired), so that only English needs
    // a teacher; aigul works in the second shift only: 5А (first shift) may not have her.
    for class in &mut school.classes {
        for subject in ["mathematics", "kazakh_language"] {
            *class.weekly_load.get_mut(subject).unwrap() -= 1;
        }
    }
    school.teachers[0].shift = Some(Shift::Second);
    let in_first = Timetable { lessons: vec![lesson("5А", Day::Mon, at(8, 30), 30, "english", "aigul")] };
    let found = check(&school, &tv, &in_first);
    assert!(found.iter().any(|v| v.rule == "R-REF-3/one-shift" && v.teacher_id == "aigul"), "{found:#?}");
    // The generator cannot give 5А English then, and says so for 5А; with a first-shift English
    // teacher it puts aigul only in 6А.
    let problems = generate(&school, &tv).unwrap_err();
    assert!(problems.iter().any(|p| p.rule == "R-SCH-3/no-teacher" && p.class_id == "5А" && p.subject == "english"), "{problems:#?}");
    school.teachers.push(Teacher { id: "dana".into(), subjects: vec!["english".into()], shift: Some(Shift::First) });
    let timetable = generate(&school, &tv).expect("a timetable exists");
    assert_eq!(check(&school, &tv, &timetable), vec![]);
    assert!(timetable.lessons.iter().filter(|l| l.teacher_id == "aigul").all(|l| l.class_id == "6А"));
    assert!(timetable.lessons.iter().any(|l| l.teacher_id == "dana" && l.class_id == "5А"));
}

fn lesson(class: &str, day: Day, start: u16, minutes: u16, subject: &str, teacher: &str) -> Lesson {
    Lesson { class_id: class.into(), day, span: Span::new(start, minutes), subject: subject.into(), teacher_id: teacher.into() }
}

/// Two Kazakh-medium classes (5А first shift, 6А second) and two teachers, in two shifts. Each
/// class's load is its TV lessons, two English lessons, and one more of mathematics and Kazakh.
fn two_classes(tv: &TvWeek) -> School {
    let class = |id: &str, grade, shift| {
        let mut class = Class { id: id.into(), grade: Grade::new(grade).unwrap(), language: Language::Kk, shift, weekly_load: Default::default() };
        class.weekly_load.extend(tv_load(&class, tv));
        class.weekly_load.insert("english".into(), 2);
        *class.weekly_load.entry("mathematics".into()).or_default() += 1;
        *class.weekly_load.entry("kazakh_language".into()).or_default() += 1;
        class
    };
    School {
        mode: LearningMode::InPersonShifts,
        classes: vec![class("5А", 5, Shift::First), class("6А", 6, Shift::Second)],
        teachers: vec![
            Teacher { id: "aigul".into(), subjects: vec!["english".into()], shift: None },
            Teacher { id: "bolat".into(), subjects: vec!["mathematics".into()], shift: None },
        ],
    }
}

#[test]
fn r_sch_1_r_sch_2_r_sch_3_every_violation_is_listed_with_its_rule_class_day_and_lessons() {
    let tv = first_week_2020();
    let school = two_classes(&tv);
    let timetable = Timetable {
        lessons: vec![
            // 0: 45 minutes, and starts before 08:30.
            lesson("5А", Day::Mon, at(8, 0), 45, "english", "aigul"),
            // 1: overlaps the Monday TV lessons of grade 5 (10:50–11:20).
            lesson("5А", Day::Mon, at(11, 0), 30, "mathematics", "bolat"),
            // 2, 3: no break between them.
            lesson("5А", Day::Tue, at(9, 0), 30, "english", "aigul"),
            lesson("5А", Day::Tue, at(9, 35), 30, "mathematics", "bolat"),
            // 4: aigul does not teach history.
            lesson("5А", Day::Wed, at(9, 0), 30, "history_of_kazakhstan", "aigul"),
            // 5: aigul also teaches 6А (second shift) — and at the same time as lesson 6.
            lesson("6А", Day::Thu, at(14, 0), 30, "english", "aigul"),
            lesson("6А", Day::Thu, at(14, 0), 30, "english", "aigul"),
            // 7, 8: unknown class and teacher.
            lesson("7Б", Day::Fri, at(9, 0), 30, "english", "aigul"),
            lesson("5А", Day::Fri, at(9, 0), 30, "english", "nobody"),
        ],
    };
    let found = check(&school, &tv, &timetable);
    let summary: Vec<(&str, &str, Option<Day>, Vec<usize>)> = found.iter().map(|v| (v.rule, v.class_id.as_str(), v.day, v.lessons.clone())).collect();
    for expected in [
        ("R-SCH-1/lesson-length", "5А", Some(Day::Mon), vec![0]),
        ("R-SCH-1/start", "5А", Some(Day::Mon), vec![0]),
        ("R-SCH-2/tv-overlap", "5А", Some(Day::Mon), vec![1]),
        ("R-SCH-1/break", "5А", Some(Day::Tue), vec![2, 3]),
        ("R-SCH-3/teacher-subject", "5А", Some(Day::Wed), vec![4]),
        ("R-SCH-3/teacher-clash", "6А", Some(Day::Thu), vec![5, 6]),
        ("R-SCH-3/unknown-class", "7Б", Some(Day::Fri), vec![7]),
        ("R-SCH-3/unknown-teacher", "5А", Some(Day::Fri), vec![8]),
    ] {
        assert!(summary.contains(&expected), "missing {expected:?} in {summary:#?}");
    }
    assert!(found.iter().any(|v| v.rule == "R-REF-3/one-shift" && v.teacher_id == "aigul"));
    // 5А: English in lessons 0, 2 and 8 (7 is of an unknown class): 3 own lessons > a load of 2.
    assert!(found.iter().any(|v| v.rule == "R-SCH-2/weekly-load" && v.class_id == "5А" && v.subject == "english"), "{found:#?}");
    // 6А: English twice, within its load of 2.
    assert!(!found.iter().any(|v| v.rule == "R-SCH-2/weekly-load" && v.class_id == "6А" && v.subject == "english"));

    // A valid timetable has no violation.
    let valid =
        Timetable { lessons: vec![lesson("5А", Day::Mon, at(8, 30), 30, "english", "aigul"), lesson("5А", Day::Mon, at(9, 10), 30, "english", "aigul")] };
    assert_eq!(check(&school, &tv, &valid), vec![]);
}

#[test]
fn r_sch_3_when_no_timetable_exists_the_generator_says_which_rule_fails_for_whom() {
    let tv = first_week_2020();
    // History: the grid airs it, the load is below the TV lessons; mathematics: no teacher in
    // 6А's shift once bolat teaches 5А in the first.
    let mut school = two_classes(&tv);
    school.classes[0].weekly_load.insert("history_of_kazakhstan".into(), 0);
    let problems = generate(&school, &tv).unwrap_err();
    let rules: Vec<(&str, &str, &str)> = problems.iter().map(|p| (p.rule, p.class_id.as_str(), p.subject.as_str())).collect();
    assert!(rules.contains(&("R-SCH-2/weekly-load", "5А", "history_of_kazakhstan")), "{problems:#?}");
    assert!(rules.contains(&("R-SCH-3/no-teacher", "6А", "mathematics")), "{problems:#?}");
    assert!(rules.contains(&("R-SCH-3/no-teacher", "5А", "kazakh_language")), "{problems:#?}");

    // More own lessons than a class has free slots.
    let mut crowded = two_classes(&tv);
    crowded.mode = LearningMode::Distance;
    crowded.classes.truncate(1);
    crowded.classes[0].weekly_load = [("english".to_owned(), 60)].into_iter().collect();
    let aired = tv_load(&crowded.classes[0], &tv);
    crowded.classes[0].weekly_load.extend(aired);
    let problems = generate(&crowded, &tv).unwrap_err();
    assert!(problems.iter().any(|p| p.rule == "R-SCH-1/day-length" && p.class_id == "5А"), "{problems:#?}");
    assert!(problems.iter().any(|p| p.rule == "R-SCH-3/teacher-clash" && p.teacher_id == "aigul"), "{problems:#?}");
}

/// The class's TV lessons per subject, as a load that exactly allows them.
fn tv_load(class: &Class, tv: &TvWeek) -> Vec<(String, u8)> {
    let mut load = std::collections::BTreeMap::new();
    for day in Day::ALL {
        for l in tv.of(class.language, class.grade, day) {
            *load.entry(l.subject.clone()).or_insert(0u8) += 1;
        }
    }
    load.into_iter().collect()
}
