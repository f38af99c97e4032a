//! Absences (R-AS-6): a pupil who did not hand in work by the (their) deadline, or missed the
//! class's video conference, is marked absent once, by a job; a deadline absence is withdrawn
//! when paper work turns out to have been handed over in time.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbsenceReason {
    DeadlineMissed,
    ConferenceMissed,
}

impl AbsenceReason {
    pub fn as_str(self) -> &'static str {
        match self {
            AbsenceReason::DeadlineMissed => "deadline_missed",
            AbsenceReason::ConferenceMissed => "conference_missed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [AbsenceReason::DeadlineMissed, AbsenceReason::ConferenceMissed].into_iter().find(|r| r.as_str() == value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Absence {
    pub id: Uuid,
    pub pupil_id: Uuid,
    pub school_id: Uuid,
    pub class_id: Uuid,
    pub reason: AbsenceReason,
    pub homework_id: Option<Uuid>,
    pub conference_id: Option<Uuid>,
    /// The school's local date of the deadline or the conference.
    pub date: NaiveDate,
    pub marked_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// A conference to record, as the caller described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordConference {
    pub class_id: Uuid,
    pub teacher_id: Uuid,
    pub subject_code: String,
    pub held_at: DateTime<Utc>,
    pub present: Vec<Uuid>,
}

/// A class's video conference and who attended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conference {
    pub id: Uuid,
    pub school_id: Uuid,
    pub class_id: Uuid,
    pub teacher_id: Uuid,
    pub subject_code: String,
    pub held_at: DateTime<Utc>,
    pub present: Vec<Uuid>,
}

/// What the deadline job knows of one pupil of the class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PupilAtDeadline {
    pub pupil_id: Uuid,
    /// The pupil's own later deadline, if extended.
    pub extended_until: Option<DateTime<Utc>>,
    pub excused: bool,
    /// The counting time of the earliest attempt, if any.
    pub first_counted_at: Option<DateTime<Utc>>,
}

/// Whether the pupil is absent for homework due at `deadline`, judged at `now`: nothing handed
/// in by their deadline, which has passed, and not excused. A pupil whose deadline was extended
/// past `now` is judged by the job queued for that deadline.
pub fn missed_deadline(pupil: &PupilAtDeadline, deadline: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    let theirs = pupil.extended_until.map_or(deadline, |e| e.max(deadline));
    !pupil.excused && theirs <= now && pupil.first_counted_at.is_none_or(|at| at > theirs)
}

/// A class's pupils who missed a conference: those not among the present.
pub fn missed_conference(class_pupils: &[Uuid], present: &[Uuid]) -> Vec<Uuid> {
    class_pupils.iter().copied().filter(|p| !present.contains(p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_as_6_absent_when_nothing_was_handed_in_by_the_pupils_deadline() {
        let deadline: DateTime<Utc> = "2020-04-10T13:00:00Z".parse().unwrap();
        let now = deadline + chrono::Duration::minutes(5);
        let pupil = PupilAtDeadline { pupil_id: Uuid::nil(), extended_until: None, excused: false, first_counted_at: None };
        assert!(missed_deadline(&pupil, deadline, now));
        assert!(!missed_deadline(&pupil, deadline, deadline - chrono::Duration::minutes(1)), "not yet due");
        assert!(!missed_deadline(&PupilAtDeadline { first_counted_at: Some(deadline), ..pupil.clone() }, deadline, now));
        assert!(missed_deadline(&PupilAtDeadline { first_counted_at: Some(now), ..pupil.clone() }, deadline, now), "late is not in time");
        assert!(!missed_deadline(&PupilAtDeadline { excused: true, ..pupil.clone() }, deadline, now));
        assert!(!missed_deadline(&PupilAtDeadline { extended_until: Some(now + chrono::Duration::days(1)), ..pupil }, deadline, now));
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(missed_conference(&[a, b], &[b]), [a]);
    }
}
