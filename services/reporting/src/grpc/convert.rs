//! The only conversion between the reporting API's messages and domain types.

use qashyq_platform::{ApiError, validate::Violations};
use qashyq_proto::reporting::v1 as pb;

use crate::domain::connectivity::{ConnectivityCounts, ConnectivityReport, RegionCode};

/// Reads the optional region filter (empty: the whole country).
pub fn region_filter(raw: &str) -> Result<Option<RegionCode>, ApiError> {
    let code = raw.trim();
    if code.is_empty() {
        return Ok(None);
    }
    let mut v = Violations::new();
    let region = v.region("region_code", code);
    Ok(Some(RegionCode(v.values(region)?.code.clone())))
}

fn counts_to_proto(region_code: String, counts: &ConnectivityCounts) -> pb::RegionConnectivity {
    pb::RegionConnectivity { region_code, schools: counts.schools, broadband: counts.broadband, slow: counts.slow, offline: counts.offline }
}

pub fn report_to_proto(report: &ConnectivityReport) -> pb::ConnectivityReport {
    pb::ConnectivityReport {
        regions: report.regions.iter().map(|(region, counts)| counts_to_proto(region.0.clone(), counts)).collect(),
        total: Some(counts_to_proto(String::new(), &report.total)),
    }
}
