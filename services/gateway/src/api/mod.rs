//! The gateway's own gRPC services (`qashyq.gateway.v1`): sign-in ([`auth`]), the observers'
//! audit ([`audit`]) and the integrators' event feed ([`feed`]). They sit behind the same guard as every forwarded call: the access table
//! says who may call them, and the principal reaches them signed like it reaches the services.

pub mod audit;
pub mod auth;
pub mod feed;

use qashyq_platform::principal::Role;
use qashyq_proto::gateway::v1 as pb;

pub fn role_to_proto(role: Role) -> pb::Role {
    match role {
        Role::Integrator => pb::Role::Integrator,
        Role::Ministry => pb::Role::Ministry,
        Role::RegionalObserver => pb::Role::RegionalObserver,
        Role::QualityObserver => pb::Role::QualityObserver,
        Role::ContentReviewer => pb::Role::ContentReviewer,
        Role::ProctoringReviewer => pb::Role::ProctoringReviewer,
        Role::Administrator => pb::Role::Administrator,
    }
}
