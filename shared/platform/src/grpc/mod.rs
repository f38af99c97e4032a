//! gRPC plumbing shared by every service: the server ([`server`]), a readiness gate that holds
//! domain calls until the service is ready ([`readiness`]), per-RPC metrics ([`rpc_metrics`]),
//! client channels that carry the trace context ([`client`]), and the caller's deadline carried
//! on to the calls made while serving it ([`deadline`]).

pub mod client;
pub mod deadline;
pub mod readiness;
pub mod rpc_metrics;
pub mod server;
