//! The school directory (R-REF-1): schools and districts, pupils with their parents, and bulk
//! roster imports. Each registration is stored with its event (built here, handed to the
//! repository, written in the same transaction).

use qashyq_platform::{ApiError, principal::Caller};
use uuid::Uuid;

use super::roster_import::{Imported, RosterImport, RosterKind};
use crate::{
    domain::{
        people::{NewPupil, Parent, Pupil},
        roster::ParentRow,
        school::{District, NewSchool, School},
    },
    events,
    repo::{SchoolRepo, pupils::PupilRepo, timetables::TimetableRepo},
};

pub use crate::repo::{SchoolCursor, pupils::PupilCursor};

/// Which schools a listing shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchoolFilter {
    pub region_code: Option<String>,
    pub district_id: Option<Uuid>,
}

/// One page of a listing, and whether another follows.
pub struct Page<T> {
    pub items: Vec<T>,
    pub more: bool,
}

pub struct DirectoryApp {
    schools: SchoolRepo,
    timetables: TimetableRepo,
    pupils: PupilRepo,
}

impl DirectoryApp {
    pub fn new(schools: SchoolRepo, timetables: TimetableRepo, pupils: PupilRepo) -> Self {
        Self { schools, timetables, pupils }
    }

    /// Registers a school (SchoolRegistered).
    pub async fn register_school(&self, new: NewSchool) -> Result<School, ApiError> {
        let school = self.schools.register(new, events::school_registered).await?;
        tracing::info!(school_id = %school.id, region_code = %school.region_code, "school registered");
        Ok(school)
    }

    pub async fn school(&self, caller: &Caller, id: Uuid) -> Result<School, ApiError> {
        let school = self.schools.get(id).await?;
        reach(caller, &school)?;
        Ok(school)
    }

    /// Schools by name, after a cursor: of those the caller reaches.
    pub async fn schools(&self, caller: &Caller, filter: &SchoolFilter, after: Option<SchoolCursor>, size: u32) -> Result<Page<School>, ApiError> {
        let (items, more) = self.schools.list(filter.region_code.as_deref(), filter.district_id, caller.scope(), after, size).await?;
        Ok(Page { items, more })
    }

    /// Registers a district of a region (DistrictRegistered).
    pub async fn register_district(&self, region_code: String, name: String) -> Result<District, ApiError> {
        let district = District { id: Uuid::now_v7(), region_code, name };
        self.schools.register_district(&district, &events::district_registered(&district)).await?;
        tracing::info!(district_id = %district.id, region_code = %district.region_code, "district registered");
        Ok(district)
    }

    pub async fn districts(&self, region_code: &str) -> Result<Vec<District>, ApiError> {
        Ok(self.schools.districts(region_code).await?)
    }

    /// Registers a pupil in a class (`class_id` names the class of the request), with parents
    /// (PupilRegistered, PupilParentLinked).
    pub async fn register_pupil(&self, caller: &Caller, new: NewPupil) -> Result<Pupil, ApiError> {
        let class = self.timetables.existing_class("class_id", new.class_id).await?;
        self.reach_school(caller, class.school_id).await?;
        let pupil = Pupil {
            id: Uuid::now_v7(),
            school_id: class.school_id,
            class_id: new.class_id,
            full_name: new.full_name,
            delivery: new.delivery,
            iin: new.iin,
            parents: Vec::new(),
        };
        let pupil_id = pupil.id;
        let registered = events::pupil_registered(&pupil);
        let pupil = self.pupils.register(pupil, &new.parents, &registered, |parent_id| events::pupil_parent_linked(pupil_id, parent_id)).await?;
        tracing::info!(%pupil_id, class_id = %pupil.class_id, "pupil registered");
        Ok(pupil)
    }

    pub async fn pupil(&self, caller: &Caller, id: Uuid) -> Result<Pupil, ApiError> {
        let pupil = self.pupils.get(id).await?.ok_or_else(|| ApiError::NotFound(format!("pupil {id}")))?;
        self.reach_school(caller, pupil.school_id).await?;
        Ok(pupil)
    }

    /// A class's pupils by name, after a cursor.
    pub async fn pupils(&self, caller: &Caller, class_id: Uuid, after: Option<PupilCursor>, size: u32) -> Result<Page<Pupil>, ApiError> {
        let class = self.timetables.found_class(class_id).await?;
        self.reach_school(caller, class.school_id).await?;
        let (items, more) = self.pupils.list(class_id, after, size).await?;
        Ok(Page { items, more })
    }

    /// Links a parent to a pupil (PupilParentLinked when the link is new).
    pub async fn add_parent(&self, caller: &Caller, pupil_id: Uuid, parent: &ParentRow) -> Result<Parent, ApiError> {
        let pupil = self.pupils.get(pupil_id).await?.ok_or_else(|| ApiError::NotFound(format!("pupil {pupil_id}")))?;
        self.reach_school(caller, pupil.school_id).await?;
        self.pupils.add_parent(pupil_id, parent, |parent_id| events::pupil_parent_linked(pupil_id, parent_id)).await
    }

    /// Refuses a caller outside a school's scope; only a caller with a scope costs a read of
    /// where the school lies.
    async fn reach_school(&self, caller: &Caller, school_id: Uuid) -> Result<(), ApiError> {
        if caller.scope().is_some() {
            reach(caller, &self.schools.get(school_id).await?)?;
        }
        Ok(())
    }

    /// Imports (or, `validate_only`, checks) a roster file of a school.
    pub async fn import_roster(&self, caller: &Caller, school_id: Uuid, kind: RosterKind, csv: &[u8], validate_only: bool) -> Result<Imported, ApiError> {
        reach(caller, &self.schools.existing(school_id).await?)?;
        RosterImport { pool: self.pupils.pool(), timetables: &self.timetables, pupils: &self.pupils }.run(school_id, kind, csv, validate_only).await
    }
}

/// Refuses a caller outside a school's scope (R-GW-2): PERMISSION_DENIED, the same answer for
/// every record of the school, which says nothing of the school beyond its id.
pub fn reach(caller: &Caller, school: &School) -> Result<(), ApiError> {
    caller.check(&school.place(), "the record")
}
