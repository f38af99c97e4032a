//! Posting and reading homework (R-AS-1, R-AS-8).

use chrono::SubsecRound;
use uuid::Uuid;

use qashyq_platform::principal::Caller;

use crate::{
    domain::homework::{Homework, PostHomework},
    error::AssignmentsError,
    events,
    repo::{HomeworkRepo, SchoolRepo},
};

pub struct HomeworkApp {
    repo: HomeworkRepo,
    schools: SchoolRepo,
}

impl HomeworkApp {
    pub fn new(repo: HomeworkRepo, schools: SchoolRepo) -> Self {
        Self { repo, schools }
    }

    /// Refuses a caller outside a school's scope (R-GW-2). A caller with a scope needs the
    /// school known here (from SchoolRegistered); the mesh and national roles do not.
    async fn reach(&self, caller: &Caller, school_id: Uuid, unknown: AssignmentsError) -> Result<(), AssignmentsError> {
        if caller.scope().is_some() {
            let school = self.schools.get(school_id).await?.ok_or(unknown)?;
            caller.check(&school.place(), "the record").map_err(AssignmentsError::OutOfScope)?;
        }
        Ok(())
    }

    /// Posts homework now (the business clock's now): stored with its HomeworkPosted event. A
    /// keyed write (`request_id`, from the gateway's idempotency key) is done once: a repetition
    /// meets the homework the first one stored and answers it, with no second event.
    pub async fn post(&self, caller: &Caller, post: PostHomework, request_id: Option<Uuid>) -> Result<Homework, AssignmentsError> {
        self.reach(caller, post.school_id, AssignmentsError::UnknownSchool(post.school_id)).await?;
        if let Some(id) = request_id
            && let Some(first) = self.repo.find(id).await?
        {
            return Ok(first);
        }
        // Microseconds: what PostgreSQL stores, so the answer equals what a later read returns.
        let now = qashyq_platform::clock::now().trunc_subsecs(6);
        let homework = post.post(request_id.unwrap_or_else(Uuid::now_v7), now)?;
        if !self.repo.insert(&homework, &events::homework_posted(&homework)).await? {
            // A repetition that raced the first: the first one's homework is the answer.
            return self.repo.get(homework.id).await;
        }
        tracing::info!(homework_id = %homework.id, subject = %homework.subject_code, "homework posted");
        Ok(homework)
    }

    pub async fn get(&self, caller: &Caller, id: Uuid) -> Result<Homework, AssignmentsError> {
        let homework = self.repo.get(id).await?;
        self.reach(caller, homework.school_id, AssignmentsError::HomeworkNotFound(id)).await?;
        Ok(homework)
    }

    /// Learns where a school lies (from SchoolRegistered, inside its transaction).
    pub async fn school_registered(&self, tx: &mut sqlx::PgConnection, school: &crate::repo::KnownSchool) -> Result<(), sqlx::Error> {
        crate::repo::schools::record(tx, school).await
    }
}
