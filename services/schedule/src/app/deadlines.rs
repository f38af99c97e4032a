//! Homework deadlines per class, for "what is on today" (R-SCH-5). The assignments service owns
//! homework; this service keeps the deadlines it learns from HomeworkPosted events (applied
//! idempotently through the platform's inbox) and never reads the assignments tables.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use qashyq_platform::{
    ApiError,
    events::HandleError,
    memo::Memo,
};
use qashyq_proto::assignments::events::v1::HomeworkPosted;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// How long a class's deadlines of a day are served from memory. A deadline this replica
/// learns of drops its class's entries at once; other replicas see it within this time.
const TTL: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub homework_id: Uuid,
    pub subject: String,
    pub at: DateTime<Utc>,
}

type DayDeadlines = Arc<Vec<Deadline>>;

#[derive(Clone)]
pub struct Deadlines {
    pool: PgPool,
    /// A class's deadlines of a local date.
    cache: Arc<Memo<(Uuid, NaiveDate), DayDeadlines>>,
}

impl Deadlines {
    pub fn new(pool: PgPool) -> Self {
        Self { pool, cache: Arc::new(Memo::new(TTL, 500_000)) }
    }

    /// The class's deadlines falling on `date` in the school's local time `zone`, in time order.
    pub async fn due_on(&self, class_id: Uuid, date: NaiveDate, zone: Tz) -> Result<Arc<Vec<Deadline>>, ApiError> {
        self.cache.get_or_fill((class_id, date), || self.read_due_on(class_id, date, zone)).await
    }

    async fn read_due_on(&self, class_id: Uuid, date: NaiveDate, zone: Tz) -> Result<Arc<Vec<Deadline>>, ApiError> {
        let local_midnight = |d: NaiveDate| zone.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight")).earliest().map(|t| t.with_timezone(&Utc));
        let (Some(from), Some(to)) = (local_midnight(date), date.succ_opt().and_then(local_midnight)) else {
            return Ok(Arc::default());
        };
        let rows: Vec<(Uuid, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT homework_id, subject, deadline FROM homework_deadlines \
             WHERE class_id = $1 AND deadline >= $2 AND deadline < $3 ORDER BY deadline, homework_id",
        )
        .bind(class_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        Ok(Arc::new(rows.into_iter().map(|(homework_id, subject, at)| Deadline { homework_id, subject, at }).collect::<Vec<_>>()))
    }

    async fn forget_class(&self, class_id: Uuid) {
        self.cache.retain(|(class, _)| *class != class_id).await;
    }
}

impl Deadlines {
    /// Applies HomeworkPosted: records the homework's deadline for its class.
    pub async fn record(&self, tx: &mut PgConnection, homework: HomeworkPosted, event_id: &str) -> Result<(), HandleError> {
        let permanent = |what: &str| HandleError::Permanent(anyhow::anyhow!("HomeworkPosted {event_id}: {what}"));
        let homework_id = Uuid::parse_str(&homework.homework_id).map_err(|_| permanent("homework_id is not a UUID"))?;
        let class_id = Uuid::parse_str(&homework.class_id).map_err(|_| permanent("class_id is not a UUID"))?;
        // Homework without a deadline has nothing to show on a day.
        let Some(deadline) = homework.deadline.as_ref().and_then(qashyq_platform::time::from_timestamp) else {
            return Ok(());
        };
        sqlx::query(
            "INSERT INTO homework_deadlines (homework_id, class_id, subject, deadline) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (homework_id) DO UPDATE SET deadline = EXCLUDED.deadline, subject = EXCLUDED.subject",
        )
        .bind(homework_id)
        .bind(class_id)
        .bind(&homework.subject_code)
        .bind(deadline)
        .execute(&mut *tx)
        .await?;
        // Dropped before the commit: a read in between re-caches the old list for at most TTL.
        self.forget_class(class_id).await;
        tracing::debug!(%homework_id, %class_id, "deadline recorded");
        Ok(())
    }
}
