//! Schools of the directory (R-REF-1, R-REF-3).

use chrono::{DateTime, Utc};
use qashyq_platform::principal::SchoolPlace;
use uuid::Uuid;

/// Internet access class (seed 004 counts schools by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connectivity {
    /// At least 4 Mbit/s.
    Broadband,
    Slow,
    None,
}

impl Connectivity {
    pub fn as_str(self) -> &'static str {
        match self {
            Connectivity::Broadband => "broadband",
            Connectivity::Slow => "slow",
            Connectivity::None => "none",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "broadband" => Some(Connectivity::Broadband),
            "slow" => Some(Connectivity::Slow),
            "none" => Some(Connectivity::None),
            _ => None,
        }
    }
}

/// How a school teaches during the campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LearningMode {
    Distance,
    /// In person, in shifts: small ungraded rural schools may stay open (R-REF-3).
    InPersonShifts,
    DutyClasses,
}

impl LearningMode {
    pub fn as_str(self) -> &'static str {
        match self {
            LearningMode::Distance => "distance",
            LearningMode::InPersonShifts => "in_person_shifts",
            LearningMode::DutyClasses => "duty_classes",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "distance" => Some(LearningMode::Distance),
            "in_person_shifts" => Some(LearningMode::InPersonShifts),
            "duty_classes" => Some(LearningMode::DutyClasses),
            _ => None,
        }
    }
}

/// A validated request to register a school.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSchool {
    pub region_code: String,
    pub name: String,
    pub connectivity: Connectivity,
    pub learning_mode: LearningMode,
    pub ungraded_rural: bool,
    pub district_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct School {
    pub id: Uuid,
    pub region_code: String,
    pub name: String,
    pub connectivity: Connectivity,
    pub learning_mode: LearningMode,
    pub ungraded_rural: bool,
    pub registered_at: DateTime<Utc>,
    pub district_id: Option<Uuid>,
}

impl School {
    /// Where the school lies, to check a caller's scope against (R-GW-2).
    pub fn place(&self) -> SchoolPlace<'_> {
        SchoolPlace { school_id: self.id, district_id: self.district_id, region_code: &self.region_code }
    }

    /// The school's local time zone: its region's (R-REF-4). Region codes are checked against
    /// the catalogue when a school is registered; the broadcast zone stands in for one that a
    /// later catalogue no longer has.
    pub fn time_zone(&self) -> chrono_tz::Tz {
        qashyq_catalogue::catalogue().region(&self.region_code).map_or(qashyq_catalogue::BROADCAST_ZONE, |region| region.time_zone)
    }
}

/// A district of a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct District {
    pub id: Uuid,
    pub region_code: String,
    pub name: String,
}

/// Longest school name accepted (the longest official names run to about 150 characters).
pub const MAX_NAME_CHARS: usize = 300;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip() {
        for c in [Connectivity::Broadband, Connectivity::Slow, Connectivity::None] {
            assert_eq!(Connectivity::parse(c.as_str()), Some(c));
        }
        for m in [LearningMode::Distance, LearningMode::InPersonShifts, LearningMode::DutyClasses] {
            assert_eq!(LearningMode::parse(m.as_str()), Some(m));
        }
        assert_eq!(Connectivity::parse("fast"), None);
    }
}
