//! SQL of the homework deadlines learnt from the assignments service's events.

use chrono::{DateTime, Utc};
use qashyq_platform::ApiError;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::deadlines::Deadline;

#[derive(Clone)]
pub struct DeadlineRepo {
    pool: PgPool,
}

impl DeadlineRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// A class's deadlines in [from, to), in time order.
    pub async fn between(&self, class_id: Uuid, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Deadline>, ApiError> {
        let rows: Vec<(Uuid, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT homework_id, subject, deadline FROM homework_deadlines \
             WHERE class_id = $1 AND deadline >= $2 AND deadline < $3 AND NOT withdrawn ORDER BY deadline, homework_id",
        )
        .bind(class_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(homework_id, subject, at)| Deadline { homework_id, class_id, subject, at }).collect())
    }
}

/// Records (or moves) a homework's deadline of `version` inside `tx` (the consumed event's
/// transaction); a version older than the one shown changes nothing.
pub async fn record(tx: &mut PgConnection, deadline: &Deadline, version: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO homework_deadlines (homework_id, class_id, subject, deadline, version) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (homework_id) DO UPDATE SET deadline = EXCLUDED.deadline, subject = EXCLUDED.subject, version = EXCLUDED.version \
         WHERE homework_deadlines.version < EXCLUDED.version",
    )
    .bind(deadline.homework_id)
    .bind(deadline.class_id)
    .bind(&deadline.subject)
    .bind(deadline.at)
    .bind(version)
    .execute(tx)
    .await?;
    Ok(())
}

/// Withdraws a homework's deadline (its `version` is the withdrawal's); a tombstone when the
/// deadline itself has not arrived yet, so it never shows.
pub async fn withdraw(tx: &mut PgConnection, homework_id: Uuid, class_id: Uuid, version: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO homework_deadlines (homework_id, class_id, subject, deadline, version, withdrawn) VALUES ($1, $2, '', 'epoch', $3, true) \
         ON CONFLICT (homework_id) DO UPDATE SET withdrawn = true, version = EXCLUDED.version WHERE homework_deadlines.version < EXCLUDED.version",
    )
    .bind(homework_id)
    .bind(class_id)
    .bind(version)
    .execute(tx)
    .await?;
    Ok(())
}
