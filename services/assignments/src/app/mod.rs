//! The use cases: what one RPC, one consumed event or one job does, calling the domain's rules
//! and the repository, and building events ([`crate::events`]) for the outbox in the change's
//! transaction.
//!
//! - [`homework`]: posting, editing, withdrawing and reading homework (R-AS-1, R-AS-2);
//! - [`attachments`]: files, streamed to blob storage with their type read from the bytes;
//! - [`submissions`]: work handed in, feedback, returns, the history and the queues (R-AS-3, 4, 9);
//! - [`marks`]: SOR and SOCh (R-AS-5);
//! - [`absences`]: the deadline and conference jobs (R-AS-6);
//! - [`paper`]: packs, collection rounds and paper overdue (seed 003);
//! - [`directory`]: what the directory's events teach the service.

pub mod absences;
pub mod attachments;
pub mod directory;
pub mod homework;
pub mod marks;
pub mod paper;
pub mod submissions;

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use chrono_tz::Tz;
use qashyq_platform::{blob::BlobStore, principal::Caller};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    domain::homework::{Homework, VolumeNorms},
    error::AssignmentsError,
    repo::{self, KnownSchool, SchoolRepo, directory::KnownPupil},
};

/// Everything the use cases share.
pub struct AssignmentsApp {
    pool: PgPool,
    schools: SchoolRepo,
    norms: VolumeNorms,
    blobs: BlobStore,
    max_attachment_bytes: u64,
}

impl AssignmentsApp {
    pub fn new(pool: PgPool, norms: VolumeNorms, blobs: BlobStore, max_attachment_bytes: u64) -> Self {
        Self { schools: SchoolRepo::new(pool.clone()), pool, norms, blobs, max_attachment_bytes }
    }

    /// The business clock's now, in microseconds (what PostgreSQL keeps, so an answer equals
    /// what a later read returns).
    fn now() -> DateTime<Utc> {
        qashyq_platform::clock::now().trunc_subsecs(6)
    }

    /// The school's place; UNAVAILABLE while its SchoolRegistered has not arrived.
    async fn school(&self, school_id: Uuid) -> Result<KnownSchool, AssignmentsError> {
        self.schools.get(school_id).await?.ok_or_else(|| AssignmentsError::NotKnownYet(format!("school {school_id}")))
    }

    /// Refuses a caller outside a school's scope (R-GW-2): PERMISSION_DENIED, as every service
    /// answers a record of a school the caller does not reach. A caller with a scope needs the
    /// school known here (from SchoolRegistered), else `unknown`; the mesh and national roles
    /// reach every school.
    async fn reach(&self, caller: &Caller, school_id: Uuid, unknown: impl FnOnce() -> AssignmentsError) -> Result<(), AssignmentsError> {
        if caller.scope().is_some() {
            let Some(school) = self.schools.get(school_id).await? else { return Err(unknown()) };
            caller.check(&school.place(), "the record").map_err(AssignmentsError::OutOfScope)?;
        }
        Ok(())
    }

    /// Refuses a write to a school outside the caller's scope: PERMISSION_DENIED (the caller
    /// named the school), UNAVAILABLE while the school is not known.
    async fn reach_for_write(&self, caller: &Caller, school_id: Uuid) -> Result<(), AssignmentsError> {
        if caller.scope().is_some() {
            let school = self.school(school_id).await?;
            caller.check(&school.place(), "the school").map_err(AssignmentsError::OutOfScope)?;
        }
        Ok(())
    }

    /// The time zone of the school's region (R-SCH-*: time is the region's).
    async fn zone(&self, school_id: Uuid) -> Result<Tz, AssignmentsError> {
        let school = self.school(school_id).await?;
        qashyq_catalogue::catalogue()
            .region(&school.region_code)
            .map(|region| region.time_zone)
            .ok_or_else(|| AssignmentsError::NotKnownYet(format!("region {}", school.region_code)))
    }

    /// Homework the caller reaches: NOT_FOUND when there is none, PERMISSION_DENIED when it is
    /// of a school outside the caller's scope.
    async fn homework(&self, caller: &Caller, id: Uuid) -> Result<Homework, AssignmentsError> {
        let homework = repo::homework::find(&self.pool, id).await?.ok_or(AssignmentsError::HomeworkNotFound(id))?;
        self.reach(caller, homework.school_id, || AssignmentsError::HomeworkNotFound(id)).await?;
        Ok(homework)
    }

    /// A pupil the caller reaches (for a call that reads the pupil's records): NOT_FOUND when
    /// unknown, PERMISSION_DENIED outside the caller's scope.
    async fn pupil(&self, caller: &Caller, pupil_id: Uuid) -> Result<KnownPupil, AssignmentsError> {
        let not_found = || AssignmentsError::NotFound(format!("pupil {pupil_id}"));
        let pupil = repo::directory::pupil(&self.pool, pupil_id).await?.ok_or_else(not_found)?;
        self.reach(caller, pupil.school_id, not_found).await?;
        Ok(pupil)
    }
}

/// The name the history keeps of who called: the gateway principal, or the mesh.
pub fn principal_name(caller: &Caller) -> String {
    match caller {
        Caller::Mesh => "mesh".to_owned(),
        Caller::Principal(principal) => principal.name.clone(),
    }
}

/// The local date of an instant in a zone.
pub fn local_date(zone: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}
