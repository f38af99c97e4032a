//! Homework after a lesson (R-AS-1, R-AS-2): what a teacher posts and edits, and the rules it
//! must keep.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use uuid::Uuid;

/// Files one homework may have, and characters of a recommendation.
pub const MAX_FILES: usize = 10;
pub const MAX_RECOMMENDATION_CHARS: usize = 1000;
/// Minutes one homework may claim.
pub const MAX_EXPECTED_MINUTES: i32 = 240;

/// Tasks one homework may have, and characters per task.
pub const MAX_TASKS: usize = 30;
pub const MAX_TASK_CHARS: usize = 2000;
/// Resource links one homework may have, and characters per link.
pub const MAX_LINKS: usize = 20;
pub const MAX_LINK_CHARS: usize = 2000;

/// The lesson homework follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LessonKind {
    Tv,
    Audio,
    Webinar,
    Own,
}

impl LessonKind {
    pub const ALL: [LessonKind; 4] = [LessonKind::Tv, LessonKind::Audio, LessonKind::Webinar, LessonKind::Own];

    /// The stored and announced name.
    pub fn as_str(self) -> &'static str {
        match self {
            LessonKind::Tv => "tv",
            LessonKind::Audio => "audio",
            LessonKind::Webinar => "webinar",
            LessonKind::Own => "own",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// The lesson homework follows: an airing of the TV grid, or a lesson of the class's timetable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LessonRef {
    TvAiring { airing_id: String },
    TimetableLesson { date: NaiveDate, period: u8 },
}

/// A file attached to homework with the teacher's recommendation for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HomeworkFile {
    pub attachment_id: Uuid,
    pub recommendation: String,
}

/// A post as the caller asked for it, every field already read into its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostHomework {
    pub school_id: Uuid,
    pub class_id: Uuid,
    pub teacher_id: Uuid,
    /// A catalogue subject code.
    pub subject_code: String,
    pub lesson_kind: LessonKind,
    /// 1–[`MAX_TASKS`] non-empty tasks, trimmed.
    pub tasks: Vec<String>,
    pub resource_links: Vec<String>,
    pub deadline: DateTime<Utc>,
    pub lesson: LessonRef,
    pub files: Vec<HomeworkFile>,
    pub expected_minutes: i32,
}

/// An edit: what may change after posting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditHomework {
    pub homework_id: Uuid,
    pub expected_version: i64,
    pub tasks: Vec<String>,
    pub resource_links: Vec<String>,
    pub deadline: DateTime<Utc>,
    pub files: Vec<HomeworkFile>,
    pub expected_minutes: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Homework {
    pub id: Uuid,
    pub school_id: Uuid,
    pub class_id: Uuid,
    pub teacher_id: Uuid,
    pub subject_code: String,
    pub lesson_kind: LessonKind,
    pub tasks: Vec<String>,
    pub resource_links: Vec<String>,
    pub deadline: DateTime<Utc>,
    pub posted_at: DateTime<Utc>,
    /// `None` for homework posted before lessons were linked.
    pub lesson: Option<LessonRef>,
    pub files: Vec<HomeworkFile>,
    pub expected_minutes: i32,
    pub version: i64,
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// The deadline's date in the school's region.
    pub deadline_date: NaiveDate,
}

/// Why a post or an edit cannot become homework.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostRefused {
    #[error("the deadline {deadline} is not after the time of posting {now}")]
    DeadlinePassed { deadline: DateTime<Utc>, now: DateTime<Utc> },
    /// R-AS-2: the class's homework due that day would exceed its grade's norm.
    #[error("grade {grade}'s norm is {norm} minutes of homework a day; {already} minutes are already due on {date}, and this adds {adding}")]
    OverNorm { grade: u8, norm: i32, already: i32, adding: i32, date: NaiveDate },
    #[error("homework {homework_id} is at version {current}, not {expected}")]
    StaleVersion { homework_id: Uuid, current: i64, expected: i64 },
    #[error("homework {0} was withdrawn")]
    Withdrawn(Uuid),
}

/// R-AS-2: homework minutes a pupil of each grade may get due on one day. The defaults follow
/// the sanitary rules' usual figures (no homework in grade 1; 1.5 h in grades 2–3; 2 h in 4–5;
/// 2.5 h in 6–8; 3.5 h in 9–12); `QASHYQ_ASSIGNMENTS_HOMEWORK_MINUTES_PER_DAY` ("1=0,2=90,…")
/// overrides any of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeNorms([i32; 13]);

impl Default for VolumeNorms {
    fn default() -> Self {
        Self([0, 0, 90, 90, 120, 120, 150, 150, 150, 210, 210, 210, 210])
    }
}

impl VolumeNorms {
    /// Reads "grade=minutes" pairs separated by commas over the defaults.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut norms = Self::default();
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (grade, minutes) = pair.split_once('=').ok_or_else(|| format!("{pair:?} is not grade=minutes"))?;
            let grade: usize = grade.trim().parse().ok().filter(|g| *g <= 12).ok_or_else(|| format!("{grade:?} is not a grade 0-12"))?;
            let minutes: i32 = minutes.trim().parse().ok().filter(|m| (0..=600).contains(m)).ok_or_else(|| format!("{minutes:?} is not 0-600 minutes"))?;
            norms.0[grade] = minutes;
        }
        Ok(norms)
    }

    pub fn of(&self, grade: u8) -> i32 {
        self.0.get(usize::from(grade)).copied().unwrap_or(0)
    }

    /// Refuses `adding` minutes due on `date` when `already` minutes are due then and the sum
    /// exceeds the grade's norm.
    pub fn check(&self, grade: u8, date: NaiveDate, already: i32, adding: i32) -> Result<(), PostRefused> {
        let norm = self.of(grade);
        if already + adding > norm {
            return Err(PostRefused::OverNorm { grade, norm, already, adding, date });
        }
        Ok(())
    }
}

impl PostHomework {
    /// The homework this post makes at `now`: its deadline must lie ahead.
    pub fn post(self, id: Uuid, now: DateTime<Utc>, deadline_date: NaiveDate) -> Result<Homework, PostRefused> {
        if self.deadline <= now {
            return Err(PostRefused::DeadlinePassed { deadline: self.deadline, now });
        }
        Ok(Homework {
            id,
            school_id: self.school_id,
            class_id: self.class_id,
            teacher_id: self.teacher_id,
            subject_code: self.subject_code,
            lesson_kind: self.lesson_kind,
            tasks: self.tasks,
            resource_links: self.resource_links,
            // Microseconds: what is stored, and what the deadline job compares.
            deadline: self.deadline.trunc_subsecs(6),
            posted_at: now,
            lesson: Some(self.lesson),
            files: self.files,
            expected_minutes: self.expected_minutes,
            version: 1,
            withdrawn_at: None,
            deadline_date,
        })
    }
}

impl Homework {
    /// This homework after `edit` at `now`: the next version.
    pub fn edited(&self, edit: EditHomework, now: DateTime<Utc>, deadline_date: NaiveDate) -> Result<Homework, PostRefused> {
        self.check_version(edit.expected_version)?;
        let deadline = edit.deadline.trunc_subsecs(6);
        if deadline != self.deadline && deadline <= now {
            return Err(PostRefused::DeadlinePassed { deadline, now });
        }
        Ok(Homework {
            tasks: edit.tasks,
            resource_links: edit.resource_links,
            deadline,
            files: edit.files,
            expected_minutes: edit.expected_minutes,
            version: self.version + 1,
            deadline_date,
            ..self.clone()
        })
    }

    /// This homework withdrawn at `now`: the next version.
    pub fn withdrawn(&self, expected_version: i64, now: DateTime<Utc>) -> Result<Homework, PostRefused> {
        self.check_version(expected_version)?;
        Ok(Homework { version: self.version + 1, withdrawn_at: Some(now), ..self.clone() })
    }

    fn check_version(&self, expected: i64) -> Result<(), PostRefused> {
        if self.withdrawn_at.is_some() {
            return Err(PostRefused::Withdrawn(self.id));
        }
        if expected != self.version {
            return Err(PostRefused::StaleVersion { homework_id: self.id, current: self.version, expected });
        }
        Ok(())
    }
}

/// Whether `link` is an http(s) address a pupil can open.
pub fn is_web_link(link: &str) -> bool {
    (link.starts_with("https://") || link.starts_with("http://")) && link.len() <= MAX_LINK_CHARS && !link.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(deadline: DateTime<Utc>) -> PostHomework {
        PostHomework {
            school_id: Uuid::nil(),
            class_id: Uuid::nil(),
            teacher_id: Uuid::nil(),
            subject_code: "russian_language".into(),
            lesson_kind: LessonKind::Tv,
            tasks: vec!["p. 45".into()],
            resource_links: vec![],
            deadline,
            lesson: LessonRef::TvAiring { airing_id: "a-1".into() },
            files: vec![],
            expected_minutes: 30,
        }
    }

    #[test]
    fn r_as_1_a_deadline_must_lie_ahead() {
        let now: DateTime<Utc> = "2020-04-06T04:00:00Z".parse().unwrap();
        let date = now.date_naive();
        let homework = post(now + chrono::Duration::days(1)).post(Uuid::nil(), now, date).unwrap();
        assert_eq!((homework.posted_at, homework.version), (now, 1));
        assert!(matches!(post(now).post(Uuid::nil(), now, date), Err(PostRefused::DeadlinePassed { .. })));
    }

    #[test]
    fn r_as_1_edits_and_withdrawal_are_versions_and_a_stale_one_is_refused() {
        let now: DateTime<Utc> = "2020-04-06T04:00:00Z".parse().unwrap();
        let date = now.date_naive();
        let homework = post(now + chrono::Duration::days(1)).post(Uuid::nil(), now, date).unwrap();
        let edit = EditHomework {
            homework_id: homework.id,
            expected_version: 1,
            tasks: vec!["p. 46".into()],
            resource_links: vec![],
            deadline: now + chrono::Duration::days(2),
            files: vec![],
            expected_minutes: 20,
        };
        let edited = homework.edited(edit.clone(), now, date).unwrap();
        assert_eq!((edited.version, edited.tasks.as_slice()), (2, ["p. 46".to_owned()].as_slice()));
        assert_eq!(homework.edited(edit.clone(), now, date).map(|h| h.version), Ok(2));
        assert_eq!(edited.edited(edit, now, date), Err(PostRefused::StaleVersion { homework_id: Uuid::nil(), current: 2, expected: 1 }));
        let withdrawn = edited.withdrawn(2, now).unwrap();
        assert_eq!((withdrawn.version, withdrawn.withdrawn_at), (3, Some(now)));
        assert_eq!(withdrawn.withdrawn(3, now), Err(PostRefused::Withdrawn(Uuid::nil())));
    }

    #[test]
    fn r_as_2_a_day_over_the_grade_norm_is_refused_with_the_figures() {
        let norms = VolumeNorms::default();
        let date = NaiveDate::from_ymd_opt(2020, 4, 7).unwrap();
        assert_eq!(norms.of(1), 0, "no homework in grade 1");
        assert!(norms.check(5, date, 90, 30).is_ok());
        let refused = norms.check(5, date, 100, 30).unwrap_err();
        assert_eq!(refused.to_string(), "grade 5's norm is 120 minutes of homework a day; 100 minutes are already due on 2020-04-07, and this adds 30");
        let custom = VolumeNorms::parse("1=20, 11=240").unwrap();
        assert_eq!((custom.of(1), custom.of(11), custom.of(5)), (20, 240, 120));
        assert!(VolumeNorms::parse("13=10").is_err() && VolumeNorms::parse("5=x").is_err() && VolumeNorms::parse("5").is_err());
    }

    #[test]
    fn stored_names_round_trip_and_links_are_web_addresses() {
        for kind in LessonKind::ALL {
            assert_eq!(LessonKind::parse(kind.as_str()), Some(kind));
        }
        assert!(is_web_link("https://bilimland.kz/lesson/1"));
        assert!(!is_web_link("javascript:alert(1)") && !is_web_link("https://a b") && !is_web_link(&format!("https://{}", "a".repeat(2000))));
    }
}
