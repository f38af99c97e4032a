//! Applying facts to the projections (inside the consumer's transaction), and rebuilding them
//! from the event log.

use std::{sync::Arc, time::Instant};

use qashyq_platform::{
    ApiError,
    events::{Dispatch, EventHandler, HandleError},
    principal::{Caller, Role},
};
use sqlx::{PgConnection, PgPool};

use crate::{
    domain::facts::Fact,
    repo::{event_log, projections},
};

/// Events replayed per read of the log during a rebuild.
const REPLAY_BATCH: i64 = 2_000;

/// Applies events' facts to the projections.
pub struct Projections;

impl Projections {
    pub async fn apply_fact(&self, tx: &mut PgConnection, fact: &Fact) -> Result<(), HandleError> {
        projections::apply(tx, fact).await?;
        Ok(())
    }
}

/// What a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rebuilt {
    pub events: i64,
    pub took: std::time::Duration,
}

/// Rebuilds every projection from the event log (R-RP-3), in one transaction: the projections
/// are emptied and every kept event is applied again, in the order it was received, by the same
/// handlers the live consumer uses. New events wait for the rebuild to commit, then apply on top.
/// Kept weekly reports stay as they were.
pub struct Rebuild {
    pool: PgPool,
    dispatch: Arc<Dispatch>,
}

impl Rebuild {
    pub fn new(pool: PgPool, dispatch: Arc<Dispatch>) -> Self {
        Self { pool, dispatch }
    }

    /// Rebuilds, for an administrator (or the mesh itself).
    pub async fn run(&self, caller: &Caller) -> Result<Rebuilt, ApiError> {
        if let Caller::Principal(principal) = caller
            && principal.role != Role::Administrator
        {
            return Err(ApiError::PermissionDenied("only administrators rebuild the projections".to_owned()));
        }
        let started = Instant::now();
        let mut tx = self.pool.begin().await?;
        event_log::begin_rebuild(&mut tx, projections::TABLES).await?;
        let (mut after, mut events) = (0, 0);
        loop {
            let batch = event_log::next_batch(&mut tx, after, REPLAY_BATCH).await?;
            let Some((last, _)) = batch.last() else { break };
            after = *last;
            for (seq, envelope) in &batch {
                match self.dispatch.handle(&mut tx, envelope).await {
                    Ok(()) => events += 1,
                    Err(HandleError::Permanent(error)) => {
                        // The live consumer dead-letters such an event before it is logged; one
                        // logged by an older version that a newer one refuses is left out alike.
                        tracing::warn!(seq, event_type = %envelope.event_type, %error, "a kept event cannot be applied, left out of the rebuild");
                    }
                    Err(HandleError::Transient(error)) => return Err(ApiError::Unavailable(format!("rebuild interrupted: {error}"))),
                }
            }
        }
        tx.commit().await?;
        let took = started.elapsed();
        tracing::info!(events, took_ms = took.as_millis() as u64, "projections rebuilt from the event log");
        Ok(Rebuilt { events, took })
    }
}
