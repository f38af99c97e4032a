//! What integration tests need to run real services against the real PostgreSQL, Redis and
//! RabbitMQ of the machine without seeing each other: a fresh database per test
//! ([`TestDatabase`]), a private event exchange ([`test_config`]), a service started in-process
//! on an ephemeral port ([`spawn`]), a TCP proxy that can cut a connection ([`FaultProxy`]), and
//! events published as a relay publishes them ([`publish_envelopes`]).

mod database;
mod proxy;
mod publish;
mod spawn;

pub use database::{TestDatabase, migrate_up_to};
pub use proxy::FaultProxy;
pub use publish::publish_envelopes;
pub use spawn::{BareServer, RunningService, spawn, test_config, wait_until};

/// Installs a test log subscriber once (`RUST_LOG` to see more).
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_test_writer()
        .try_init();
}
