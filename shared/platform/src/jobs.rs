//! A durable job queue in the service's own PostgreSQL schema (table `jobs`).
//!
//! A job is work that must happen once, eventually, on any replica: realigning a school's
//! timetable after a new TV grid, scanning an uploaded file, processing a recording, deleting
//! what is past its retention. It is enqueued in the same transaction as the change that calls
//! for it ([`enqueue`]), so it is never lost nor done for a change that rolled back; the same
//! `(kind, key)` twice is one job. A [`JobWorker`] claims due jobs with `FOR UPDATE SKIP LOCKED`
//! (replicas never take the same one), runs the handler of its kind, and
//! - marks it `done`;
//! - or, on failure, queues it again after an exponential backoff, until `max_attempts`;
//! - or marks it `dead` with its last error (a permanent failure, or the attempts spent): it
//!   stays in the table, counted by [`JobQueue::counts`] and listed by [`JobQueue::dead`].
//!
//! A worker that dies mid-job leaves a lease that runs out; the job is then taken again, and a
//! job that keeps killing its worker is dead once its attempts are spent. An outcome is recorded
//! only by the worker that holds the job's current attempt, so a late worker whose lease ran out
//! cannot overwrite the next one's. `(kind, key)` is unique for good: a key names one piece of
//! work, done once (a key meant to recur carries what makes it new, e.g. a date).

use std::{collections::HashMap, future::Future, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde::{Serialize, de::DeserializeOwned};
use sqlx::{PgConnection, PgPool};
use tokio_util::sync::CancellationToken;

/// How a job failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// May succeed later (a dependency is down): tried again after a backoff.
    #[error("{0:#}")]
    Retry(anyhow::Error),
    /// Will never succeed (a malformed payload): dead at once.
    #[error("{0:#}")]
    Permanent(anyhow::Error),
}

impl JobError {
    pub fn retry(error: impl Into<anyhow::Error>) -> Self {
        Self::Retry(error.into())
    }

    pub fn permanent(error: impl Into<anyhow::Error>) -> Self {
        Self::Permanent(error.into())
    }
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob<'a, P: Serialize> {
    pub kind: &'a str,
    /// Identifies the work within its kind; enqueueing an existing `(kind, key)` adds nothing.
    pub key: &'a str,
    pub payload: &'a P,
    /// Not before this instant; `None` is now.
    pub run_at: Option<DateTime<Utc>>,
    pub max_attempts: u32,
}

impl<'a, P: Serialize> NewJob<'a, P> {
    /// A job due now, tried up to 10 times.
    pub fn new(kind: &'a str, key: &'a str, payload: &'a P) -> Self {
        Self { kind, key, payload, run_at: None, max_attempts: 10 }
    }

    pub fn run_at(self, at: DateTime<Utc>) -> Self {
        Self { run_at: Some(at), ..self }
    }

    pub fn max_attempts(self, attempts: u32) -> Self {
        Self { max_attempts: attempts.max(1), ..self }
    }
}

/// Enqueues `job` in the caller's transaction; returns false when the same `(kind, key)` exists.
pub async fn enqueue<P: Serialize>(tx: &mut PgConnection, job: NewJob<'_, P>) -> Result<bool, sqlx::Error> {
    let payload = serde_json::to_value(job.payload).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let inserted = sqlx::query(
        "INSERT INTO jobs (kind, key, payload, run_at, max_attempts) VALUES ($1, $2, $3, coalesce($4, now()), $5) \
         ON CONFLICT (kind, key) DO NOTHING",
    )
    .bind(job.kind)
    .bind(job.key)
    .bind(payload)
    .bind(job.run_at)
    .bind(i32::try_from(job.max_attempts).unwrap_or(i32::MAX))
    .execute(tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Jobs by state, for metrics and operators.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    /// Queued or running: the queue's depth.
    pub pending: i64,
    /// Due now and not taken: work waiting for a worker.
    pub due: i64,
    pub dead: i64,
}

/// A job that failed for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadJob {
    pub id: i64,
    pub kind: String,
    pub key: String,
    pub attempts: i32,
    pub last_error: String,
}

/// Reading the queue's state.
#[derive(Clone)]
pub struct JobQueue {
    pool: PgPool,
}

impl JobQueue {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub async fn counts(&self) -> Result<JobCounts, sqlx::Error> {
        let (pending, due, dead): (i64, i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE state IN ('queued', 'running')), \
                    count(*) FILTER (WHERE state = 'queued' AND run_at <= now()), \
                    count(*) FILTER (WHERE state = 'dead') FROM jobs",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(JobCounts { pending, due, dead })
    }

    /// The dead jobs of `kind`, newest first (at most `limit`).
    pub async fn dead(&self, kind: &str, limit: i64) -> Result<Vec<DeadJob>, sqlx::Error> {
        let rows: Vec<(i64, String, String, i32, Option<String>)> =
            sqlx::query_as("SELECT id, kind, key, attempts, last_error FROM jobs WHERE state = 'dead' AND kind = $1 ORDER BY finished_at DESC LIMIT $2")
                .bind(kind)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, kind, key, attempts, last_error)| DeadJob { id, kind, key, attempts, last_error: last_error.unwrap_or_default() })
            .collect())
    }

    /// The state of one job (`queued`, `running`, `done`, `dead`), if it exists.
    pub async fn state(&self, kind: &str, key: &str) -> Result<Option<(String, i32)>, sqlx::Error> {
        sqlx::query_as("SELECT state, attempts FROM jobs WHERE kind = $1 AND key = $2").bind(kind).bind(key).fetch_optional(&self.pool).await
    }
}

type Handler = Arc<dyn Fn(serde_json::Value) -> BoxFuture<'static, Result<(), JobError>> + Send + Sync>;

/// Runs the jobs of the kinds it has handlers for until shut down.
pub struct JobWorker {
    pool: PgPool,
    handlers: HashMap<String, Handler>,
    /// How long a claimed job is held before another worker may take it.
    lease: Duration,
    /// How often an idle worker looks for due jobs.
    idle_poll: Duration,
    /// The first retry's delay; doubled for each further attempt, at most `max_backoff`.
    backoff: Duration,
    max_backoff: Duration,
}

/// A claimed job.
struct Claimed {
    id: i64,
    kind: String,
    key: String,
    payload: serde_json::Value,
    attempts: i32,
    max_attempts: i32,
}

impl JobWorker {
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            handlers: HashMap::new(),
            lease: Duration::from_secs(300),
            idle_poll: Duration::from_millis(500),
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(600),
        }
    }

    /// Handles jobs of `kind` with `handler`, given the job's payload.
    pub fn on<P, F, Fut>(mut self, kind: &str, handler: F) -> Self
    where
        P: DeserializeOwned + Send + 'static,
        F: Fn(P) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobError>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        let kind_name = kind.to_owned();
        self.handlers.insert(
            kind.to_owned(),
            Arc::new(move |payload| {
                let handler = handler.clone();
                let kind = kind_name.clone();
                Box::pin(async move {
                    let payload: P = serde_json::from_value(payload).map_err(|e| JobError::permanent(anyhow::anyhow!("{kind} payload: {e}")))?;
                    handler(payload).await
                })
            }),
        );
        self
    }

    /// Sets the retry backoff (first delay, doubled per attempt up to `max`) and the idle poll.
    pub fn with_timing(self, backoff: Duration, max_backoff: Duration, idle_poll: Duration) -> Self {
        Self { backoff, max_backoff, idle_poll, ..self }
    }

    pub fn with_lease(self, lease: Duration) -> Self {
        Self { lease, ..self }
    }

    /// Works until `shutdown`; a job in hand is finished first.
    pub async fn run(self, shutdown: CancellationToken) {
        let kinds: Vec<String> = self.handlers.keys().cloned().collect();
        loop {
            let worked = match self.claim(&kinds).await {
                Ok(Some(job)) => {
                    self.work(job).await;
                    true
                }
                Ok(None) => false,
                Err(error) => {
                    tracing::warn!(%error, "cannot read the job queue");
                    false
                }
            };
            if shutdown.is_cancelled() {
                return;
            }
            if !worked {
                tokio::select! {
                    () = tokio::time::sleep(self.idle_poll) => {}
                    () = shutdown.cancelled() => return,
                }
            }
        }
    }

    async fn claim(&self, kinds: &[String]) -> Result<Option<Claimed>, sqlx::Error> {
        // A job whose worker died with its attempts spent is dead, not taken again.
        sqlx::query(
            "UPDATE jobs SET state = 'dead', finished_at = now(), lease_until = NULL, \
                 last_error = coalesce(last_error, 'its worker stopped during every attempt') \
             WHERE kind = ANY($1) AND state = 'running' AND lease_until < now() AND attempts >= max_attempts",
        )
        .bind(kinds)
        .execute(&self.pool)
        .await?;
        let row: Option<(i64, String, String, serde_json::Value, i32, i32)> = sqlx::query_as(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = now() + make_interval(secs => $2) \
             WHERE id = (SELECT id FROM jobs WHERE kind = ANY($1) \
                 AND ((state = 'queued' AND run_at <= now()) OR (state = 'running' AND lease_until < now())) \
                 ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING id, kind, key, payload, attempts, max_attempts",
        )
        .bind(kinds)
        .bind(self.lease.as_secs_f64())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id, kind, key, payload, attempts, max_attempts)| Claimed { id, kind, key, payload, attempts, max_attempts }))
    }

    async fn work(&self, job: Claimed) {
        let handler = self.handlers[&job.kind].clone();
        let span = tracing::info_span!("job", kind = %job.kind, key = %job.key, attempt = job.attempts);
        let result = tracing::Instrument::instrument(handler(job.payload.clone()), span).await;
        let recorded = match result {
            Ok(()) => {
                sqlx::query("UPDATE jobs SET state = 'done', finished_at = now(), lease_until = NULL WHERE id = $1 AND state = 'running' AND attempts = $2")
                    .bind(job.id)
                    .bind(job.attempts)
                    .execute(&self.pool)
                    .await
            }
            Err(error) => {
                let dead = matches!(error, JobError::Permanent(_)) || job.attempts >= job.max_attempts;
                let message = error.to_string();
                if dead {
                    tracing::error!(kind = %job.kind, key = %job.key, attempts = job.attempts, error = %message, "job dead");
                    sqlx::query(
                        "UPDATE jobs SET state = 'dead', finished_at = now(), lease_until = NULL, last_error = $2 \
                         WHERE id = $1 AND state = 'running' AND attempts = $3",
                    )
                    .bind(job.id)
                    .bind(&message)
                    .bind(job.attempts)
                    .execute(&self.pool)
                    .await
                } else {
                    let delay = backoff(self.backoff, self.max_backoff, job.attempts);
                    tracing::warn!(kind = %job.kind, key = %job.key, attempts = job.attempts, ?delay, error = %message, "job failed, will retry");
                    sqlx::query(
                        "UPDATE jobs SET state = 'queued', run_at = now() + make_interval(secs => $2), lease_until = NULL, last_error = $3 \
                         WHERE id = $1 AND state = 'running' AND attempts = $4",
                    )
                    .bind(job.id)
                    .bind(delay.as_secs_f64())
                    .bind(&message)
                    .bind(job.attempts)
                    .execute(&self.pool)
                    .await
                }
            }
        };
        if let Err(error) = recorded {
            // The lease runs out and the job is taken again: at least once, never lost.
            tracing::warn!(kind = %job.kind, key = %job.key, %error, "cannot record a job's outcome");
        }
    }
}

/// The delay before the next try after `attempts` tries: `first`, doubled per further attempt, at
/// most `max`.
fn backoff(first: Duration, max: Duration, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(20);
    first.saturating_mul(1 << doublings).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_ceiling() {
        let delays: Vec<u64> = (1..=6).map(|a| backoff(Duration::from_secs(1), Duration::from_secs(10), a).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 10, 10]);
    }
}
