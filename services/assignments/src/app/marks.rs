//! Summative marks (R-AS-5): recorded by a teacher of the pupil's school who teaches the subject.

use qashyq_platform::principal::Caller;
use uuid::Uuid;

use super::AssignmentsApp;
use crate::{
    OUTBOX,
    domain::mark::{Mark, RecordMark},
    error::AssignmentsError,
    events, repo,
};

impl AssignmentsApp {
    /// Records the mark (a correction of the same work is its next version) with MarkRecorded;
    /// a retried write (the same request id) changes nothing and answers the mark.
    pub async fn record_mark(&self, caller: &Caller, record: RecordMark, request_id: Option<Uuid>) -> Result<Mark, AssignmentsError> {
        let pupil =
            repo::directory::pupil(&self.pool, record.pupil_id).await?.ok_or_else(|| AssignmentsError::NotKnownYet(format!("pupil {}", record.pupil_id)))?;
        self.reach_for_write(caller, pupil.school_id).await?;
        if let Some(request_id) = request_id
            && let Some(written) = repo::marks::written_by(&self.pool, request_id).await?
        {
            // A retry, even after a later correction, changes nothing: the mark as it is now.
            return Ok(written);
        }
        self.check_teacher(pupil.school_id, record.teacher_id, Some(&record.subject_code), "teacher_id").await?;
        self.check_teaches(pupil.class_id, &record.subject_code, record.teacher_id, "teacher_id").await?;
        let mark = Mark {
            id: Uuid::now_v7(),
            pupil_id: pupil.pupil_id,
            school_id: pupil.school_id,
            class_id: pupil.class_id,
            subject_code: record.subject_code,
            kind: record.kind,
            school_year: record.school_year,
            quarter: record.quarter,
            number: record.number,
            score: record.score,
            max_score: record.max_score,
            teacher_id: record.teacher_id,
            recorded_at: Self::now(),
            version: 1,
        };
        let mut tx = self.pool.begin().await?;
        let Some(stored) = repo::marks::upsert(&mut tx, &mark, request_id).await? else {
            // A retry raced this write and won; this one's change rolls back.
            drop(tx);
            return repo::marks::find(&self.pool, &mark).await?.ok_or_else(|| AssignmentsError::NotFound("mark".to_owned()));
        };
        OUTBOX.enqueue(&mut tx, &stored.id.to_string(), &events::mark_recorded(&stored)).await?;
        tx.commit().await?;
        tracing::info!(mark_id = %stored.id, kind = stored.kind.as_str(), version = stored.version, "mark recorded");
        Ok(stored)
    }

    pub async fn pupil_marks(&self, caller: &Caller, pupil_id: Uuid, school_year: i32) -> Result<Vec<Mark>, AssignmentsError> {
        self.pupil(caller, pupil_id).await?;
        Ok(repo::marks::of_pupil(&self.pool, pupil_id, school_year).await?)
    }
}
