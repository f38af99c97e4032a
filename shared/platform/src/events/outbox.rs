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
        let row = self.row(subject_id, payload);
        sqlx::query("INSERT INTO outbox (event_id, event_type, envelope, traceparent, tracestate) VALUES ($1, $2, $3, $4, $5)")
            .bind(row.event_id)
            .bind(M::full_name())
            .bind(row.envelope)
            .bind(row.traceparent)
            .bind(row.tracestate)
            .execute(tx)
            .await?;
        tracing::debug!(event_id = %row.event_id, event_type = %M::full_name(), "event enqueued");
        Ok(row.event_id)
    }

    /// Records many events of one type in one statement (a batch written in one transaction):
    /// `(subject_id, payload)` each, in order.
    pub async fn enqueue_all<M: Name>(&self, tx: &mut PgConnection, events: &[(String, M)]) -> Result<(), sqlx::Error> {
        if events.is_empty() {
            return Ok(());
        }
        let (mut ids, mut envelopes, mut parents, mut states) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (subject_id, payload) in events {
            let row = self.row(subject_id, payload);
            ids.push(row.event_id);
            envelopes.push(row.envelope);
            parents.push(row.traceparent);
            states.push(row.tracestate);
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

    /// The outbox row of one event: its envelope, and the trace it was made in.
    fn row<M: Name>(&self, subject_id: &str, payload: &M) -> OutboxRow {
        let envelope = new_envelope(self.producer, subject_id, payload);
        let trace = envelope.trace_context.clone().unwrap_or_default();
        OutboxRow {
            event_id: Uuid::parse_str(&envelope.event_id).expect("new_envelope makes UUIDs"),
            envelope: envelope.encode_to_vec(),
            traceparent: non_empty(trace.traceparent),
            tracestate: non_empty(trace.tracestate),
        }
    }
}

struct OutboxRow {
    event_id: Uuid,
    envelope: Vec<u8>,
    traceparent: Option<String>,
    tracestate: Option<String>,
}

fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}
