//! The events of other services this one applies (each in one transaction with its inbox row,
//! so a redelivery has no second effect).

use qashyq_platform::events::{Dispatch, HandleError, On};
use qashyq_proto::{assignments::events::v1::HomeworkPosted, events::v1::EventEnvelope, tvgrid::events::v1::GridPublished};
use sqlx::PgConnection;

use crate::app::{deadlines::Deadlines, realign};

/// Every event type the service applies, with its handler.
pub fn dispatch(deadlines: Deadlines) -> Dispatch {
    Dispatch::new().on::<HomeworkPosted, _>(deadlines).on::<GridPublished, _>(realign::QueueRealignments)
}

impl On<HomeworkPosted> for Deadlines {
    async fn apply(&self, tx: &mut PgConnection, event: HomeworkPosted, envelope: &EventEnvelope) -> Result<(), HandleError> {
        self.record(tx, event, &envelope.event_id).await
    }
}

impl On<GridPublished> for realign::QueueRealignments {
    async fn apply(&self, tx: &mut PgConnection, event: GridPublished, envelope: &EventEnvelope) -> Result<(), HandleError> {
        realign::queue(tx, event, &envelope.event_id).await
    }
}
