//! Event handlers that maintain the reporting projections.

use qashyq_platform::events::{Dispatch, HandleError, On};
use qashyq_proto::{
    events::v1::EventEnvelope,
    schedule::v1::{Connectivity, SchoolRegistered},
};
use sqlx::PgConnection;

pub struct Projections;

impl Projections {
    /// Every event type the projections are built from.
    pub fn dispatch() -> Dispatch {
        Dispatch::new().on::<SchoolRegistered, _>(Projections)
    }
}

impl On<SchoolRegistered> for Projections {
    async fn apply(&self, tx: &mut PgConnection, registered: SchoolRegistered, _: &EventEnvelope) -> Result<(), HandleError> {
        let school = registered
            .school
            .ok_or_else(|| HandleError::Permanent(anyhow::anyhow!("SchoolRegistered without a school")))?;
        let connectivity = match Connectivity::try_from(school.connectivity) {
            Ok(Connectivity::Broadband) => "broadband",
            Ok(Connectivity::Slow) => "slow",
            Ok(Connectivity::None) => "none",
            _ => "unknown",
        };
        sqlx::query(
            "INSERT INTO school_connectivity (school_id, region_code, connectivity) VALUES ($1, $2, $3) \
             ON CONFLICT (school_id) DO UPDATE SET region_code = EXCLUDED.region_code, connectivity = EXCLUDED.connectivity",
        )
        .bind(&school.school_id)
        .bind(&school.region_code)
        .bind(connectivity)
        .execute(tx)
        .await?;
        tracing::debug!(school_id = %school.school_id, "school counted");
        Ok(())
    }
}
