//! Writing events into the outbox, inside the caller's transaction.

use prost::{Message, Name};
use sqlx::PgConnection;
use uuid::Uuid;

use super::envelope::new_envelope;

/// The outbox of one producing service.
#[derive(Debug, Clone)]
pub struct Outbox {
    producer: &'static str,
}

impl Outbox {
    pub const fn new(producer: &'static str) -> Self {
        Self { producer }
    }

    /// Records `payload` as an event about `subject_id`. Call it on the transaction that makes the
    /// state change: both commit or neither does, so no change goes unannounced and no event
    /// announces a change that did not happen.
    pub async fn enqueue<M: Name>(&self, tx: &mut PgConnection, subject_id: &str, payload: &M) -> Result<Uuid, sqlx::Error> {
        let envelope = new_envelope(self.producer, subject_id, payload);
        let event_id = Uuid::parse_str(&envelope.event_id).expect("new_envelope makes UUIDs");
        let trace = envelope.trace_context.clone().unwrap_or_default();
        sqlx::query("INSERT INTO outbox (event_id, event_type, envelope, traceparent, tracestate) VALUES ($1, $2, $3, $4, $5)")
            .bind(event_id)
            .bind(&envelope.event_type)
            .bind(envelope.encode_to_vec())
            .bind(non_empty(trace.traceparent))
            .bind(non_empty(trace.tracestate))
            .execute(tx)
            .await?;
        tracing::debug!(%event_id, event_type = %envelope.event_type, "event enqueued");
        Ok(event_id)
    }
}

fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}
