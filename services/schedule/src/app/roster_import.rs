//! Bulk import of a school's roster (R-REF-1): every row is read and checked, against the file
//! and against what the school already has, before anything is stored; then every row is stored
//! in one transaction with its events. A bad row anywhere means nothing is stored.

use std::collections::HashMap;

use qashyq_catalogue::Grade;
use qashyq_platform::{ApiError, validate::Violations};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    domain::{
        people::Pupil,
        roster::{self, cell},
        timetable::{Class, Teacher},
    },
    events,
    repo::pupils::{PupilRepo, insert_pupil, link_parent},
    repo::timetables::{TimetableRepo, insert_class, insert_teacher},
};

/// Which roster a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterKind {
    Classes,
    Teachers,
    Pupils,
}

/// What an import did (or, when only validating, would do).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub rows: usize,
    pub created: usize,
    pub parents_linked: usize,
    /// Rows left as they were (pupils the school already has, by IIN).
    pub existing: usize,
}

pub struct RosterImport<'a> {
    pub pool: &'a PgPool,
    pub timetables: &'a TimetableRepo,
    pub pupils: &'a PupilRepo,
}

impl RosterImport<'_> {
    #[tracing::instrument(skip(self, csv), fields(bytes = csv.len()))]
    pub async fn run(&self, school_id: Uuid, kind: RosterKind, csv: &[u8], validate_only: bool) -> Result<Imported, ApiError> {
        let outcome = match kind {
            RosterKind::Classes => self.classes(school_id, csv, validate_only).await?,
            RosterKind::Teachers => self.teachers(school_id, csv, validate_only).await?,
            RosterKind::Pupils => self.pupils(school_id, csv, validate_only).await?,
        };
        tracing::info!(rows = outcome.rows, created = outcome.created, validate_only, "roster imported");
        Ok(outcome)
    }

    async fn classes(&self, school_id: Uuid, csv: &[u8], validate_only: bool) -> Result<Imported, ApiError> {
        let mut v = Violations::new();
        let rows = roster::read_classes(&mut v, csv);
        let existing: Vec<(Grade, String)> = self.timetables.classes(school_id).await?.into_iter().map(|c| (c.class.grade, c.letter)).collect();
        for row in &rows {
            if existing.contains(&(row.grade, row.letter.clone())) {
                v.add(cell(row.row, "letter"), format!("class {}{} already exists in the school", row.grade.value(), row.letter));
            }
        }
        v.finish()?;
        let mut done = Imported { rows: rows.len(), ..Default::default() };
        if validate_only {
            return Ok(done);
        }
        let mut tx = self.pool.begin().await?;
        for row in &rows {
            let id = Uuid::now_v7();
            let class = Class { id: id.to_string(), grade: row.grade, language: row.language, shift: row.shift, weekly_load: row.weekly_load.clone() };
            let registered = events::class_registered(id, school_id, &row.letter, &class);
            // A class added by a concurrent call since the check above: refuse the file.
            if !insert_class(&mut tx, id, school_id, &row.letter, &class, &registered).await? {
                return Err(ApiError::invalid(cell(row.row, "letter"), format!("class {}{} already exists in the school", row.grade.value(), row.letter)));
            }
            done.created += 1;
        }
        tx.commit().await?;
        Ok(done)
    }

    async fn teachers(&self, school_id: Uuid, csv: &[u8], validate_only: bool) -> Result<Imported, ApiError> {
        let mut v = Violations::new();
        let rows = roster::read_teachers(&mut v, csv);
        v.finish()?;
        let mut done = Imported { rows: rows.len(), ..Default::default() };
        if validate_only {
            return Ok(done);
        }
        let mut tx = self.pool.begin().await?;
        for row in &rows {
            let id = Uuid::now_v7();
            let teacher = Teacher { id: id.to_string(), subjects: row.subjects.clone(), shift: row.shift };
            insert_teacher(&mut tx, id, school_id, &row.full_name, &teacher, &events::teacher_registered(school_id, &row.full_name, &teacher)).await?;
            done.created += 1;
        }
        tx.commit().await?;
        Ok(done)
    }

    async fn pupils(&self, school_id: Uuid, csv: &[u8], validate_only: bool) -> Result<Imported, ApiError> {
        let mut v = Violations::new();
        let rows = roster::read_pupils(&mut v, csv);
        let classes: HashMap<(Grade, String), Uuid> = self
            .timetables
            .classes(school_id)
            .await?
            .into_iter()
            .map(|c| Ok(((c.class.grade, c.letter), Uuid::parse_str(&c.class.id).map_err(ApiError::internal)?)))
            .collect::<Result<_, ApiError>>()?;
        let iins: Vec<String> = rows.iter().filter_map(|r| r.iin.clone()).collect();
        let registered = self.pupils.schools_by_iin(&iins).await?;
        let mut placed = Vec::new();
        let mut existing = 0;
        for row in &rows {
            match row.iin.as_ref().and_then(|iin| registered.get(iin)) {
                Some(school) if *school == school_id => existing += 1,
                Some(other) => v.add(cell(row.row, "iin"), format!("is a pupil of another school ({other}); a transfer is not an import")),
                None => match classes.get(&row.class) {
                    Some(class_id) => placed.push((row, *class_id)),
                    None => v.add(cell(row.row, "class"), format!("the school has no class {}{}", row.class.0.value(), row.class.1)),
                },
            }
        }
        v.finish()?;
        let mut done = Imported { rows: rows.len(), existing, ..Default::default() };
        if validate_only {
            return Ok(done);
        }
        let mut tx = self.pool.begin().await?;
        for (row, class_id) in placed {
            // An IIN registered by a concurrent call since the check above refuses the file.
            let pupil = Pupil {
                id: Uuid::now_v7(),
                school_id,
                class_id,
                full_name: row.full_name.clone(),
                delivery: row.delivery,
                iin: row.iin.clone(),
                parents: Vec::new(),
            };
            match insert_pupil(&mut tx, &pupil, &events::pupil_registered(&pupil)).await {
                Err(ApiError::AlreadyExists(message)) => return Err(ApiError::invalid(cell(row.row, "iin"), message)),
                other => other?,
            };
            done.created += 1;
            if let Some(parent) = &row.parent {
                link_parent(&mut tx, pupil.id, parent, |parent_id| events::pupil_parent_linked(pupil.id, parent_id)).await?;
                done.parents_linked += 1;
            }
        }
        tx.commit().await?;
        Ok(done)
    }
}
