//! Homework after a lesson (R-AS-1): what a teacher posts, and the rules it must keep.

use chrono::{DateTime, Utc};
use uuid::Uuid;

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
}

/// Why a post cannot become homework.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostRefused {
    #[error("the deadline {deadline} is not after the time of posting {now}")]
    DeadlinePassed { deadline: DateTime<Utc>, now: DateTime<Utc> },
}

impl PostHomework {
    /// The homework this post makes at `now`: its deadline must lie ahead.
    pub fn post(self, id: Uuid, now: DateTime<Utc>) -> Result<Homework, PostRefused> {
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
            deadline: self.deadline,
            posted_at: now,
        })
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
        }
    }

    #[test]
    fn r_as_1_a_deadline_must_lie_ahead() {
        let now: DateTime<Utc> = "2020-04-06T04:00:00Z".parse().unwrap();
        let homework = post(now + chrono::Duration::days(1)).post(Uuid::nil(), now).unwrap();
        assert_eq!(homework.posted_at, now);
        assert!(matches!(post(now).post(Uuid::nil(), now), Err(PostRefused::DeadlinePassed { .. })));
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
