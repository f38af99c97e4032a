//! The indicators of the weekly monitoring (R-RP-2), each defined once here: its id, its unit,
//! what it counts and which filters apply. The README's table is this list in words.

/// How an indicator's value is made from its counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// numerator / denominator.
    Share,
    /// The numerator.
    Count,
    /// A quantile of latencies, in minutes (the denominator: how many were measured).
    Minutes,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Share => "share",
            Unit::Count => "count",
            Unit::Minutes => "minutes",
        }
    }
}

/// What it is broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Breakdown {
    /// Below the country (schools, districts, regions): false for national facts.
    pub by_area: bool,
    /// The grade and language filters apply.
    pub by_grade: bool,
    /// The channel filter applies.
    pub by_channel: bool,
    /// Per teacher of a school.
    pub by_teacher: bool,
}

const SCHOOLS: Breakdown = Breakdown { by_area: true, by_grade: false, by_channel: false, by_teacher: false };
const CLASSES: Breakdown = Breakdown { by_area: true, by_grade: true, by_channel: false, by_teacher: false };
const WORK: Breakdown = Breakdown { by_area: true, by_grade: true, by_channel: true, by_teacher: false };
const FEEDBACK: Breakdown = Breakdown { by_area: true, by_grade: true, by_channel: false, by_teacher: true };
const NATIONAL: Breakdown = Breakdown { by_area: false, by_grade: false, by_channel: false, by_teacher: false };
const NATIONAL_BY_GRADE: Breakdown = Breakdown { by_area: false, by_grade: true, by_channel: false, by_teacher: false };

/// Every indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorId {
    TimetableAlignedClasses,
    HomeworkPerLesson,
    HomeworkAfterTvLessons,
    HomeworkAfterOwnLessons,
    SubmissionRate,
    OnTimeRate,
    FeedbackPerSubmission,
    FeedbackLatencyMedianMinutes,
    FeedbackLatencyP90Minutes,
    Absences,
    PupilsBroadband,
    PupilsTvOnly,
    PupilsPaper,
    PaperWorkOverdue,
    SchoolsBroadband,
    SchoolsSlow,
    SchoolsOffline,
    SchoolsDistance,
    SchoolsInPersonShifts,
    SchoolsDutyClasses,
    TvAssetsApproved,
    TvLessonsWithContent,
    ProctoringSessionsScheduled,
    ProctoringClean,
    ProctoringSuspicious,
    ProctoringViolation,
}

/// An indicator's definition.
#[derive(Debug, Clone, Copy)]
pub struct Definition {
    pub id: IndicatorId,
    pub name: &'static str,
    pub title: &'static str,
    pub unit: Unit,
    pub breakdown: Breakdown,
    pub definition: &'static str,
}

macro_rules! define {
    ($id:ident, $name:literal, $title:literal, $unit:ident, $breakdown:ident, $definition:literal) => {
        Definition { id: IndicatorId::$id, name: $name, title: $title, unit: Unit::$unit, breakdown: $breakdown, definition: $definition }
    };
}

/// The definitions, in the order reports show them.
pub const DEFINITIONS: &[Definition] = &[
    define!(
        TimetableAlignedClasses,
        "timetable_aligned_classes",
        "Classes with a timetable aligned to the TV grid",
        Share,
        CLASSES,
        "Classes whose school's latest timetable by the end of the week is a stored one (TimetableChanged), not one a newer TV grid broke (TimetableMisaligned), of all classes."
    ),
    define!(
        HomeworkPerLesson,
        "homework_per_lesson",
        "Homework per lesson",
        Share,
        CLASSES,
        "Homework due in the week (not withdrawn) per lesson of the week by the classes' weekly loads."
    ),
    define!(
        HomeworkAfterTvLessons,
        "homework_after_tv_lessons",
        "Homework after TV and audio lessons",
        Count,
        CLASSES,
        "Homework due in the week, not withdrawn, that follows a TV or audio lesson."
    ),
    define!(
        HomeworkAfterOwnLessons,
        "homework_after_own_lessons",
        "Homework after the school's own lessons",
        Count,
        CLASSES,
        "Homework due in the week, not withdrawn, that follows a webinar or the school's own lesson."
    ),
    define!(
        SubmissionRate,
        "submission_rate",
        "Submission rate",
        Share,
        WORK,
        "Pieces of work handed in (a pupil's first attempt at a homework) of the homework due in the week times the pupils of its class; counted in the week of the deadline the work was handed in against; by the channel of the first attempt."
    ),
    define!(
        OnTimeRate,
        "on_time_rate",
        "On-time rate",
        Share,
        WORK,
        "First attempts counted (the hand-over for paper, the arrival otherwise) by their deadline, of the first attempts handed in against a deadline in the week."
    ),
    define!(
        FeedbackPerSubmission,
        "feedback_per_submission",
        "Teacher feedback per attempt",
        Share,
        FEEDBACK,
        "Feedback given in the week (comments and assessments) per attempt handed in during the week."
    ),
    define!(
        FeedbackLatencyMedianMinutes,
        "feedback_latency_median_minutes",
        "Time to feedback, median",
        Minutes,
        FEEDBACK,
        "Median of the minutes from an attempt's counting to its first feedback, over first feedback given in the week (the lower median, nearest rank; to the quarter hour under 2 hours, the hour under a day, 6 hours under 2 weeks, the day beyond)."
    ),
    define!(
        FeedbackLatencyP90Minutes,
        "feedback_latency_p90_minutes",
        "Time to feedback, 90th percentile",
        Minutes,
        FEEDBACK,
        "90th percentile (nearest rank) of the same latencies as the median."
    ),
    define!(Absences, "absences", "Absences", Count, CLASSES, "Absences marked for a day of the week (a missed deadline or conference) and not withdrawn."),
    define!(
        PupilsBroadband,
        "pupils_broadband",
        "Pupils learning online",
        Share,
        CLASSES,
        "Pupils with internet (delivery \"broadband\") of the classes' pupils, as the directory stands."
    ),
    define!(
        PupilsTvOnly,
        "pupils_tv_only",
        "Pupils learning by TV only",
        Share,
        CLASSES,
        "Pupils with TV and no internet of the classes' pupils, as the directory stands."
    ),
    define!(
        PupilsPaper,
        "pupils_paper",
        "Pupils learning on paper",
        Share,
        CLASSES,
        "Pupils working on paper of the classes' pupils, as the directory stands."
    ),
    define!(
        PaperWorkOverdue,
        "paper_work_overdue",
        "Paper work overdue for collection",
        Count,
        CLASSES,
        "Homework due in the week, past its deadline now, times each paper pupil of its class who has handed nothing in for it."
    ),
    define!(
        SchoolsBroadband,
        "schools_broadband",
        "Schools with at least 4 Mbit/s",
        Share,
        SCHOOLS,
        "Schools with broadband of the schools, as the directory stands."
    ),
    define!(
        SchoolsSlow,
        "schools_slow",
        "Schools with slow internet",
        Share,
        SCHOOLS,
        "Schools with internet slower than 4 Mbit/s of the schools, as the directory stands."
    ),
    define!(SchoolsOffline, "schools_offline", "Schools without internet", Share, SCHOOLS, "Schools without internet of the schools, as the directory stands."),
    define!(
        SchoolsDistance,
        "schools_distance",
        "Schools learning at a distance",
        Share,
        SCHOOLS,
        "Schools in distance learning of the schools, as the directory stands."
    ),
    define!(
        SchoolsInPersonShifts,
        "schools_in_person_shifts",
        "Schools in person, in shifts",
        Share,
        SCHOOLS,
        "Schools learning in person in shifts (small rural schools) of the schools, as the directory stands."
    ),
    define!(
        SchoolsDutyClasses,
        "schools_duty_classes",
        "Schools with duty classes",
        Share,
        SCHOOLS,
        "Schools keeping duty classes of the schools, as the directory stands."
    ),
    define!(
        TvAssetsApproved,
        "tv_assets_approved",
        "TV-lesson content approved",
        Count,
        NATIONAL,
        "TV-lesson assets approved for airing during the week (Almaty time)."
    ),
    define!(
        TvLessonsWithContent,
        "tv_lessons_with_content",
        "TV lessons given content",
        Count,
        NATIONAL_BY_GRADE,
        "TV lessons of the week's days that an approved asset was put on (a replacement counts again)."
    ),
    define!(
        ProctoringSessionsScheduled,
        "proctoring_sessions_scheduled",
        "Proctored sessions scheduled",
        Count,
        NATIONAL,
        "Proctored exam sessions starting in the week (Almaty time)."
    ),
    define!(
        ProctoringClean,
        "proctoring_clean",
        "Proctored sessions judged clean",
        Count,
        NATIONAL,
        "Sessions whose latest verdict, reached in the week, is clean."
    ),
    define!(
        ProctoringSuspicious,
        "proctoring_suspicious",
        "Proctored sessions judged suspicious",
        Count,
        NATIONAL,
        "Sessions whose latest verdict, reached in the week, is suspicious."
    ),
    define!(
        ProctoringViolation,
        "proctoring_violation",
        "Proctored sessions with a violation",
        Count,
        NATIONAL,
        "Sessions whose latest verdict, reached in the week, is a violation."
    ),
];

impl IndicatorId {
    pub fn definition(self) -> &'static Definition {
        DEFINITIONS.iter().find(|d| d.id == self).expect("every indicator is defined")
    }

    pub fn name(self) -> &'static str {
        self.definition().name
    }

    /// Reads an indicator's id; `None` for a word that names none.
    pub fn parse(name: &str) -> Option<Self> {
        DEFINITIONS.iter().find(|d| d.name == name).map(|d| d.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_rp_2_every_indicator_is_defined_once_with_a_unique_name() {
        let names: std::collections::BTreeSet<_> = DEFINITIONS.iter().map(|d| d.name).collect();
        assert_eq!(names.len(), DEFINITIONS.len());
        for d in DEFINITIONS {
            assert_eq!(IndicatorId::parse(d.name), Some(d.id));
            assert!(!d.definition.is_empty() && !d.title.is_empty());
            // Per teacher only what is per school.
            assert!(!d.breakdown.by_teacher || d.breakdown.by_area);
        }
        assert_eq!(IndicatorId::parse("happiness"), None);
    }

    /// The README's table of indicators is this list: the same ids, units and definitions.
    #[test]
    fn r_rp_2_the_readme_defines_every_indicator_as_the_code_does() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).expect("the repository's README");
        let rows: Vec<&str> = readme.lines().map(str::trim).filter(|l| l.starts_with("| `")).collect();
        for d in DEFINITIONS {
            let row = rows.iter().find(|r| r.starts_with(&format!("| `{}` |", d.name))).unwrap_or_else(|| panic!("{} is not in the README", d.name));
            assert!(row.contains(&format!("| {} |", d.unit.as_str())), "{}: unit", d.name);
            assert!(row.ends_with(&format!("| {} |", d.definition)), "{}: the README's definition differs", d.name);
        }
        let named = rows.iter().filter(|r| DEFINITIONS.iter().any(|d| r.starts_with(&format!("| `{}` |", d.name)))).count();
        assert_eq!(named, DEFINITIONS.len(), "an indicator twice in the README");
    }
}
