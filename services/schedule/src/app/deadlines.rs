//! Homework deadlines per class, for "what is on today" (R-SCH-5). The assignments service owns
//! homework; this service keeps the deadlines it learns from HomeworkPosted events (applied
//! idempotently through the platform's inbox, read in `events.rs`) and never reads the
//! assignments tables.

use std::{sync::Arc, time::Duration};

use chrono::NaiveDate;
use chrono_tz::Tz;
use qashyq_platform::{ApiError, memo::Memo};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    domain::deadlines::{Deadline, local_day},
    repo::deadlines::{self, DeadlineRepo},
};

/// How long a class's deadlines of a day are served from memory. A deadline this replica
/// learns of drops its class's entries at once; other replicas see it within this time.
const TTL: Duration = Duration::from_secs(2);

type DayDeadlines = Arc<Vec<Deadline>>;

#[derive(Clone)]
pub struct Deadlines {
    repo: DeadlineRepo,
    /// A class's deadlines of a local date.
    cache: Arc<Memo<(Uuid, NaiveDate), DayDeadlines>>,
}

impl Deadlines {
    pub fn new(repo: DeadlineRepo) -> Self {
        Self { repo, cache: Arc::new(Memo::new(TTL, 500_000)) }
    }

    /// The class's deadlines falling on `date` in the school's local time `zone`, in time order.
    pub async fn due_on(&self, class_id: Uuid, date: NaiveDate, zone: Tz) -> Result<DayDeadlines, ApiError> {
        self.cache.get_or_fill((class_id, date), || self.read_due_on(class_id, date, zone)).await
    }

    async fn read_due_on(&self, class_id: Uuid, date: NaiveDate, zone: Tz) -> Result<DayDeadlines, ApiError> {
        let Some((from, to)) = local_day(zone, date) else { return Ok(Arc::default()) };
        Ok(Arc::new(self.repo.between(class_id, from, to).await?))
    }

    /// Records a homework's deadline of `version` inside the consumed event's transaction.
    pub async fn record(&self, tx: &mut PgConnection, deadline: &Deadline, version: i64) -> Result<(), sqlx::Error> {
        deadlines::record(tx, deadline, version).await?;
        // Dropped before the commit: a read in between re-caches the old list for at most TTL.
        self.cache.retain(|(class, _)| *class != deadline.class_id).await;
        tracing::debug!(homework_id = %deadline.homework_id, class_id = %deadline.class_id, version, "deadline recorded");
        Ok(())
    }

    /// Withdraws a homework's deadline inside the consumed event's transaction.
    pub async fn withdraw(&self, tx: &mut PgConnection, homework_id: Uuid, class_id: Uuid, version: i64) -> Result<(), sqlx::Error> {
        deadlines::withdraw(tx, homework_id, class_id, version).await?;
        self.cache.retain(|(class, _)| *class != class_id).await;
        tracing::debug!(%homework_id, %class_id, version, "deadline withdrawn");
        Ok(())
    }
}
