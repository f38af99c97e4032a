//! R-RP-1: last week's report is made by a job on the platform's queue, once, with two replicas
//! running: each replica queues it (the same week is one job) and one of them runs it; the report
//! is kept once.

use std::time::Duration;

use chrono::{Datelike, Days, Utc};
use qashyq_reporting::Reporting;
use qashyq_testkit::{TestDatabase, spawn, test_config, wait_until};

#[tokio::test]
async fn r_rp_1_last_weeks_report_is_made_once_by_the_job_with_two_replicas() {
    let db = TestDatabase::create().await.unwrap();
    let config = test_config(db.url());
    let first = spawn::<Reporting>(config.clone()).await.unwrap();
    let second = spawn::<Reporting>(config.clone()).await.unwrap();
    // Last week in Almaty's calendar (the service's clock is the real one here).
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Almaty).date_naive();
    let last_monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()) + 7);
    let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
    // Due an hour after the week ended (00:00 UTC on Monday); in that hour it waits, queued once.
    let due = (last_monday + Days::new(7)).and_hms_opt(1, 0, 0).unwrap().and_utc();
    if Utc::now() < due {
        let queued = wait_until(Duration::from_secs(30), || async {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM reporting.jobs WHERE kind = 'weekly-report' AND state = 'queued'")
                .fetch_one(&pool)
                .await
                .unwrap()
                == 1
        })
        .await;
        assert!(queued, "one job queued for last week");
        first.stop().await.unwrap();
        second.stop().await.unwrap();
        return;
    }
    let kept = wait_until(Duration::from_secs(30), || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM reporting.weekly_reports WHERE week = $1").bind(last_monday).fetch_one(&pool).await.unwrap() == 1
    })
    .await;
    assert!(kept, "last week's report was not kept");
    let jobs: Vec<(String, String, i32)> =
        sqlx::query_as("SELECT key, state, attempts FROM reporting.jobs WHERE kind = 'weekly-report'").fetch_all(&pool).await.unwrap();
    assert_eq!(jobs, [(last_monday.to_string(), "done".to_owned(), 1)], "one job, run once");
    assert_eq!(sqlx::query_scalar::<_, i64>("SELECT count(*) FROM reporting.weekly_reports").fetch_one(&pool).await.unwrap(), 1);
    first.stop().await.unwrap();
    second.stop().await.unwrap();
}
