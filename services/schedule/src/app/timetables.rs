//! A school's classes, teachers and timetable versions (R-REF-1, R-SCH-*): registering classes
//! and teachers, generating a timetable aligned with the TV grid, checking and uploading one made
//! by the school, and reading a stored version. A new version is stored with its TimetableChanged
//! event and drops what "what is on today" keeps of the school's classes.

use std::{sync::Arc, time::Instant};

use chrono::NaiveDate;
use qashyq_platform::{ApiError, principal::Caller};
use uuid::Uuid;

use super::{directory::reach, planning, today::Today, tv::TvGrid};
use crate::{
    domain::timetable::{
        Class, School, Shift, Teacher, Timetable, TimetableVersion, TvWeek,
        rules::{Violation, check},
        solver::{Infeasible, generate},
    },
    events,
    repo::{SchoolRepo, timetables::TimetableRepo},
};

pub use crate::repo::timetables::StoredClass;

/// A class to register, as read from a request.
pub struct NewClass {
    pub school_id: Uuid,
    pub letter: String,
    /// The class without its id (given when stored).
    pub class: Class,
}

/// A teacher to register, as read from a request.
pub struct NewTeacher {
    pub school_id: Uuid,
    pub full_name: String,
    pub subjects: Vec<String>,
    pub shift: Option<Shift>,
}

/// What a timetable request is about: the school, the week, and who asks.
pub struct TimetableOf {
    pub school_id: Uuid,
    pub week_of: NaiveDate,
    pub by: String,
}

/// What generating or uploading a timetable gave.
pub enum Outcome<P> {
    /// Stored as the school's next version.
    Stored(TimetableVersion),
    /// Not stored: why none fits (generation), or the rules it breaks (upload).
    Refused(Vec<P>),
}

pub struct TimetableApp {
    schools: SchoolRepo,
    timetables: TimetableRepo,
    tv: Arc<TvGrid>,
    today: Arc<Today>,
}

impl TimetableApp {
    pub fn new(schools: SchoolRepo, timetables: TimetableRepo, tv: Arc<TvGrid>, today: Arc<Today>) -> Self {
        Self { schools, timetables, tv, today }
    }

    /// Registers a class of an existing school (ClassRegistered); returns it with its id.
    pub async fn register_class(&self, caller: &Caller, new: NewClass) -> Result<StoredClass, ApiError> {
        reach(caller, &self.schools.existing(new.school_id).await?)?;
        let id = Uuid::now_v7();
        let class = Class { id: id.to_string(), ..new.class };
        let registered = events::class_registered(id, new.school_id, &new.letter, &class);
        self.timetables.register_class(id, new.school_id, &new.letter, &class, &registered).await?;
        tracing::info!(class_id = %id, grade = class.grade.value(), "class registered");
        Ok(StoredClass { school_id: new.school_id, letter: new.letter, class })
    }

    /// A school's classes by grade and letter.
    pub async fn classes(&self, caller: &Caller, school_id: Uuid) -> Result<Vec<StoredClass>, ApiError> {
        reach(caller, &self.schools.found(school_id).await?)?;
        self.timetables.classes(school_id).await
    }

    /// Registers a teacher of an existing school (TeacherRegistered).
    pub async fn register_teacher(&self, caller: &Caller, new: NewTeacher) -> Result<Teacher, ApiError> {
        reach(caller, &self.schools.existing(new.school_id).await?)?;
        let id = Uuid::now_v7();
        let teacher = Teacher { id: id.to_string(), subjects: new.subjects, shift: new.shift };
        let registered = events::teacher_registered(new.school_id, &new.full_name, &teacher);
        self.timetables.register_teacher(id, new.school_id, &new.full_name, &teacher, &registered).await?;
        tracing::info!(teacher_id = %id, "teacher registered");
        Ok(teacher)
    }

    /// Generates the school's timetable for a week around the TV lessons (R-SCH-1) and stores it,
    /// or says why none fits.
    pub async fn generate(&self, caller: &Caller, of: &TimetableOf) -> Result<Outcome<Infeasible>, ApiError> {
        let (school, tv) = self.inputs(caller, of.school_id, of.week_of).await?;
        let started = Instant::now();
        let generated = generate(&school, &tv);
        tracing::info!(classes = school.classes.len(), elapsed_ms = started.elapsed().as_millis() as u64, ok = generated.is_ok(), "timetable generation");
        match generated {
            Ok(timetable) => Ok(Outcome::Stored(self.store(of, &school, &timetable).await?)),
            Err(problems) => Ok(Outcome::Refused(problems)),
        }
    }

    /// The rules a school's own timetable breaks (R-SCH-2); empty when it conforms.
    pub async fn validate(&self, caller: &Caller, school_id: Uuid, week_of: NaiveDate, timetable: &Timetable) -> Result<Vec<Violation>, ApiError> {
        let (school, tv) = self.inputs(caller, school_id, week_of).await?;
        Ok(check(&school, &tv, timetable))
    }

    /// Stores a school's own timetable if it breaks no rule.
    pub async fn upload(&self, caller: &Caller, of: &TimetableOf, timetable: &Timetable) -> Result<Outcome<Violation>, ApiError> {
        let (school, tv) = self.inputs(caller, of.school_id, of.week_of).await?;
        let violations = check(&school, &tv, timetable);
        if !violations.is_empty() {
            return Ok(Outcome::Refused(violations));
        }
        Ok(Outcome::Stored(self.store(of, &school, timetable).await?))
    }

    /// A school's timetable version (0: the current one).
    pub async fn timetable(&self, caller: &Caller, school_id: Uuid, version: i64) -> Result<TimetableVersion, ApiError> {
        reach(caller, &self.schools.found(school_id).await?)?;
        self.timetables.timetable(school_id, version).await?.ok_or_else(|| ApiError::NotFound(format!("a timetable of school {school_id}")))
    }

    /// Everything the school's timetable is built from and checked against.
    async fn inputs(&self, caller: &Caller, school_id: Uuid, week_of: NaiveDate) -> Result<(School, TvWeek), ApiError> {
        let school = self.schools.existing(school_id).await?;
        reach(caller, &school)?;
        planning::inputs(&self.timetables, &self.tv, school_id, school.learning_mode, school.time_zone(), week_of).await
    }

    async fn store(&self, of: &TimetableOf, school: &School, timetable: &Timetable) -> Result<TimetableVersion, ApiError> {
        let classes: Vec<String> = school.classes.iter().map(|c| c.id.clone()).collect();
        let (school_id, week_of) = (of.school_id, of.week_of);
        let stored = self
            .timetables
            .store(school_id, week_of, &of.by, timetable, &classes, |version, affected| {
                events::timetable_changed(school_id, version, affected, week_of, timetable)
            })
            .await?;
        self.today.forget_timetables().await;
        tracing::info!(%school_id, version = stored.version, "timetable stored");
        Ok(stored)
    }
}
