//! gRPC plumbing shared by every service: the server ([`server`]), a readiness gate that holds
//! domain calls until the service is ready ([`readiness`]), per-RPC metrics ([`rpc_metrics`]),
//! and client channels that carry the trace context ([`client`]).

pub mod client;
pub mod readiness;
pub mod rpc_metrics;
pub mod server;
