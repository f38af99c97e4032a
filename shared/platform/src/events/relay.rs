//! Publishes outbox rows to RabbitMQ.
//!
//! In a loop: lock a batch of unpublished rows (`FOR UPDATE SKIP LOCKED`, so replicas share the
//! work without publishing a row twice at once), publish each persistently, wait for the broker's
//! confirms, and only then mark the rows published and commit. A broker that goes away leaves the
//! rows unpublished; the relay reconnects and publishes them. A crash between confirm and commit
//! publishes a row again, which the consumers' inbox absorbs.

use std::{collections::HashMap, time::Duration};

use lapin::{
    BasicProperties, Channel,
    options::{BasicPublishOptions, ConfirmSelectOptions},
    types::{AMQPValue, FieldTable, LongString, ShortString},
};
use sqlx::{PgPool, Row, postgres::PgListener};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{amqp, topology::Topology};

const BATCH_SIZE: i64 = 200;
/// Fallback poll when no notification arrives (a missed NOTIFY, rows left by a failed batch).
const POLL_INTERVAL: Duration = Duration::from_millis(500);
const PERSISTENT: u8 = 2;
/// A publish or confirm that takes longer means the connection is gone, even if the socket has
/// not said so yet: give up the batch and reconnect.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(10);

pub struct OutboxRelay {
    pool: PgPool,
    schema: String,
    producer: &'static str,
    amqp_url: String,
    topology: Topology,
}

#[derive(Debug, thiserror::Error)]
enum RelayError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("broker: {0}")]
    Broker(#[from] lapin::Error),
    #[error("broker refused event {0}")]
    Nacked(Uuid),
    #[error("broker did not confirm within {0:?}")]
    Timeout(Duration),
}

struct OutboxRow {
    id: i64,
    event_id: Uuid,
    event_type: String,
    envelope: Vec<u8>,
    traceparent: Option<String>,
    tracestate: Option<String>,
}

impl OutboxRelay {
    pub fn new(pool: PgPool, schema: impl Into<String>, producer: &'static str, amqp_url: impl Into<String>, topology: Topology) -> Self {
        Self { pool, schema: schema.into(), producer, amqp_url: amqp_url.into(), topology }
    }

    /// Runs until `shutdown`; survives broker and database restarts.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut wakeups = self.listen().await;
        loop {
            let Some(connection) = amqp::connect(&self.amqp_url, &format!("{}-relay", self.producer), &shutdown).await else {
                return;
            };
            let channel = match self.open_channel(&connection).await {
                Ok(channel) => channel,
                Err(error) => {
                    tracing::warn!(%error, "cannot open publishing channel, reconnecting");
                    sleep_or_shutdown(Duration::from_secs(1), &shutdown).await;
                    continue;
                }
            };
            loop {
                if shutdown.is_cancelled() {
                    let _ = connection.close(200, "shutdown".into()).await;
                    return;
                }
                match self.publish_batch(&channel).await {
                    Ok(n) if n as i64 == BATCH_SIZE => continue,
                    Ok(_) => self.wait_for_work(&mut wakeups, &shutdown).await,
                    Err(RelayError::Database(error)) => {
                        tracing::warn!(%error, "outbox unreadable, retrying");
                        sleep_or_shutdown(Duration::from_secs(1), &shutdown).await;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "publishing failed, reconnecting to rabbitmq");
                        break;
                    }
                }
            }
            let _ = connection.close(200, "reconnect".into()).await;
            sleep_or_shutdown(Duration::from_millis(200), &shutdown).await;
        }
    }

    async fn open_channel(&self, connection: &lapin::Connection) -> lapin::Result<Channel> {
        let channel = connection.create_channel().await?;
        channel.confirm_select(ConfirmSelectOptions::default()).await?;
        self.topology.declare_exchanges(&channel).await?;
        Ok(channel)
    }

    /// Publishes up to one batch; returns how many rows it published.
    async fn publish_batch(&self, channel: &Channel) -> Result<usize, RelayError> {
        let mut tx = self.pool.begin().await?;
        let rows: Vec<OutboxRow> = sqlx::query(
            "SELECT id, event_id, event_type, envelope, traceparent, tracestate FROM outbox \
             WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
        )
        .bind(BATCH_SIZE)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| OutboxRow {
            id: r.get("id"),
            event_id: r.get("event_id"),
            event_type: r.get("event_type"),
            envelope: r.get("envelope"),
            traceparent: r.get("traceparent"),
            tracestate: r.get("tracestate"),
        })
        .collect();
        if rows.is_empty() {
            return Ok(0);
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let published = match tokio::time::timeout(CONFIRM_TIMEOUT, self.publish_confirmed(channel, &rows)).await {
            Ok(result) => result,
            Err(_) => Err(RelayError::Timeout(CONFIRM_TIMEOUT)),
        };
        if let Err(error) = published {
            // Recorded in the batch's own transaction: the rows are locked by it.
            sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1)")
                .bind(&ids)
                .bind(error.to_string())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Err(error);
        }
        sqlx::query("UPDATE outbox SET published_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY($1)")
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::debug!(count = rows.len(), "events published");
        Ok(rows.len())
    }

    /// Publishes every row, then waits for the broker to confirm each.
    async fn publish_confirmed(&self, channel: &Channel, rows: &[OutboxRow]) -> Result<(), RelayError> {
        let mut confirms = Vec::with_capacity(rows.len());
        for row in rows {
            let confirm = channel
                .basic_publish(
                    self.topology.exchange.as_str().into(),
                    row.event_type.as_str().into(),
                    BasicPublishOptions::default(),
                    &row.envelope,
                    self.properties(row),
                )
                .await?;
            confirms.push((row.event_id, confirm));
        }
        for (event_id, confirm) in confirms {
            if !confirm.await?.is_ack() {
                return Err(RelayError::Nacked(event_id));
            }
        }
        Ok(())
    }

    fn properties(&self, row: &OutboxRow) -> BasicProperties {
        let mut headers = FieldTable::default();
        for (key, value) in [("traceparent", &row.traceparent), ("tracestate", &row.tracestate)] {
            if let Some(value) = value {
                headers.insert(key.into(), AMQPValue::LongString(LongString::from(value.as_str())));
            }
        }
        BasicProperties::default()
            .with_message_id(ShortString::from(row.event_id.to_string()))
            .with_type(ShortString::from(row.event_type.as_str()))
            .with_app_id(ShortString::from(self.producer))
            .with_content_type("application/x-protobuf".into())
            .with_delivery_mode(PERSISTENT)
            .with_headers(headers)
    }

    async fn listen(&self) -> Option<PgListener> {
        match PgListener::connect_with(&self.pool).await {
            Ok(mut listener) => match listener.listen("qashyq_outbox").await {
                Ok(()) => Some(listener),
                Err(error) => {
                    tracing::warn!(%error, "outbox notifications unavailable, polling only");
                    None
                }
            },
            Err(error) => {
                tracing::warn!(%error, "outbox notifications unavailable, polling only");
                None
            }
        }
    }

    /// Waits for a NOTIFY about this schema's outbox, the poll interval, or shutdown.
    async fn wait_for_work(&self, wakeups: &mut Option<PgListener>, shutdown: &CancellationToken) {
        let deadline = tokio::time::sleep(POLL_INTERVAL);
        tokio::pin!(deadline);
        loop {
            let notified = async {
                match wakeups.as_mut() {
                    Some(listener) => listener.recv().await.map(|n| n.payload() == self.schema),
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                result = notified => match result {
                    Ok(true) => return,
                    Ok(false) => continue,
                    Err(_) => return,
                },
                () = &mut deadline => return,
                () = shutdown.cancelled() => return,
            }
        }
    }
}

/// Headers of a delivery as plain strings (trace context).
pub(crate) fn headers_as_map(headers: Option<&FieldTable>) -> HashMap<String, String> {
    let mut map = HashMap::new();
    if let Some(table) = headers {
        for (key, value) in table.inner() {
            if let AMQPValue::LongString(text) = value {
                map.insert(key.to_string(), text.to_string());
            }
        }
    }
    map
}

async fn sleep_or_shutdown(duration: Duration, shutdown: &CancellationToken) {
    tokio::select! {
        () = tokio::time::sleep(duration) => {}
        () = shutdown.cancelled() => {}
    }
}
