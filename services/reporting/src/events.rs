//! The events reporting is built from (R-RP-3), read into domain types here and nowhere else,
//! each applied in one transaction with its inbox row. An event type without a handler is
//! acknowledged and counted by the platform's dispatch.

use qashyq_platform::events::{Dispatch, HandleError, On};
use qashyq_proto::{events::v1::EventEnvelope, schedule::events::v1::SchoolRegistered};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    app::Projections,
    domain::connectivity::{Connectivity, CountedSchool, RegionCode, SchoolId},
};

/// Every event type the projections are built from.
pub fn dispatch() -> Dispatch {
    Dispatch::new().on::<SchoolRegistered, _>(Projections)
}

fn counted_school(event: &SchoolRegistered) -> Result<CountedSchool, HandleError> {
    let id = Uuid::parse_str(&event.school_id).map_err(|_| HandleError::Permanent(anyhow::anyhow!("SchoolRegistered: school_id is not a UUID")))?;
    Ok(CountedSchool { id: SchoolId(id), region: RegionCode(event.region_code.clone()), connectivity: Connectivity::read(&event.connectivity) })
}

impl On<SchoolRegistered> for Projections {
    async fn apply(&self, tx: &mut PgConnection, event: SchoolRegistered, _: &EventEnvelope) -> Result<(), HandleError> {
        self.school_registered(tx, &counted_school(&event)?).await
    }
}
