//! Generating a school's timetable (R-SCH-3) as a constraint-satisfaction search.
//!
//! Design: a school is one independent problem (its teachers teach only its classes), so the
//! country is solved school by school, in parallel across replicas, and no school's size grows
//! with the country's. Within a school, each own lesson to give (class, subject, teacher, n-th of
//! the week) is a variable whose values are the class's free slots: the 30-minute slots from the
//! class's start time that do not overlap its grade's TV airings (R-SCH-2), with breaks between
//! them. The search assigns the most constrained lesson first (fewest slots left: MRV), tries
//! slots on the class's least-loaded day first, earliest first, so days stay balanced and
//! compact; constraints are checked forward (class slot free, teacher not elsewhere, a subject
//! spread over the week). It backtracks within a bounded budget and is deterministic: the same
//! input gives the same timetable. Before searching, counting checks name the rule that cannot
//! be met for whom (load below the TV lessons, no teacher for a subject in the shift, more
//! lessons than free slots for a class or a teacher).

use std::collections::BTreeMap;

use super::model::{Class, Day, LearningMode, Lesson, School, Shift, Span, Timetable, TvWeek, day_rules};

/// Why no valid timetable exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Infeasible {
    /// The rule that cannot be met (as in `rules::Violation`).
    pub rule: &'static str,
    pub class_id: String,
    pub teacher_id: String,
    pub subject: String,
    pub message: String,
}

fn infeasible(rule: &'static str, class: &str, teacher: &str, subject: &str, message: String) -> Infeasible {
    Infeasible { rule, class_id: class.to_owned(), teacher_id: teacher.to_owned(), subject: subject.to_owned(), message }
}

/// The slots a class can take own lessons in on a day, around its grade's TV lessons.
pub fn free_slots(class: &Class, tv: &TvWeek, day: Day) -> Vec<Span> {
    let airings = tv.of(class.language, class.grade, day);
    let (mut at, end) = (day_rules::start(class), day_rules::end(class));
    let mut slots = Vec::new();
    while at + day_rules::LESSON_MINUTES <= end {
        let span = Span::new(at, day_rules::LESSON_MINUTES);
        match airings.iter().filter(|a| a.span.overlaps(&span)).map(|a| a.span.end).max() {
            // Start after the TV lesson instead (TV and own lessons may follow each other).
            Some(tv_end) => at = tv_end,
            None => {
                slots.push(span);
                at = span.end + day_rules::BREAK_MINUTES;
            }
        }
    }
    slots
}

/// One own lesson to place.
struct Variable {
    class: usize,
    subject: String,
    teacher: usize,
    /// Most lessons of this subject a class takes on one day.
    per_day: usize,
}

/// Search state.
struct Search<'a> {
    school: &'a School,
    variables: Vec<Variable>,
    /// Per class: its slots as (day, span).
    slots: Vec<Vec<(Day, Span)>>,
    class_used: Vec<Vec<bool>>,
    class_day_load: Vec<[usize; 5]>,
    subject_day_count: BTreeMap<(usize, String, Day), usize>,
    teacher_busy: Vec<[Vec<Span>; 5]>,
    assigned: Vec<Option<usize>>,
    budget: usize,
    /// The variable that ran out of slots most often, for the explanation.
    dead_ends: BTreeMap<usize, usize>,
}

impl Search<'_> {
    fn fits(&self, v: usize, slot: usize) -> bool {
        let var = &self.variables[v];
        if self.class_used[var.class][slot] {
            return false;
        }
        let (day, span) = self.slots[var.class][slot];
        if self.subject_day_count.get(&(var.class, var.subject.clone(), day)).copied().unwrap_or(0) >= var.per_day {
            return false;
        }
        !self.teacher_busy[var.teacher][day as usize].iter().any(|busy| busy.overlaps(&span))
    }

    fn candidates(&self, v: usize) -> Vec<usize> {
        let class = self.variables[v].class;
        let mut values: Vec<usize> = (0..self.slots[class].len()).filter(|&s| self.fits(v, s)).collect();
        values.sort_by_key(|&s| {
            let (day, span) = self.slots[class][s];
            (self.class_day_load[class][day as usize], span.start, day)
        });
        values
    }

    fn place(&mut self, v: usize, slot: usize, on: bool) {
        let (class, teacher, subject) = (self.variables[v].class, self.variables[v].teacher, self.variables[v].subject.clone());
        let (day, span) = self.slots[class][slot];
        self.class_used[class][slot] = on;
        let count = self.subject_day_count.entry((class, subject, day)).or_default();
        if on {
            *count += 1;
            self.class_day_load[class][day as usize] += 1;
            self.teacher_busy[teacher][day as usize].push(span);
            self.assigned[v] = Some(slot);
        } else {
            *count -= 1;
            self.class_day_load[class][day as usize] -= 1;
            let busy = &mut self.teacher_busy[teacher][day as usize];
            let at = busy.iter().position(|s| *s == span).expect("placed before");
            busy.swap_remove(at);
            self.assigned[v] = None;
        }
    }

    /// Depth-first search, most constrained variable first. `false`: no solution within budget.
    fn solve(&mut self) -> bool {
        let mut best: Option<(usize, Vec<usize>)> = None;
        for v in (0..self.variables.len()).filter(|&v| self.assigned[v].is_none()) {
            let values = self.candidates(v);
            if best.as_ref().is_none_or(|(_, b)| values.len() < b.len()) {
                let empty = values.is_empty();
                best = Some((v, values));
                if empty {
                    break;
                }
            }
        }
        let Some((v, values)) = best else { return true };
        if values.is_empty() {
            *self.dead_ends.entry(v).or_default() += 1;
            return false;
        }
        for slot in values {
            if self.budget == 0 {
                return false;
            }
            self.budget -= 1;
            self.place(v, slot, true);
            if self.solve() {
                return true;
            }
            self.place(v, slot, false);
        }
        false
    }
}

/// Lessons a week a teacher is given before another teacher of the subject is brought in, in a
/// school in shifts.
const FAIR_WEEK: usize = 25;

/// How many placements the search may try before it gives up.
const SEARCH_BUDGET: usize = 200_000;

/// Builds a timetable keeping every rule of `rules::check`, or explains why none exists.
pub fn generate(school: &School, tv: &TvWeek) -> Result<Timetable, Vec<Infeasible>> {
    let mut problems = Vec::new();
    let mut variables = Vec::new();
    // Teachers' lessons so far and, in shift schools, their shift: the one the school fixed, or
    // the one of their first class.
    let mut teacher_lessons = vec![0usize; school.teachers.len()];
    let mut teacher_shift: Vec<Option<Shift>> = school.teachers.iter().map(|t| t.shift).collect();
    let mut classes: Vec<usize> = (0..school.classes.len()).collect();
    classes.sort_by(|&a, &b| school.classes[a].id.cmp(&school.classes[b].id));
    for &c in &classes {
        let class = &school.classes[c];
        let mut tv_count: BTreeMap<&str, usize> = BTreeMap::new();
        for day in Day::ALL {
            for lesson in tv.of(class.language, class.grade, day) {
                *tv_count.entry(lesson.subject.as_str()).or_default() += 1;
            }
        }
        for (subject, &tv_lessons) in &tv_count {
            let load = class.weekly_load.get(*subject).copied().unwrap_or(0) as usize;
            if tv_lessons > load {
                problems.push(infeasible(
                    "R-SCH-2/weekly-load",
                    &class.id,
                    "",
                    subject,
                    format!("{tv_lessons} TV lessons of {subject} a week already exceed the weekly load of {load}"),
                ));
            }
        }
        for (subject, &load) in &class.weekly_load {
            let own = (load as usize).saturating_sub(tv_count.get(subject.as_str()).copied().unwrap_or(0));
            if own == 0 {
                continue;
            }
            // The least-loaded teacher of the subject who may work in the class's shift. In a
            // school in shifts a teacher is bound to the shift of their first class (R-REF-3), so
            // one already in this shift is preferred while they have room for a fair week
            // ([`FAIR_WEEK`]); a teacher without a shift yet is taken next.
            let qualified: Vec<usize> = (0..school.teachers.len()).filter(|&t| school.teachers[t].subjects.contains(subject)).collect();
            let least_loaded = |pool: &mut dyn Iterator<Item = usize>| pool.min_by_key(|&t| (teacher_lessons[t], school.teachers[t].id.clone()));
            let candidate = if school.mode == LearningMode::InPersonShifts {
                let in_shift = |t: &usize| teacher_shift[*t] == Some(class.shift);
                least_loaded(&mut qualified.iter().copied().filter(in_shift).filter(|&t| teacher_lessons[t] + own <= FAIR_WEEK))
                    .or_else(|| least_loaded(&mut qualified.iter().copied().filter(|&t| teacher_shift[t].is_none())))
                    .or_else(|| least_loaded(&mut qualified.iter().copied().filter(in_shift)))
            } else {
                least_loaded(&mut qualified.iter().copied())
            };
            let Some(t) = candidate else {
                let shift = if school.mode == LearningMode::InPersonShifts { format!(" in shift {}", class.shift.number()) } else { String::new() };
                problems.push(infeasible(
                    "R-SCH-3/no-teacher",
                    &class.id,
                    "",
                    subject,
                    format!("no teacher of {subject} is free to teach class {}{shift}", class.id),
                ));
                continue;
            };
            teacher_lessons[t] += own;
            teacher_shift[t] = Some(class.shift);
            for _ in 0..own {
                variables.push(Variable { class: c, subject: subject.clone(), teacher: t, per_day: own.div_ceil(5) });
            }
        }
    }
    let slots: Vec<Vec<(Day, Span)>> = school
        .classes
        .iter()
        .map(|class| Day::ALL.into_iter().flat_map(|day| free_slots(class, tv, day).into_iter().map(move |s| (day, s))).collect())
        .collect();
    for &c in &classes {
        let needed = variables.iter().filter(|v| v.class == c).count();
        if needed > slots[c].len() {
            let class = &school.classes[c];
            problems.push(infeasible(
                "R-SCH-1/day-length",
                &class.id,
                "",
                "",
                format!("class {} needs {needed} own lessons a week but has {} free slots around its TV lessons", class.id, slots[c].len()),
            ));
        }
    }
    for (t, teacher) in school.teachers.iter().enumerate() {
        let mut times: Vec<(Day, Span)> = variables.iter().filter(|v| v.teacher == t).flat_map(|v| slots[v.class].iter().copied()).collect();
        times.sort();
        times.dedup();
        // A teacher can give at most as many lessons as there are non-overlapping slot times.
        let capacity: usize = Day::ALL
            .into_iter()
            .map(|day| {
                let mut end = 0;
                times
                    .iter()
                    .filter(|(d, _)| *d == day)
                    .filter(|(_, s)| {
                        if s.start >= end {
                            end = s.end;
                            true
                        } else {
                            false
                        }
                    })
                    .count()
            })
            .sum();
        if teacher_lessons[t] > capacity {
            problems.push(infeasible(
                "R-SCH-3/teacher-clash",
                "",
                &teacher.id,
                "",
                format!("teacher {} has {} lessons a week but at most {capacity} fit without being in two places at once", teacher.id, teacher_lessons[t]),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut search = Search {
        school,
        class_used: slots.iter().map(|s| vec![false; s.len()]).collect(),
        class_day_load: vec![[0; 5]; school.classes.len()],
        subject_day_count: BTreeMap::new(),
        teacher_busy: vec![Default::default(); school.teachers.len()],
        assigned: vec![None; variables.len()],
        variables,
        slots,
        budget: SEARCH_BUDGET,
        dead_ends: BTreeMap::new(),
    };
    if !search.solve() {
        let worst = search.dead_ends.iter().max_by_key(|(v, n)| (**n, std::cmp::Reverse(**v))).map(|(v, _)| *v).unwrap_or(0);
        let var = &search.variables[worst];
        let (class, teacher) = (&school.classes[var.class], &school.teachers[var.teacher]);
        return Err(vec![infeasible(
            "R-SCH-3/teacher-clash",
            &class.id,
            &teacher.id,
            &var.subject,
            format!(
                "no slot is left for {} of class {} with teacher {}: every free slot of the class collides with the teacher's other lessons or the subject's daily spread",
                var.subject, class.id, teacher.id
            ),
        )]);
    }
    let mut lessons: Vec<Lesson> = search
        .variables
        .iter()
        .zip(&search.assigned)
        .map(|(var, slot)| {
            let (day, span) = search.slots[var.class][slot.expect("solved")];
            Lesson {
                class_id: search.school.classes[var.class].id.clone(),
                day,
                span,
                subject: var.subject.clone(),
                teacher_id: school.teachers[var.teacher].id.clone(),
            }
        })
        .collect();
    lessons.sort_by(|a, b| (&a.class_id, a.day, a.span).cmp(&(&b.class_id, b.day, b.span)));
    Ok(Timetable { lessons })
}
