//! The events of other services this one applies (each in one transaction with its inbox row,
//! so a redelivery has no second effect).

use prost::Name;
use qashyq_platform::events::{EventHandler, HandleError};
use qashyq_proto::{assignments::v1::HomeworkPosted, events::v1::EventEnvelope, tvgrid::v1::GridPublished};
use sqlx::PgConnection;

use crate::{deadlines::Deadlines, realign};

pub struct Subscriptions {
    pub deadlines: Deadlines,
}

impl EventHandler for Subscriptions {
    fn event_types(&self) -> Vec<String> {
        vec![HomeworkPosted::full_name(), GridPublished::full_name()]
    }

    async fn handle(&self, tx: &mut PgConnection, event: &EventEnvelope) -> Result<(), HandleError> {
        if event.event_type == HomeworkPosted::full_name() {
            self.deadlines.record(tx, event).await
        } else if event.event_type == GridPublished::full_name() {
            realign::queue(tx, event).await
        } else {
            Err(HandleError::Permanent(anyhow::anyhow!("not subscribed to {}", event.event_type)))
        }
    }
}
