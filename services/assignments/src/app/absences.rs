//! Absences (R-AS-6), marked by jobs on the platform's queue: one at each homework deadline (and
//! at each pupil's extended deadline), one per recorded video conference. A job runs on one
//! replica at a time and an absence is unique per pupil and homework (or conference), so a job
//! run twice, or by two replicas, marks each absence once.

use chrono::{DateTime, NaiveDate, Utc};
use qashyq_platform::{
    jobs::{self, JobError, NewJob},
    principal::Caller,
};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{AssignmentsApp, local_date};
use crate::{
    OUTBOX,
    domain::{
        absence::{Absence, AbsenceReason, Conference, RecordConference, missed_conference, missed_deadline},
        homework::Homework,
        submission::Submission,
    },
    error::AssignmentsError,
    events, repo,
};

pub const DEADLINE_JOB: &str = "deadline-absences";
pub const CONFERENCE_JOB: &str = "conference-absences";

/// A deadline to judge: the class's (no pupil) or one pupil's extended one.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DeadlineJob {
    pub homework_id: Uuid,
    pub pupil_id: Option<Uuid>,
    pub deadline: DateTime<Utc>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ConferenceJob {
    pub conference_id: Uuid,
}

/// Queues the judgement of a deadline, due at the deadline; a deadline queued before is one job.
/// The queue runs on real time and deadlines are business time (the demo's clock may be
/// shifted, `platform::clock`), so the job is due after the deadline's distance from now.
pub async fn queue_deadline(tx: &mut PgConnection, homework: &Homework, pupil_id: Option<Uuid>, deadline: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let who = pupil_id.map_or_else(|| "class".to_owned(), |p| p.to_string());
    let key = format!("{}/{who}@{}", homework.id, deadline.timestamp_micros());
    let job = DeadlineJob { homework_id: homework.id, pupil_id, deadline };
    let due = Utc::now() + (deadline - qashyq_platform::clock::now());
    jobs::enqueue(tx, NewJob::new(DEADLINE_JOB, &key, &job).run_at(due)).await?;
    Ok(())
}

/// Withdraws every standing deadline absence of the homework, with their events.
pub async fn withdraw_homework_absences(tx: &mut PgConnection, homework_id: Uuid, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    for absence in repo::absences::withdraw_all(tx, homework_id, now).await? {
        OUTBOX.enqueue(tx, &absence.id.to_string(), &events::absence_withdrawn(&absence, now)).await?;
    }
    Ok(())
}

/// Withdraws the pupil's deadline absence for the submission's homework, if one stands, with
/// its event.
pub async fn withdraw_deadline_absence(tx: &mut PgConnection, submission: &Submission, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    if let Some(absence) = repo::absences::withdraw(tx, submission.pupil_id, submission.homework_id, now).await? {
        OUTBOX.enqueue(tx, &absence.id.to_string(), &events::absence_withdrawn(&absence, now)).await?;
        tracing::info!(absence_id = %absence.id, pupil_id = %absence.pupil_id, "absence withdrawn: work was handed over in time");
    }
    Ok(())
}

impl AssignmentsApp {
    /// The deadline job: marks absent every pupil (or the one pupil) with nothing handed in by
    /// their deadline. Nothing for withdrawn homework, nor for a deadline since moved (the
    /// job queued for the new one judges it).
    pub async fn run_deadline_job(&self, job: DeadlineJob) -> Result<(), JobError> {
        let now = Self::now();
        let mut tx = self.pool.begin().await.map_err(JobError::retry)?;
        // Waits for work being handed in to commit, and holds new work back, so that what the
        // job reads is all there is.
        repo::homework::hold(&mut tx, job.homework_id, true).await.map_err(JobError::retry)?;
        let Some(homework) = repo::homework::find(&mut *tx, job.homework_id).await.map_err(JobError::retry)? else {
            return Err(JobError::permanent(anyhow::anyhow!("no homework {}", job.homework_id)));
        };
        if homework.withdrawn_at.is_some() || (job.pupil_id.is_none() && homework.deadline != job.deadline) {
            return Ok(());
        }
        if job.deadline > now {
            // Taken a little early (the clocks of replicas differ): again after a backoff.
            return Err(JobError::retry(anyhow::anyhow!("deadline {} not passed yet", job.deadline)));
        }
        let zone = self.zone(homework.school_id).await.map_err(|e| JobError::retry(anyhow::anyhow!("{e}")))?;
        let pupils = repo::absences::pupils_at_deadline(&mut tx, homework.id, homework.class_id, job.pupil_id).await.map_err(JobError::retry)?;
        let mut marked = 0;
        for pupil in pupils.iter().filter(|p| missed_deadline(p, homework.deadline, now)) {
            let absence = Absence {
                id: Uuid::now_v7(),
                pupil_id: pupil.pupil_id,
                school_id: homework.school_id,
                class_id: homework.class_id,
                reason: AbsenceReason::DeadlineMissed,
                homework_id: Some(homework.id),
                conference_id: None,
                date: local_date(zone, pupil.extended_until.map_or(homework.deadline, |e| e.max(homework.deadline))),
                marked_at: now,
                withdrawn_at: None,
            };
            if repo::absences::mark(&mut tx, &absence).await.map_err(JobError::retry)? {
                OUTBOX.enqueue(&mut tx, &absence.id.to_string(), &events::absence_marked(&absence)).await.map_err(JobError::retry)?;
                marked += 1;
            }
        }
        tx.commit().await.map_err(JobError::retry)?;
        tracing::info!(homework_id = %homework.id, marked, "deadline judged");
        Ok(())
    }

    /// Records a conference and who attended; the job marks the rest of the class absent.
    pub async fn record_conference(&self, caller: &Caller, record: RecordConference, request_id: Option<Uuid>) -> Result<Conference, AssignmentsError> {
        let class = repo::directory::class(&self.pool, record.class_id, false)
            .await?
            .ok_or_else(|| AssignmentsError::NotKnownYet(format!("class {}", record.class_id)))?;
        self.reach_for_write(caller, class.school_id).await?;
        self.check_teacher(class.school_id, record.teacher_id, Some(&record.subject_code), "teacher_id").await?;
        self.check_teaches(class.class_id, &record.subject_code, record.teacher_id, "teacher_id").await?;
        let pupils = repo::directory::class_pupils(&self.pool, class.class_id, false).await?;
        if let Some(i) = record.present.iter().position(|p| !pupils.iter().any(|k| k.pupil_id == *p)) {
            return Err(AssignmentsError::invalid(format!("present_pupil_ids[{i}]"), "is not a pupil of the class"));
        }
        let conference = Conference {
            id: request_id.unwrap_or_else(Uuid::now_v7),
            school_id: class.school_id,
            class_id: class.class_id,
            teacher_id: record.teacher_id,
            subject_code: record.subject_code,
            held_at: record.held_at,
            present: record.present,
        };
        let mut tx = self.pool.begin().await?;
        if repo::absences::insert_conference(&mut tx, &conference).await? {
            let key = conference.id.to_string();
            jobs::enqueue(&mut tx, NewJob::new(CONFERENCE_JOB, &key, &ConferenceJob { conference_id: conference.id })).await?;
            tx.commit().await?;
            return Ok(conference);
        }
        drop(tx);
        repo::absences::conference(&self.pool, conference.id).await?.ok_or_else(|| AssignmentsError::NotFound(format!("conference {}", conference.id)))
    }

    /// The conference job: marks absent the class's pupils not present.
    pub async fn run_conference_job(&self, job: ConferenceJob) -> Result<(), JobError> {
        let now = Self::now();
        let Some(conference) = repo::absences::conference(&self.pool, job.conference_id).await.map_err(JobError::retry)? else {
            return Err(JobError::permanent(anyhow::anyhow!("no conference {}", job.conference_id)));
        };
        let zone = self.zone(conference.school_id).await.map_err(|e| JobError::retry(anyhow::anyhow!("{e}")))?;
        let class_pupils: Vec<Uuid> =
            repo::directory::class_pupils(&self.pool, conference.class_id, false).await.map_err(JobError::retry)?.into_iter().map(|p| p.pupil_id).collect();
        let mut tx = self.pool.begin().await.map_err(JobError::retry)?;
        for pupil_id in missed_conference(&class_pupils, &conference.present) {
            let absence = Absence {
                id: Uuid::now_v7(),
                pupil_id,
                school_id: conference.school_id,
                class_id: conference.class_id,
                reason: AbsenceReason::ConferenceMissed,
                homework_id: None,
                conference_id: Some(conference.id),
                date: local_date(zone, conference.held_at),
                marked_at: now,
                withdrawn_at: None,
            };
            if repo::absences::mark(&mut tx, &absence).await.map_err(JobError::retry)? {
                OUTBOX.enqueue(&mut tx, &absence.id.to_string(), &events::absence_marked(&absence)).await.map_err(JobError::retry)?;
            }
        }
        tx.commit().await.map_err(JobError::retry)?;
        Ok(())
    }

    pub async fn pupil_absences(&self, caller: &Caller, pupil_id: Uuid, from: NaiveDate, to: NaiveDate) -> Result<Vec<Absence>, AssignmentsError> {
        self.pupil(caller, pupil_id).await?;
        Ok(repo::absences::of_pupil(&self.pool, pupil_id, from, to).await?)
    }
}
