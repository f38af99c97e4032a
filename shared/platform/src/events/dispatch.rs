//! Event dispatch by type: a consumer declares one handler per event type it applies
//! ([`Dispatch::on`]), each given the decoded payload. The queue is bound to exactly those
//! types. An event of a type no handler is declared for (a binding left from an earlier
//! version, a type added upstream before this consumer learnt it) is acknowledged and counted,
//! never an error: dead-lettering it would only hide real failures among harmless ones.

use std::{
    collections::BTreeMap,
    future::Future,
    marker::PhantomData,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use futures::future::BoxFuture;
use prost::{Message, Name};
use qashyq_proto::events::v1::EventEnvelope;
use sqlx::PgConnection;

use super::{EventHandler, HandleError, decode_payload};

/// Applies events of type `E`, inside the consumer's transaction (the inbox row commits with it).
pub trait On<E>: Send + Sync + 'static {
    fn apply<'a>(&'a self, tx: &'a mut PgConnection, event: E, envelope: &'a EventEnvelope) -> impl Future<Output = Result<(), HandleError>> + Send + 'a;
}

trait Erased: Send + Sync {
    fn handle<'a>(&'a self, tx: &'a mut PgConnection, envelope: &'a EventEnvelope) -> BoxFuture<'a, Result<(), HandleError>>;
}

struct Typed<E, H> {
    handler: H,
    event: PhantomData<fn() -> E>,
}

impl<E, H> Erased for Typed<E, H>
where
    E: Message + Name + Default + Send + 'static,
    H: On<E>,
{
    fn handle<'a>(&'a self, tx: &'a mut PgConnection, envelope: &'a EventEnvelope) -> BoxFuture<'a, Result<(), HandleError>> {
        Box::pin(async move {
            let event: E = decode_payload(envelope)?;
            self.handler.apply(tx, event, envelope).await
        })
    }
}

/// The handlers of one consumer, by event type.
#[derive(Default)]
pub struct Dispatch {
    handlers: BTreeMap<String, Box<dyn Erased>>,
    unhandled: Arc<AtomicU64>,
    service: &'static str,
}

impl Dispatch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies events of type `E` with `handler`.
    pub fn on<E, H>(mut self, handler: H) -> Self
    where
        E: Message + Name + Default + Send + 'static,
        H: On<E>,
    {
        self.handlers.insert(E::full_name(), Box::new(Typed { handler, event: PhantomData }));
        self
    }

    /// Events acknowledged without a handler since start (also exported as a metric).
    pub fn unhandled(&self) -> Arc<AtomicU64> {
        self.unhandled.clone()
    }
}

impl EventHandler for Dispatch {
    fn event_types(&self) -> Vec<String> {
        self.handlers.keys().cloned().collect()
    }

    fn consumed_by(&mut self, service: &'static str) {
        self.service = service;
    }

    async fn handle(&self, tx: &mut PgConnection, envelope: &EventEnvelope) -> Result<(), HandleError> {
        match self.handlers.get(&envelope.event_type) {
            Some(handler) => handler.handle(tx, envelope).await,
            None => {
                self.unhandled.fetch_add(1, Ordering::Relaxed);
                let labels = [crate::metrics::service(self.service), opentelemetry::KeyValue::new("event_type", envelope.event_type.clone())];
                crate::metrics::instruments().events_unhandled.add(1, &labels);
                tracing::info!(event_type = %envelope.event_type, event_id = %envelope.event_id, "no handler for this event type, acknowledged");
                Ok(())
            }
        }
    }
}
