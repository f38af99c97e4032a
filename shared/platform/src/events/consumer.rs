//! The idempotent consumer: each delivery is applied in one database transaction that also
//! inserts the event id into `inbox`. A redelivered event finds its id already there and is
//! acknowledged without effect; a failed effect rolls back with its inbox row and is retried
//! in place until the database is back; an event that can never apply is dead-lettered.

use std::{future::Future, sync::Arc, time::Duration};

use futures::StreamExt;
use lapin::{
    message::Delivery,
    options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions},
    types::FieldTable,
};
use prost::Message;
use qashyq_proto::events::v1::EventEnvelope;
use sqlx::{PgConnection, PgPool};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use uuid::Uuid;

use super::{amqp, relay::headers_as_map, topology::Topology};
use crate::trace_context;

const PREFETCH: u16 = 32;
/// Backoff while an event cannot be applied for a passing reason (database down): the delivery
/// is held and retried in place, so an outage neither churns redeliveries nor uses up the
/// queue's delivery limit (which is kept for events that crash the consumer).
const RETRY_FIRST: Duration = Duration::from_millis(200);
const RETRY_MAX: Duration = Duration::from_secs(10);

/// Why an event could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// The event can never be applied (undecodable, violates an invariant): dead-lettered.
    #[error("permanent: {0}")]
    Permanent(anyhow::Error),
    /// It may apply later (database down, lock timeout): retried with backoff.
    #[error("transient: {0}")]
    Transient(anyhow::Error),
}

impl From<sqlx::Error> for HandleError {
    fn from(error: sqlx::Error) -> Self {
        Self::Transient(error.into())
    }
}

impl From<super::envelope::PayloadError> for HandleError {
    fn from(error: super::envelope::PayloadError) -> Self {
        Self::Permanent(error.into())
    }
}

/// What a service does with the events it subscribes to.
pub trait EventHandler: Send + Sync + 'static {
    /// Event types (fully-qualified payload names, the routing keys) to receive.
    fn event_types(&self) -> Vec<String>;

    /// Applies one event inside `tx`; the inbox row is written in the same transaction.
    fn handle<'a>(&'a self, tx: &'a mut PgConnection, event: &'a EventEnvelope) -> impl Future<Output = Result<(), HandleError>> + Send + 'a;

    /// Tells the handler which service consumes with it (for its metrics); nothing by default.
    fn consumed_by(&mut self, _service: &'static str) {}
}

pub struct Consumer<H> {
    pool: PgPool,
    name: &'static str,
    amqp_url: String,
    topology: Topology,
    handler: Arc<H>,
}

/// What became of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Applied,
    Duplicate,
    Retry,
    DeadLetter,
}

impl<H: EventHandler> Consumer<H> {
    /// `name` names the consuming service and its queue.
    pub fn new(pool: PgPool, name: &'static str, amqp_url: impl Into<String>, topology: Topology, mut handler: H) -> Self {
        handler.consumed_by(name);
        Self { pool, name, amqp_url: amqp_url.into(), topology, handler: Arc::new(handler) }
    }

    /// Declares the consumer's queue and bindings, retrying until the broker answers; returns
    /// false if `shutdown` came first. A consuming service is ready only after this: from then on
    /// no event for it can be dropped as unroutable.
    pub async fn declare(&self, shutdown: &CancellationToken) -> bool {
        loop {
            let Some(connection) = amqp::connect(&self.amqp_url, &format!("{}-declare", self.name), shutdown).await else {
                return false;
            };
            let declared = async {
                let channel = connection.create_channel().await?;
                let queue = self.topology.declare_consumer_queue(&channel, self.name, &self.handler.event_types()).await?;
                channel.close(200, "declared".into()).await?;
                Ok::<_, lapin::Error>(queue)
            }
            .await;
            let _ = connection.close(200, "declared".into()).await;
            match declared {
                Ok(_) => return true,
                Err(error) => tracing::warn!(consumer = self.name, %error, "cannot declare queue, retrying"),
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
                () = shutdown.cancelled() => return false,
            }
        }
    }

    /// Consumes until `shutdown`, reconnecting whenever the broker goes away.
    pub async fn run(&self, shutdown: CancellationToken) {
        loop {
            let Some(connection) = amqp::connect(&self.amqp_url, &format!("{}-consumer", self.name), &shutdown).await else {
                return;
            };
            match self.consume(&connection, &shutdown).await {
                Ok(()) => {
                    let _ = connection.close(200, "shutdown".into()).await;
                    return;
                }
                Err(error) => tracing::warn!(consumer = self.name, %error, "consumer lost rabbitmq, reconnecting"),
            }
            let _ = connection.close(200, "reconnect".into()).await;
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(300)) => {}
                () = shutdown.cancelled() => return,
            }
        }
    }

    /// Returns `Ok` on shutdown, `Err` when the connection or channel broke.
    async fn consume(&self, connection: &lapin::Connection, shutdown: &CancellationToken) -> anyhow::Result<()> {
        let channel = connection.create_channel().await?;
        let queue = self.topology.declare_consumer_queue(&channel, self.name, &self.handler.event_types()).await?;
        channel.basic_qos(PREFETCH, BasicQosOptions::default()).await?;
        let mut deliveries = channel.basic_consume(queue.as_str().into(), self.name.into(), BasicConsumeOptions::default(), FieldTable::default()).await?;
        tracing::info!(consumer = self.name, %queue, "consuming events");
        loop {
            let delivery = tokio::select! {
                next = deliveries.next() => next,
                () = shutdown.cancelled() => return Ok(()),
            };
            let delivery = match delivery {
                Some(Ok(delivery)) => delivery,
                Some(Err(error)) => return Err(error.into()),
                None => anyhow::bail!("consumer stream ended"),
            };
            let mut backoff = RETRY_FIRST;
            let outcome = loop {
                match self.process(&delivery).await {
                    Outcome::Retry => {}
                    done => break done,
                }
                tokio::select! {
                    () = tokio::time::sleep(backoff) => backoff = (backoff * 2).min(RETRY_MAX),
                    () = shutdown.cancelled() => break Outcome::Retry,
                }
            };
            self.measure(&delivery, outcome);
            match outcome {
                Outcome::Applied | Outcome::Duplicate => {
                    delivery.ack(BasicAckOptions::default()).await?;
                }
                // Only on shutdown: hand it back for the next consumer.
                Outcome::Retry => {
                    delivery.nack(BasicNackOptions { requeue: true, ..Default::default() }).await?;
                    return Ok(());
                }
                Outcome::DeadLetter => {
                    delivery.nack(BasicNackOptions { requeue: false, ..Default::default() }).await?;
                }
            }
        }
    }

    fn measure(&self, delivery: &Delivery, outcome: Outcome) {
        let m = crate::metrics::instruments();
        let name = match outcome {
            Outcome::Applied => "applied",
            Outcome::Duplicate => "duplicate",
            Outcome::Retry => "retry",
            Outcome::DeadLetter => "dead_letter",
        };
        m.events_consumed.add(1, &[crate::metrics::service(self.name), opentelemetry::KeyValue::new("outcome", name)]);
        // Added even when 0, so the series exists (a rate of redeliveries reads 0, not "no data").
        m.events_redelivered.add(u64::from(delivery.redelivered), &[crate::metrics::service(self.name)]);
    }

    async fn process(&self, delivery: &Delivery) -> Outcome {
        let envelope = match EventEnvelope::decode(delivery.data.as_slice()) {
            Ok(envelope) => envelope,
            Err(error) => {
                tracing::error!(consumer = self.name, %error, "undecodable event, dead-lettering");
                return Outcome::DeadLetter;
            }
        };
        let span = tracing::info_span!("consume_event", consumer = self.name, event_id = %envelope.event_id, event_type = %envelope.event_type);
        trace_context::adopt_from_map(&span, &headers_as_map(delivery.properties.headers().as_ref()));
        async {
            let outcome = self.apply(&envelope).await;
            if matches!(outcome, Ok(Outcome::Applied))
                && let Some(occurred) = envelope.occurred_at.as_ref().and_then(crate::time::from_timestamp)
            {
                let lag = (crate::clock::now() - occurred).to_std().unwrap_or_default();
                crate::metrics::instruments().events_lag.record(lag.as_secs_f64(), &[crate::metrics::service(self.name)]);
            }
            match &outcome {
                Ok(outcome) => {
                    tracing::debug!(?outcome, "event processed");
                    *outcome
                }
                Err(HandleError::Permanent(error)) => {
                    tracing::error!(error = %error, "event cannot be applied, dead-lettering");
                    Outcome::DeadLetter
                }
                Err(HandleError::Transient(error)) => {
                    tracing::warn!(error = %error, "event not applied yet, will retry");
                    Outcome::Retry
                }
            }
        }
        .instrument(span)
        .await
    }

    async fn apply(&self, envelope: &EventEnvelope) -> Result<Outcome, HandleError> {
        let event_id = Uuid::parse_str(&envelope.event_id).map_err(|e| HandleError::Permanent(anyhow::anyhow!("event_id {:?}: {e}", envelope.event_id)))?;
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query("INSERT INTO inbox (event_id, event_type, producer) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING")
            .bind(event_id)
            .bind(&envelope.event_type)
            .bind(&envelope.producer)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if inserted == 0 {
            tx.rollback().await?;
            return Ok(Outcome::Duplicate);
        }
        self.handler.handle(&mut tx, envelope).await?;
        tx.commit().await?;
        Ok(Outcome::Applied)
    }
}
