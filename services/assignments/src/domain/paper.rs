//! Pupils without internet (seed 003): collection rounds of paper work and what is overdue.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::submission::Collector;

/// A collection round to record, as the caller described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRound {
    pub class_id: Uuid,
    pub collected_by_role: Collector,
    pub collected_by: String,
    pub collected_at: DateTime<Utc>,
}

/// A round in which paper work was collected from a class's paper pupils.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionRound {
    pub id: Uuid,
    pub school_id: Uuid,
    pub class_id: Uuid,
    pub collected_by_role: Collector,
    pub collected_by: String,
    pub collected_at: DateTime<Utc>,
}

/// Paper work overdue for collection: a paper pupil's homework past its deadline, nothing handed
/// in, the class's last round too old.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overdue {
    pub class_id: Uuid,
    pub pupil_id: Uuid,
    pub homework_id: Uuid,
    pub subject_code: String,
    pub deadline: DateTime<Utc>,
    pub last_collected_at: Option<DateTime<Utc>>,
}
