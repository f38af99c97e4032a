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
    jobs::{JobError, NewJob, enqueue},
};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::{
    app::{planning, tv::TvGrid},
    domain::{
        grid_publication::PublishedGrid,
        timetable::{rules::check, solver::generate},
    },
    events,
    repo::{
        SchoolRepo,
        realignments::{self, RealignmentKey, RealignmentRepo},
        timetables::TimetableRepo,
    },
};

/// The job queue's kind for realigning one school.
pub const JOB_KIND: &str = "schedule.realign-timetable";

/// The Monday on or after `date`: the first week a publication airs whole.
pub fn first_full_week(date: NaiveDate) -> NaiveDate {
    date + chrono::Duration::days(i64::from((7 - date.weekday().num_days_from_monday()) % 7))
}

/// The handler of GridPublished.
pub struct QueueRealignments;

/// Queues the schools whose timetables a publication may have put out of line, inside the
/// consumed event's transaction.
pub async fn queue(tx: &mut PgConnection, published: &PublishedGrid) -> Result<(), sqlx::Error> {
    let mut languages: Vec<String> = published.changed_languages.iter().map(|l| l.code().to_owned()).collect();
    languages.sort();
    languages.dedup();
    if languages.is_empty() {
        // The first publication, or only holidays or the campaign's dates changed: no air time
        // of a school day moved.
        return Ok(());
    }
    let schools = realignments::schools_to_check(tx, &languages).await?;
    let week_of = first_full_week(published.effective_from);
    for &school_id in &schools {
        let job = Job { school_id, campaign: published.campaign.clone(), publication: published.publication, week_of };
        realignments::record_queued(tx, &job.realignment(), week_of).await?;
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

    fn realignment(&self) -> RealignmentKey<'_> {
        RealignmentKey { school_id: self.school_id, campaign: &self.campaign, publication: self.publication }
    }
}

pub struct Realigner {
    schools: SchoolRepo,
    timetables: TimetableRepo,
    realignments: RealignmentRepo,
    tv: TvGrid,
    /// The publication whose TV days `tv` caches: a new one drops them.
    cached_publication: Mutex<Option<(String, i64)>>,
}

impl Realigner {
    pub fn new(pool: PgPool, tv: TvGrid) -> Self {
        Self {
            schools: SchoolRepo::new(pool.clone()),
            timetables: TimetableRepo::new(pool.clone()),
            realignments: RealignmentRepo::new(pool),
            tv,
            cached_publication: Mutex::default(),
        }
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
        let key = job.realignment();
        let Some(current) = self.timetables.timetable(job.school_id, 0).await? else {
            self.realignments.done(&key, "no-timetable", 0).await?;
            return Ok("no-timetable");
        };
        let school = self.schools.get(job.school_id).await?;
        let (inputs, tv) = planning::inputs(&self.timetables, &self.tv, job.school_id, school.learning_mode, school.time_zone(), job.week_of).await?;
        let violations = check(&inputs, &tv, &current.timetable);
        if violations.is_empty() {
            self.realignments.done(&key, "aligned", current.version).await?;
            return Ok("aligned");
        }
        match generate(&inputs, &tv) {
            Ok(timetable) => {
                let classes: Vec<String> = inputs.classes.iter().map(|c| c.id.clone()).collect();
                let by = format!("realignment with {} publication {}", job.campaign, job.publication);
                let (school_id, week_of) = (job.school_id, job.week_of);
                let stored = self
                    .timetables
                    .store(school_id, week_of, &by, &timetable, &classes, |version, affected| {
                        events::timetable_changed(school_id, version, affected, week_of, &timetable)
                    })
                    .await?;
                self.realignments.done(&key, "regenerated", stored.version).await?;
                Ok("regenerated")
            }
            Err(problems) => {
                let event = events::timetable_misaligned(&events::Misalignment {
                    school_id: job.school_id,
                    version: current.version,
                    campaign: &job.campaign,
                    publication: job.publication,
                    week_of: job.week_of,
                    violations: &violations,
                    problems: &problems,
                });
                self.realignments.misaligned(&key, current.version, &event).await?;
                Ok("misaligned")
            }
        }
    }
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
