//! SQL of realignments: which schools a new TV grid may have put out of line, and what checking
//! each one's timetable found (R-SCH-2, R-TV-6).

use chrono::NaiveDate;
use qashyq_platform::events::Event;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::OUTBOX;

/// One school's realignment with one publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealignmentKey<'a> {
    pub school_id: Uuid,
    pub campaign: &'a str,
    pub publication: i64,
}

#[derive(Clone)]
pub struct RealignmentRepo {
    pool: PgPool,
}

/// The schools with a timetable and a class taught in one of `languages` ("kk", "ru").
pub async fn schools_to_check(tx: &mut PgConnection, languages: &[String]) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT c.school_id FROM classes c \
         WHERE c.language = ANY($1) AND EXISTS (SELECT 1 FROM timetables t WHERE t.school_id = c.school_id)",
    )
    .bind(languages)
    .fetch_all(tx)
    .await
}

/// Records a realignment to do (once per school and publication).
pub async fn record_queued(tx: &mut PgConnection, key: &RealignmentKey<'_>, week_of: NaiveDate) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO realignments (school_id, campaign, publication, week_of) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(key.school_id)
        .bind(key.campaign)
        .bind(key.publication)
        .bind(week_of)
        .execute(tx)
        .await?;
    Ok(())
}

async fn mark_done(connection: &mut PgConnection, key: &RealignmentKey<'_>, outcome: &str, version: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE realignments SET done_at = now(), outcome = $4, timetable_version = $5 \
         WHERE school_id = $1 AND campaign = $2 AND publication = $3",
    )
    .bind(key.school_id)
    .bind(key.campaign)
    .bind(key.publication)
    .bind(outcome)
    .bind(version)
    .execute(connection)
    .await?;
    Ok(())
}

impl RealignmentRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Records what checking found (`aligned`, `regenerated`, `no-timetable`) and the version
    /// the school has now.
    pub async fn done(&self, key: &RealignmentKey<'_>, outcome: &str, version: i64) -> Result<(), sqlx::Error> {
        let mut connection = self.pool.acquire().await?;
        mark_done(&mut connection, key, outcome, version).await
    }

    /// Records that no valid timetable exists, with the event it is handed (TimetableMisaligned),
    /// in one transaction.
    pub async fn misaligned(&self, key: &RealignmentKey<'_>, version: i64, event: &impl Event) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        OUTBOX.enqueue(&mut tx, &key.school_id.to_string(), event).await?;
        mark_done(&mut tx, key, "misaligned", version).await?;
        tx.commit().await
    }
}
