//! The durable job queue against a real PostgreSQL: a failing job is retried with backoff until it
//! succeeds; one that keeps failing is kept as dead with its last error; a job scheduled for later
//! waits; the same job enqueued twice is one; two workers never run one job twice; a job whose
//! worker died is taken again when its lease runs out.

mod common;

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use common::{Db, eventually};
use qashyq_platform::jobs::{JobError, JobQueue, JobWorker, NewJob, enqueue};
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, migrate::Migrator};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Greeting {
    name: String,
}

/// A database with the platform's tables in schema `jobs_test`, and a pool on it.
async fn setup() -> (Db, PgPool) {
    let db = Db::create().await;
    static NONE: Migrator = Migrator::DEFAULT;
    qashyq_platform::db::migrate(db.url(), "jobs_test", &NONE).await.unwrap();
    let pool = qashyq_platform::db::pool(db.url(), "jobs_test", 4).unwrap();
    (db, pool)
}

async fn add(pool: &PgPool, job: NewJob<'_, Greeting>) -> bool {
    let mut tx = pool.begin().await.unwrap();
    let added = enqueue(&mut tx, job).await.unwrap();
    tx.commit().await.unwrap();
    added
}

fn fast(worker: JobWorker) -> JobWorker {
    worker.with_timing(Duration::from_millis(20), Duration::from_millis(100), Duration::from_millis(20))
}

async fn state(queue: &JobQueue, kind: &str, key: &str) -> Option<(String, i32)> {
    queue.state(kind, key).await.unwrap()
}

#[tokio::test]
async fn a_failing_job_is_retried_until_it_succeeds_and_the_same_job_twice_is_one() {
    let (db, pool) = setup().await;
    let queue = JobQueue::new(pool.clone());
    let greeting = Greeting { name: "Aigerim".into() };
    assert!(add(&pool, NewJob::new("greet", "aigerim", &greeting)).await);
    assert!(!add(&pool, NewJob::new("greet", "aigerim", &greeting)).await, "the same (kind, key) is one job");

    let tries = Arc::new(AtomicU32::new(0));
    let seen = tries.clone();
    let worker = fast(JobWorker::new(pool.clone())).on("greet", move |greeting: Greeting| {
        let tries = seen.clone();
        async move {
            assert_eq!(greeting.name, "Aigerim");
            if tries.fetch_add(1, Ordering::SeqCst) < 2 { Err(JobError::retry(anyhow::anyhow!("mail server down"))) } else { Ok(()) }
        }
    });
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(worker.run(shutdown.clone()));
    assert!(eventually(10, || async { state(&queue, "greet", "aigerim").await.is_some_and(|(s, _)| s == "done") }).await);
    assert_eq!(state(&queue, "greet", "aigerim").await, Some(("done".into(), 3)), "two failures, then done");
    assert_eq!(tries.load(Ordering::SeqCst), 3);
    assert_eq!(queue.counts().await.unwrap().pending, 0);
    shutdown.cancel();
    running.await.unwrap();
    pool.close().await;
    db.drop_it().await;
}

#[tokio::test]
async fn a_job_that_keeps_failing_is_kept_as_dead_with_its_last_error() {
    let (db, pool) = setup().await;
    let queue = JobQueue::new(pool.clone());
    let greeting = Greeting { name: "Nurlan".into() };
    add(&pool, NewJob::new("greet", "nurlan", &greeting).max_attempts(3)).await;
    // A payload of the wrong shape can never succeed: dead at the first try.
    let mut tx = pool.begin().await.unwrap();
    enqueue(&mut tx, NewJob::new("greet", "broken", &serde_json::json!({"nom": 1}))).await.unwrap();
    tx.commit().await.unwrap();
    // A job that killed its worker on its last attempt (its lease ran out): dead, not taken again.
    add(&pool, NewJob::new("greet", "doomed", &greeting).max_attempts(2)).await;
    sqlx::query("UPDATE jobs SET state = 'running', attempts = 2, lease_until = now() - interval '1 minute' WHERE key = 'doomed'")
        .execute(&pool)
        .await
        .unwrap();

    let worker = fast(JobWorker::new(pool.clone())).on("greet", |_: Greeting| async { Err(JobError::retry(anyhow::anyhow!("mailbox full"))) });
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(worker.run(shutdown.clone()));
    assert!(eventually(10, || async { queue.counts().await.unwrap().dead == 3 }).await, "{:?}", queue.counts().await);
    let dead = queue.dead("greet", 10).await.unwrap();
    let by_key: HashMap<_, _> = dead.iter().map(|d| (d.key.as_str(), (d.attempts, d.last_error.as_str()))).collect();
    assert_eq!(by_key["nurlan"], (3, "mailbox full"));
    assert_eq!(by_key["broken"].0, 1);
    assert_eq!(by_key["doomed"], (2, "its worker stopped during every attempt"));
    assert!(by_key["broken"].1.contains("greet payload"), "{:?}", by_key["broken"]);
    shutdown.cancel();
    running.await.unwrap();
    pool.close().await;
    db.drop_it().await;
}

#[tokio::test]
async fn a_job_scheduled_for_later_waits_for_its_time() {
    let (db, pool) = setup().await;
    let queue = JobQueue::new(pool.clone());
    let greeting = Greeting { name: "Dana".into() };
    let at = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    add(&pool, NewJob::new("greet", "dana", &greeting).run_at(at)).await;
    let ran_at = Arc::new(Mutex::new(None));
    let record = ran_at.clone();
    let worker = fast(JobWorker::new(pool.clone())).on("greet", move |_: Greeting| {
        let record = record.clone();
        async move {
            *record.lock().unwrap() = Some(chrono::Utc::now());
            Ok(())
        }
    });
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(worker.run(shutdown.clone()));
    let counts = queue.counts().await.unwrap();
    assert_eq!((counts.pending, counts.due), (1, 0), "queued, not yet due");
    assert!(eventually(10, || async { state(&queue, "greet", "dana").await.is_some_and(|(s, _)| s == "done") }).await);
    let ran = ran_at.lock().unwrap().expect("ran");
    assert!(ran >= at, "ran at {ran}, scheduled for {at}");
    shutdown.cancel();
    running.await.unwrap();
    pool.close().await;
    db.drop_it().await;
}

#[tokio::test]
async fn two_workers_run_each_job_once_and_a_lost_lease_is_taken_again() {
    let (db, pool) = setup().await;
    let queue = JobQueue::new(pool.clone());
    for i in 0..40 {
        add(&pool, NewJob::new("greet", &format!("pupil-{i}"), &Greeting { name: format!("pupil {i}") })).await;
    }
    // A job claimed by a worker that died: running, its lease long over.
    add(&pool, NewJob::new("greet", "orphan", &Greeting { name: "orphan".into() })).await;
    sqlx::query("UPDATE jobs SET state = 'running', attempts = 1, lease_until = now() - interval '1 minute' WHERE key = 'orphan'")
        .execute(&pool)
        .await
        .unwrap();

    let runs: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let shutdown = CancellationToken::new();
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let runs = runs.clone();
            let worker = fast(JobWorker::new(pool.clone())).on("greet", move |greeting: Greeting| {
                let runs = runs.clone();
                async move {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    *runs.lock().unwrap().entry(greeting.name).or_default() += 1;
                    Ok(())
                }
            });
            tokio::spawn(worker.run(shutdown.clone()))
        })
        .collect();
    assert!(eventually(20, || async { queue.counts().await.unwrap().pending == 0 }).await);
    let runs = runs.lock().unwrap().clone();
    assert_eq!(runs.len(), 41);
    assert!(runs.values().all(|&n| n == 1), "{runs:?}");
    assert_eq!(state(&queue, "greet", "orphan").await, Some(("done".into(), 2)), "taken again after its lease");
    shutdown.cancel();
    for worker in workers {
        worker.await.unwrap();
    }
    pool.close().await;
    db.drop_it().await;
}
