//! RabbitMQ topology, declared idempotently by whoever connects first: one durable topic exchange
//! for domain events, a dead-letter exchange, and per consuming service a durable quorum queue
//! with its dead-letter queue.

use lapin::{
    Channel, ExchangeKind,
    options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions},
    types::{AMQPValue, FieldTable, LongString, ShortString},
};

/// A message redelivered this many times (handler kept failing) goes to the dead-letter queue.
const DELIVERY_LIMIT: i64 = 20;
/// Test queues vanish this long after their last consumer left.
const EPHEMERAL_QUEUE_EXPIRES_MS: i64 = 10 * 60 * 1000;

#[derive(Debug, Clone)]
pub struct Topology {
    pub exchange: String,
    /// Tests only: auto-deleted exchanges and expiring queues.
    pub ephemeral: bool,
}

impl Topology {
    pub fn new(exchange: impl Into<String>, ephemeral: bool) -> Self {
        Self { exchange: exchange.into(), ephemeral }
    }

    /// Where events that no queue is bound for go, instead of being dropped.
    pub fn unrouted_exchange(&self) -> String {
        format!("{}.unrouted", self.exchange)
    }

    pub fn dead_letter_exchange(&self) -> String {
        format!("{}.dlx", self.exchange)
    }

    /// The queue a consuming service reads, e.g. `qashyq.events.reporting`.
    pub fn queue(&self, consumer: &str) -> String {
        format!("{}.{consumer}", self.exchange)
    }

    pub fn dead_letter_queue(&self, consumer: &str) -> String {
        format!("{}.{consumer}.dead", self.exchange)
    }

    /// Declares the events exchange, its alternate exchange and queue (events published before
    /// any consumer bound for them are kept there, not dropped), and the dead-letter exchange.
    pub async fn declare_exchanges(&self, channel: &Channel) -> lapin::Result<()> {
        let options = ExchangeDeclareOptions { durable: true, auto_delete: self.ephemeral, ..Default::default() };
        let unrouted = self.unrouted_exchange();
        channel.exchange_declare(unrouted.as_str().into(), ExchangeKind::Fanout, options, FieldTable::default()).await?;
        let mut unrouted_args = self.quorum_args();
        if self.ephemeral {
            unrouted_args.insert("x-expires".into(), AMQPValue::LongLongInt(EPHEMERAL_QUEUE_EXPIRES_MS));
        }
        channel.queue_declare(unrouted.as_str().into(), durable(), unrouted_args).await?;
        channel.queue_bind(unrouted.as_str().into(), unrouted.as_str().into(), "".into(), QueueBindOptions::default(), FieldTable::default()).await?;
        let mut args = FieldTable::default();
        args.insert("alternate-exchange".into(), long_string(&unrouted));
        channel.exchange_declare(self.exchange.as_str().into(), ExchangeKind::Topic, options, args).await?;
        channel.exchange_declare(self.dead_letter_exchange().as_str().into(), ExchangeKind::Direct, options, FieldTable::default()).await
    }

    /// Declares the consumer's quorum queue bound to each routing key, and its dead-letter queue.
    pub async fn declare_consumer_queue(&self, channel: &Channel, consumer: &str, routing_keys: &[String]) -> lapin::Result<String> {
        self.declare_exchanges(channel).await?;
        let queue = self.queue(consumer);
        let dead = self.dead_letter_queue(consumer);

        let mut dead_args = self.quorum_args();
        if self.ephemeral {
            dead_args.insert("x-expires".into(), AMQPValue::LongLongInt(EPHEMERAL_QUEUE_EXPIRES_MS));
        }
        channel.queue_declare(dead.as_str().into(), durable(), dead_args).await?;
        channel
            .queue_bind(dead.as_str().into(), self.dead_letter_exchange().as_str().into(), consumer.into(), QueueBindOptions::default(), FieldTable::default())
            .await?;

        let mut args = self.quorum_args();
        args.insert("x-dead-letter-exchange".into(), long_string(&self.dead_letter_exchange()));
        args.insert("x-dead-letter-routing-key".into(), long_string(consumer));
        args.insert("x-delivery-limit".into(), AMQPValue::LongLongInt(DELIVERY_LIMIT));
        if self.ephemeral {
            args.insert("x-expires".into(), AMQPValue::LongLongInt(EPHEMERAL_QUEUE_EXPIRES_MS));
        }
        channel.queue_declare(queue.as_str().into(), durable(), args).await?;
        for key in routing_keys {
            channel
                .queue_bind(
                    queue.as_str().into(),
                    self.exchange.as_str().into(),
                    ShortString::from(key.as_str()),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        Ok(queue)
    }

    fn quorum_args(&self) -> FieldTable {
        let mut args = FieldTable::default();
        args.insert("x-queue-type".into(), long_string("quorum"));
        args
    }
}

fn durable() -> QueueDeclareOptions {
    QueueDeclareOptions { durable: true, ..Default::default() }
}

fn long_string(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value))
}
