//! Schools by connectivity (R-RP-2): counted from SchoolRegistered, read per region.

use qashyq_platform::{ApiError, events::HandleError, principal::Caller};
use sqlx::PgConnection;

use crate::{
    domain::connectivity::{ConnectivityReport, CountedSchool, RegionCode},
    repo::ConnectivityRepo,
};

/// Applies events to the projections (inside the consumer's transaction).
pub struct Projections;

impl Projections {
    pub async fn school_registered(&self, tx: &mut PgConnection, school: &CountedSchool) -> Result<(), HandleError> {
        ConnectivityRepo::count(tx, school).await?;
        tracing::debug!(school_id = %school.id.0, "school counted");
        Ok(())
    }
}

/// Reads the connectivity report.
pub struct ConnectivityReports {
    repo: ConnectivityRepo,
}

impl ConnectivityReports {
    pub fn new(repo: ConnectivityRepo) -> Self {
        Self { repo }
    }

    /// The report of one region, or of the country, for a caller who reaches it (a regional
    /// observer reads its own region only, R-GW-2).
    pub async fn report(&self, caller: &Caller, region: Option<&RegionCode>) -> Result<ConnectivityReport, ApiError> {
        caller.check_region(region.map(|r| r.0.as_str()))?;
        Ok(ConnectivityReport::from_counts(self.repo.counts(region).await?))
    }
}
