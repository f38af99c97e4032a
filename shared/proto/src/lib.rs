//! Generated Qashyq contracts: one module per protobuf package (`qashyq.<domain>.v1`).

/// Encoded `FileDescriptorSet` of every Qashyq package, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/qashyq_descriptor.bin"));

pub mod common {
    pub mod v1 {
        tonic::include_proto!("qashyq.common.v1");
    }
}

pub mod events {
    pub mod v1 {
        tonic::include_proto!("qashyq.events.v1");
    }
}

pub mod schedule {
    pub mod v1 {
        tonic::include_proto!("qashyq.schedule.v1");
    }

    /// The events the schedule service announces: their own contracts, not API resources.
    pub mod events {
        pub mod v1 {
            tonic::include_proto!("qashyq.schedule.events.v1");
        }
    }
}

pub mod tvgrid {
    pub mod v1 {
        tonic::include_proto!("qashyq.tvgrid.v1");
    }

    /// The events the tvgrid service announces: their own contracts, not API resources.
    pub mod events {
        pub mod v1 {
            tonic::include_proto!("qashyq.tvgrid.events.v1");
        }
    }
}

pub mod assignments {
    pub mod v1 {
        tonic::include_proto!("qashyq.assignments.v1");
    }

    /// The events the assignments service announces: their own contracts, not API resources.
    pub mod events {
        pub mod v1 {
            tonic::include_proto!("qashyq.assignments.events.v1");
        }
    }
}

pub mod content {
    pub mod v1 {
        tonic::include_proto!("qashyq.content.v1");
    }
}

pub mod proctoring {
    pub mod v1 {
        tonic::include_proto!("qashyq.proctoring.v1");
    }

    /// The events the proctoring service announces: their own contracts, not API resources.
    pub mod events {
        pub mod v1 {
            tonic::include_proto!("qashyq.proctoring.events.v1");
        }
    }
}

/// The gateway's own API: sign-in and the observers' audit (served by the gateway itself).
pub mod gateway {
    pub mod v1 {
        tonic::include_proto!("qashyq.gateway.v1");
    }
}

pub mod reporting {
    pub mod v1 {
        tonic::include_proto!("qashyq.reporting.v1");
    }
}

/// The public packages and the service that owns each, as the gateway routes them.
pub const PACKAGE_OWNERS: &[(&str, &str)] = &[
    ("qashyq.schedule.v1", "schedule"),
    ("qashyq.tvgrid.v1", "tvgrid"),
    ("qashyq.assignments.v1", "assignments"),
    ("qashyq.content.v1", "content"),
    ("qashyq.proctoring.v1", "proctoring"),
    ("qashyq.reporting.v1", "reporting"),
];
