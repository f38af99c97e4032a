//! Keeping timetables aligned with the TV grid when a new grid is published (R-SCH-2, R-TV-6).
//!
//! A publication moves the air times of every later grade of a language when one grade's day
//! changes, so a GridPublished with day changes queues every school that has a timetable and a
//! class of a changed language: one job per school on the platform's job queue
//! ([`qashyq_platform::jobs`], so any replica takes it, once, retried with backoff while the TV
//! grid service is unreachable) and one row in `realignments` recording the outcome. The job
//! checks the current timetable against the first full week the publication airs, and, if it
//! now breaks a rule, generates a new one (stored as the next version with its TimetableChanged
//! event). If no valid timetable exists, it keeps the
//! current one and emits TimetableMisaligned with the problems, for the school to act on.
//! Regenerating rather than only warning is deliberate: pupils must never be given an own
//! lesson over their TV lesson, and the new version is announced like any other change.

use chrono::{Datelike, NaiveDate};
use qashyq_platform::{
    ApiError,
    events::HandleError,
    jobs::{JobError, NewJob, enqueue},
    language,
    time::from_local_date,
};
use qashyq_proto::tvgrid::events::v1::GridPublished;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::{
    OUTBOX,
    domain::timetable::{rules::check, solver::generate},
    events,
    app::planning,
    repo::SchoolRepo,
    repo::timetables::TimetableRepo,
    app::tv::TvGrid,
};

/// The job queue's kind for realigning one school.
pub const JOB_KIND: &str = "schedule.realign-timetable";

/// The Monday on or after `date`: the first week a publication airs whole.
pub fn first_full_week(date: NaiveDate) -> NaiveDate {
    date + chrono::Duration::days(i64::from((7 - date.weekday().num_days_from_monday()) % 7))
}

/// The handler of GridPublished.
pub struct QueueRealignments;

/// Applies GridPublished: queues the schools whose timetables may no longer fit.
pub async fn queue(tx: &mut PgConnection, published: GridPublished, event_id: &str) -> Result<(), HandleError> {
    let permanent = |what: &str| HandleError::Permanent(anyhow::anyhow!("GridPublished {event_id}: {what}"));
    let effective_from = published.effective_from.as_ref().and_then(from_local_date).ok_or_else(|| permanent("no effective_from"))?;
    let mut languages: Vec<String> = published
        .changes
        .iter()
        .filter(|c| c.kind == "day")
        .filter_map(|c| language::from_proto(c.language).ok().flatten())
        .map(|l| l.code().to_owned())
        .collect();
    languages.sort();
    languages.dedup();
    if languages.is_empty() {
        // The first publication, or only holidays or the campaign's dates changed: no air time
        // of a school day moved.
        return Ok(());
    }
    let schools: Vec<Uuid> = sqlx::query_scalar(
        "SELECT DISTINCT c.school_id FROM classes c \
         WHERE c.language = ANY($1) AND EXISTS (SELECT 1 FROM timetables t WHERE t.school_id = c.school_id)",
    )
    .bind(&languages)
    .fetch_all(&mut *tx)
    .await?;
    let week_of = first_full_week(effective_from);
    for &school_id in &schools {
        let job = Job { school_id, campaign: published.campaign.clone(), publication: published.publication, week_of };
        sqlx::query("INSERT INTO realignments (school_id, campaign, publication, week_of) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
            .bind(school_id)
            .bind(&job.campaign)
            .bind(job.publication)
            .bind(week_of)
            .execute(&mut *tx)
            .await?;
        enqueue(&mut *tx, NewJob::new(JOB_KIND, &job.key(), &job)).await?;
    }
    tracing::info!(campaign = %published.campaign, publication = published.publication, schools = schools.len(), "timetables queued for realignment");
    Ok(())
}

/// One school to realign: the job's payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    school_id: Uuid,
    campaign: String,
    publication: i64,
    week_of: NaiveDate,
}

impl Job {
    fn key(&self) -> String {
        format!("{}/{}/{}", self.school_id, self.campaign, self.publication)
    }
}

pub struct Realigner {
    pool: PgPool,
    schools: SchoolRepo,
    timetables: TimetableRepo,
    tv: TvGrid,
    /// The publication whose TV days `tv` caches: a new one drops them.
    cached_publication: Mutex<Option<(String, i64)>>,
}

impl Realigner {
    pub fn new(pool: PgPool, tv: TvGrid) -> Self {
        Self { schools: SchoolRepo::new(pool.clone()), timetables: TimetableRepo::new(pool.clone()), pool, tv, cached_publication: Mutex::default() }
    }

    /// Runs one job: a failure is retried by the queue (the TV grid service or the database may
    /// be down for a while); realigning twice is harmless, an aligned timetable is kept.
    pub async fn run_job(&self, job: Job) -> Result<(), JobError> {
        {
            let mut cached = self.cached_publication.lock().await;
            let publication = Some((job.campaign.clone(), job.publication));
            if *cached != publication {
                self.tv.forget_all().await;
                *cached = publication;
            }
        }
        // A school or class gone, or a school without classes, will not come right by waiting.
        let outcome = self.realign(&job).await.map_err(|error| match error {
            ApiError::NotFound(_) | ApiError::InvalidArgument(_) => JobError::permanent(error),
            other => JobError::retry(other),
        })?;
        tracing::info!(school_id = %job.school_id, campaign = %job.campaign, publication = job.publication, outcome, "timetable realigned");
        Ok(())
    }

    async fn realign(&self, job: &Job) -> Result<&'static str, ApiError> {
        let Some(current) = self.timetables.timetable(job.school_id, 0).await? else {
            return self.done(job, "no-timetable", 0).await;
        };
        let school = self.schools.get(job.school_id).await?;
        let (inputs, tv) = planning::inputs(&self.timetables, &self.tv, job.school_id, school.learning_mode, school.time_zone(), job.week_of).await?;
        let violations = check(&inputs, &tv, &current.timetable);
        if violations.is_empty() {
            return self.done(job, "aligned", current.version).await;
        }
        match generate(&inputs, &tv) {
            Ok(timetable) => {

                let classes: Vec<String> = inputs.classes.iter().map(|c| c.id.clone()).collect();
                let by = format!("realignment with {} publication {}", job.campaign, job.publication);
                let stored = self.timetables.store(job.school_id, job.week_of, &by, &timetable, &classes).await?;
                self.done(job, "regenerated", stored.version).await
            }
            Err(problems) => {
                let mut tx = self.pool.begin().await?;
                let event = events::timetable_misaligned(&events::Misalignment {
                    school_id: job.school_id,
                    version: current.version,
                    campaign: &job.campaign,
                    publication: job.publication,
                    week_of: job.week_of,
                    violations: &violations,
                    problems: &problems,
                });
                OUTBOX.enqueue(&mut tx, &job.school_id.to_string(), &event).await?;
                mark_done(&mut tx, job, "misaligned", current.version).await?;
                tx.commit().await?;
                Ok("misaligned")
            }
        }
    }

    async fn done(&self, job: &Job, outcome: &'static str, version: i64) -> Result<&'static str, ApiError> {
        let mut connection = self.pool.acquire().await?;
        mark_done(&mut connection, job, outcome, version).await?;
        Ok(outcome)
    }
}

async fn mark_done(connection: &mut PgConnection, job: &Job, outcome: &str, version: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE realignments SET done_at = now(), outcome = $4, timetable_version = $5 \
         WHERE school_id = $1 AND campaign = $2 AND publication = $3",
    )
    .bind(job.school_id)
    .bind(&job.campaign)
    .bind(job.publication)
    .bind(outcome)
    .bind(version)
    .execute(connection)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_publication_is_checked_on_its_first_full_week() {
        let date = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        assert_eq!(first_full_week(date(23)), date(23), "a Monday is its own week");
        assert_eq!(first_full_week(date(24)), date(30));
        assert_eq!(first_full_week(date(29)), date(30));
    }
}
