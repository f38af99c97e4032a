//! Pupils without internet (seed 003): the paper pack a post operator takes to a class, the
//! collection rounds (at least every two weeks) and the paper work overdue for collection.

use chrono::{DateTime, NaiveDate, Utc};
use qashyq_platform::principal::Caller;
use uuid::Uuid;

use super::AssignmentsApp;
use crate::{
    domain::{
        homework::Homework,
        paper::{CollectionRound, Overdue, RecordRound},
    },
    error::AssignmentsError,
    repo::{self, directory::KnownPupil},
};

/// Paper work is collected at least this often (seed 003).
pub const ROUND_EVERY: chrono::Duration = chrono::Duration::days(14);
/// A pack covers homework due in this many days.
pub const PACK_DAYS: u64 = 14;

impl AssignmentsApp {
    /// The class's paper pupils and the homework due from `from` for the next 14 local days.
    pub async fn paper_pack(&self, caller: &Caller, class_id: Uuid, from: NaiveDate) -> Result<(Vec<KnownPupil>, Vec<Homework>), AssignmentsError> {
        let not_found = || AssignmentsError::NotFound(format!("class {class_id}"));
        let class = repo::directory::class(&self.pool, class_id, false).await?.ok_or_else(not_found)?;
        self.reach(caller, class.school_id, not_found).await?;
        let pupils = repo::directory::class_pupils(&self.pool, class_id, true).await?;
        let to = from.checked_add_days(chrono::Days::new(PACK_DAYS)).unwrap_or(from);
        let homework = repo::homework::of_class(&self.pool, class_id, from, to, false).await?;
        Ok((pupils, homework))
    }

    pub async fn record_collection_round(&self, caller: &Caller, record: RecordRound, request_id: Option<Uuid>) -> Result<CollectionRound, AssignmentsError> {
        let class = repo::directory::class(&self.pool, record.class_id, false)
            .await?
            .ok_or_else(|| AssignmentsError::NotKnownYet(format!("class {}", record.class_id)))?;
        self.reach_for_write(caller, class.school_id).await?;
        let round = CollectionRound {
            id: request_id.unwrap_or_else(Uuid::now_v7),
            school_id: class.school_id,
            class_id: class.class_id,
            collected_by_role: record.collected_by_role,
            collected_by: record.collected_by,
            collected_at: record.collected_at,
        };
        repo::paper::insert_round(&self.pool, &round).await?;
        repo::paper::round(&self.pool, round.id).await?.ok_or_else(|| AssignmentsError::NotFound(format!("round {}", round.id)))
    }

    pub async fn paper_overdue(
        &self,
        caller: &Caller,
        school_id: Uuid,
        after: Option<(DateTime<Utc>, Uuid, Uuid)>,
        limit: u32,
    ) -> Result<Vec<Overdue>, AssignmentsError> {
        let not_found = || AssignmentsError::NotFound(format!("school {school_id}"));
        self.schools.get(school_id).await?.ok_or_else(not_found)?;
        self.reach(caller, school_id, not_found).await?;
        Ok(repo::paper::overdue(&self.pool, school_id, Self::now(), ROUND_EVERY, after, limit).await?)
    }
}
