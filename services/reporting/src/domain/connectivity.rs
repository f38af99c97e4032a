//! Schools by connectivity class (R-RP-2, seed 004: 7,013 schools with at least 4 Mbit/s, 301
//! slower, 112 without internet), projected from the directory's events (R-RP-3).

use std::collections::BTreeMap;

/// A region code of the catalogue (`KZ-ALA`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode(pub String);

/// A school's connectivity class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Connectivity {
    /// At least 4 Mbit/s.
    Broadband,
    Slow,
    /// No internet.
    None,
    /// A class the directory announced that this version does not know yet.
    Unknown,
}

impl Connectivity {
    pub const ALL: [Connectivity; 4] = [Connectivity::Broadband, Connectivity::Slow, Connectivity::None, Connectivity::Unknown];

    /// The stored name, also the directory's word in its events.
    pub fn as_str(self) -> &'static str {
        match self {
            Connectivity::Broadband => "broadband",
            Connectivity::Slow => "slow",
            Connectivity::None => "none",
            Connectivity::Unknown => "unknown",
        }
    }

    /// Reads the directory's word; one this version does not know counts as `Unknown`.
    pub fn read(word: &str) -> Self {
        Self::ALL.into_iter().find(|c| c.as_str() == word).unwrap_or(Connectivity::Unknown)
    }
}

/// Schools of one region (or of the country) by connectivity class.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectivityCounts {
    pub schools: i64,
    pub broadband: i64,
    pub slow: i64,
    pub offline: i64,
}

impl ConnectivityCounts {
    fn add(&mut self, connectivity: Connectivity, schools: i64) {
        self.schools += schools;
        match connectivity {
            Connectivity::Broadband => self.broadband += schools,
            Connectivity::Slow => self.slow += schools,
            Connectivity::None => self.offline += schools,
            // Counted among the schools, in no class.
            Connectivity::Unknown => {}
        }
    }
}

/// The report: per region, and the total of the regions it covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectivityReport {
    pub regions: BTreeMap<RegionCode, ConnectivityCounts>,
    pub total: ConnectivityCounts,
}

impl ConnectivityReport {
    /// Aggregates counts of schools per (region, class).
    pub fn from_counts(counts: impl IntoIterator<Item = (RegionCode, Connectivity, i64)>) -> Self {
        let mut report = Self::default();
        for (region, connectivity, schools) in counts {
            report.regions.entry(region).or_default().add(connectivity, schools);
            report.total.add(connectivity, schools);
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_rp_2_counts_add_up_per_region_and_in_total() {
        let region = |code: &str| RegionCode(code.into());
        let report = ConnectivityReport::from_counts([
            (region("KZ-AKM"), Connectivity::Broadband, 3),
            (region("KZ-AKM"), Connectivity::None, 1),
            (region("KZ-ALA"), Connectivity::Slow, 2),
            (region("KZ-ALA"), Connectivity::Unknown, 1),
        ]);
        assert_eq!(report.regions[&region("KZ-AKM")], ConnectivityCounts { schools: 4, broadband: 3, slow: 0, offline: 1 });
        assert_eq!(report.regions[&region("KZ-ALA")], ConnectivityCounts { schools: 3, broadband: 0, slow: 2, offline: 0 });
        assert_eq!(report.total, ConnectivityCounts { schools: 7, broadband: 3, slow: 2, offline: 1 });
    }

    #[test]
    fn words_of_the_directory_are_read_and_unknown_ones_kept_as_unknown() {
        assert!(Connectivity::ALL.into_iter().all(|c| Connectivity::read(c.as_str()) == c));
        assert_eq!(Connectivity::read("satellite"), Connectivity::Unknown);
    }
}
