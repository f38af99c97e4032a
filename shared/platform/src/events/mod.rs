//! Domain events over RabbitMQ, exactly as every service publishes and consumes them:
//!
//! - [`outbox::Outbox`] writes an event in the caller's transaction, beside the state change;
//! - [`relay::OutboxRelay`] publishes unpublished rows with publisher confirms, then marks them;
//! - [`consumer::Consumer`] applies each event once: inbox row and effect commit together;
//! - [`dispatch::Dispatch`] hands each event type to its handler, and acknowledges and counts
//!   types nobody handles;
//! - [`topology::Topology`] declares exchange, queues and dead-lettering idempotently.
//!
//! Delivery is at least once end to end; exactly-once effect comes from the inbox.

pub mod amqp;
pub mod consumer;
pub mod dispatch;
pub mod envelope;
pub mod outbox;
pub mod relay;
pub mod topology;

pub use consumer::{Consumer, EventHandler, HandleError};
pub use dispatch::{Dispatch, On};
pub use envelope::{decode_payload, new_envelope};
pub use outbox::Outbox;
/// What a repository writes to the outbox: any event message of a service's events package
/// (repositories need not know which).
pub use prost::Name as Event;
pub use relay::OutboxRelay;
pub use topology::Topology;
