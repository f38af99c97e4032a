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

impl Outbox {
    /// Records many events of one type in one statement (a batch written in one transaction):
    /// `(subject_id, payload)` each, in order.
    pub async fn enqueue_all<M: Name>(&self, tx: &mut PgConnection, events: &[(String, M)]) -> Result<(), sqlx::Error> {
        if events.is_empty() {
            return Ok(());
        }
        let (mut ids, mut envelopes, mut parents, mut states) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (subject_id, payload) in events {
            let envelope = new_envelope(self.producer, subject_id, payload);
            ids.push(Uuid::parse_str(&envelope.event_id).expect("new_envelope makes UUIDs"));
            let trace = envelope.trace_context.clone().unwrap_or_default();
            parents.push(non_empty(trace.traceparent));
            states.push(non_empty(trace.tracestate));
            envelopes.push(envelope.encode_to_vec());
        }
        sqlx::query(
            "INSERT INTO outbox (event_id, event_type, envelope, traceparent, tracestate) \
             SELECT id, $2, envelope, parent, state FROM unnest($1::uuid[], $3::bytea[], $4::text[], $5::text[]) WITH ORDINALITY AS e(id, envelope, parent, state, n) \
             ORDER BY n",
        )
        .bind(&ids)
        .bind(M::full_name())
        .bind(&envelopes)
        .bind(&parents)
        .bind(&states)
        .execute(tx)
        .await?;
        tracing::debug!(events = events.len(), event_type = %M::full_name(), "events enqueued");
        Ok(())
    }
}

fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}
