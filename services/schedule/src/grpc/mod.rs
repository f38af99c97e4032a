//! The schedule service's gRPC services: each handler reads its request through `convert` (the
//! only place API messages meet domain types), calls the use case in `app`, and converts the
//! answer — nothing else.

pub mod catalogue;
mod convert;
pub mod directory;
pub mod timetable;
