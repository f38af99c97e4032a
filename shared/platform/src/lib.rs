//! The platform every Qashyq service stands on. Each cross-cutting concern is done once here:
//!
//! - [`config`]: settings from the environment with local defaults; secrets never print;
//! - [`telemetry`] and [`trace_context`]: logs, OTLP traces, W3C context over gRPC and AMQP;
//! - [`error`]: the one mapping of service errors to `tonic::Status`;
//! - [`db`]: the PostgreSQL pool and per-schema migrations under an advisory lock;
//! - [`cache`]: a Redis connection that reconnects;
//! - [`events`]: transactional outbox, relay, idempotent consumer, RabbitMQ topology;
//! - [`grpc`]: serving (health, reflection, tracing, graceful shutdown) and client channels;
//! - [`service`]: the `Application` that binds, migrates, serves and stops, shared by all seven services.

pub mod admin;
pub mod blob;
pub mod cache;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod grpc;
pub mod jobs;
pub mod language;
pub mod memo;
pub mod metrics;
pub mod paging;
pub mod principal;
pub mod request_key;
pub mod service;
pub mod shutdown;
pub mod telemetry;
pub mod time;
pub mod trace_context;
pub mod validate;

pub use error::{ApiError, FieldViolation};
pub use service::{Application, NoSettings, ServiceContext, ServiceDef, ServiceParts};
