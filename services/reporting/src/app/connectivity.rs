//! Schools by connectivity (R-RP-2): counted from SchoolRegistered, read per region.

use qashyq_platform::{ApiError, principal::Caller};

use crate::{
    domain::connectivity::{ConnectivityReport, RegionCode},
    repo::ConnectivityRepo,
};

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
