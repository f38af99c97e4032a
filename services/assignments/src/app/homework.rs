//! Posting and reading homework (R-AS-1, R-AS-8).

use chrono::SubsecRound;
use uuid::Uuid;

use crate::{
    domain::homework::{Homework, PostHomework},
    error::AssignmentsError,
    events,
    repo::HomeworkRepo,
};

pub struct HomeworkApp {
    repo: HomeworkRepo,
}

impl HomeworkApp {
    pub fn new(repo: HomeworkRepo) -> Self {
        Self { repo }
    }

    /// Posts homework now (the business clock's now): stored with its HomeworkPosted event.
    pub async fn post(&self, post: PostHomework) -> Result<Homework, AssignmentsError> {
        // Microseconds: what PostgreSQL stores, so the answer equals what a later read returns.
        let now = qashyq_platform::clock::now().trunc_subsecs(6);
        let homework = post.post(Uuid::now_v7(), now)?;
        self.repo.insert(&homework, &events::homework_posted(&homework)).await?;
        tracing::info!(homework_id = %homework.id, subject = %homework.subject_code, "homework posted");
        Ok(homework)
    }

    pub async fn get(&self, id: Uuid) -> Result<Homework, AssignmentsError> {
        self.repo.get(id).await
    }
}
