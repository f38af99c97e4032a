//! Homework (R-AS-1): what a teacher posts after a lesson, and the rules it must meet.

use chrono::{DateTime, Utc};
use qashyq_catalogue::catalogue;
use qashyq_platform::{ApiError, validate::Violations};
use qashyq_proto::assignments::v1 as pb;
use uuid::Uuid;

pub const MAX_TASKS: usize = 30;
pub const MAX_TASK_CHARS: usize = 2000;
pub const MAX_LINKS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LessonKind {
    Tv,
    Audio,
    Webinar,
    Own,
}

impl LessonKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LessonKind::Tv => "tv",
            LessonKind::Audio => "audio",
            LessonKind::Webinar => "webinar",
            LessonKind::Own => "own",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [LessonKind::Tv, LessonKind::Audio, LessonKind::Webinar, LessonKind::Own].into_iter().find(|k| k.as_str() == value)
    }

    pub fn from_proto(kind: pb::LessonKind) -> Option<Self> {
        match kind {
            pb::LessonKind::Unspecified => None,
            pb::LessonKind::Tv => Some(LessonKind::Tv),
            pb::LessonKind::Audio => Some(LessonKind::Audio),
            pb::LessonKind::Webinar => Some(LessonKind::Webinar),
            pb::LessonKind::Own => Some(LessonKind::Own),
        }
    }

    pub fn to_proto(self) -> pb::LessonKind {
        match self {
            LessonKind::Tv => pb::LessonKind::Tv,
            LessonKind::Audio => pb::LessonKind::Audio,
            LessonKind::Webinar => pb::LessonKind::Webinar,
            LessonKind::Own => pb::LessonKind::Own,
        }
    }
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

/// Validates a post at time `now`, naming every bad field.
pub fn validate_post(request: &pb::PostHomeworkRequest, now: DateTime<Utc>) -> Result<Homework, ApiError> {
    let mut v = Violations::new();
    let school_id = v.uuid("school_id", &request.school_id);
    let class_id = v.uuid("class_id", &request.class_id);
    let teacher_id = v.uuid("teacher_id", &request.teacher_id);
    let subject = match request.subject.trim() {
        "" => {
            v.add("subject", "is required");
            None
        }
        name => match catalogue().resolve_subject(name) {
            Ok(subject) => Some(subject.code.clone()),
            Err(unknown) => {
                v.add("subject", unknown.to_string());
                None
            }
        },
    };
    let lesson_kind = v
        .known_enum("lesson_kind", request.lesson_kind, pb::LessonKind::try_from(request.lesson_kind), pb::LessonKind::Unspecified)
        .and_then(LessonKind::from_proto);
    if request.tasks.is_empty() {
        v.add("tasks", "at least one task is required");
    } else if request.tasks.len() > MAX_TASKS {
        v.add("tasks", format!("at most {MAX_TASKS} tasks"));
    }
    for (i, task) in request.tasks.iter().enumerate() {
        v.text(&format!("tasks[{i}]"), task, MAX_TASK_CHARS);
    }
    if request.resource_links.len() > MAX_LINKS {
        v.add("resource_links", format!("at most {MAX_LINKS} links"));
    }
    for (i, link) in request.resource_links.iter().enumerate() {
        if !(link.starts_with("https://") || link.starts_with("http://")) || link.len() > 2000 || link.contains(char::is_whitespace) {
            v.add(format!("resource_links[{i}]"), "must be an http(s) address");
        }
    }
    let deadline = v.timestamp("deadline", request.deadline.as_ref()).filter(|deadline| {
        let future = *deadline > now;
        if !future {
            v.add("deadline", "must be in the future");
        }
        future
    });
    v.finish()?;
    Ok(Homework {
        id: Uuid::now_v7(),
        school_id: school_id.expect("validated"),
        class_id: class_id.expect("validated"),
        teacher_id: teacher_id.expect("validated"),
        subject_code: subject.expect("validated"),
        lesson_kind: lesson_kind.expect("validated"),
        tasks: request.tasks.iter().map(|t| t.trim().to_owned()).collect(),
        resource_links: request.resource_links.clone(),
        deadline: deadline.expect("validated"),
        posted_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(now: DateTime<Utc>) -> pb::PostHomeworkRequest {
        pb::PostHomeworkRequest {
            school_id: Uuid::new_v4().to_string(),
            class_id: Uuid::new_v4().to_string(),
            teacher_id: Uuid::new_v4().to_string(),
            subject: "Рус.язык".into(),
            lesson_kind: pb::LessonKind::Tv as i32,
            tasks: vec!["Textbook p. 45-47, ex. 1-3".into()],
            resource_links: vec!["https://bilimland.kz/lesson/1".into()],
            deadline: Some(prost_types::Timestamp { seconds: (now + chrono::Duration::days(2)).timestamp(), nanos: 0 }),
        }
    }

    #[test]
    fn r_as_1_valid_homework_normalises_the_subject() {
        let now = qashyq_platform::clock::now();
        let homework = validate_post(&valid(now), now).unwrap();
        assert_eq!(homework.subject_code, "russian_language");
        assert_eq!(homework.lesson_kind, LessonKind::Tv);
    }

    #[test]
    fn r_as_1_every_bad_field_is_named() {
        let now = qashyq_platform::clock::now();
        let request = pb::PostHomeworkRequest {
            school_id: String::new(),
            subject: "Астрология".into(),
            lesson_kind: 0,
            tasks: vec!["ok".into(), " ".into()],
            resource_links: vec!["javascript:alert(1)".into()],
            deadline: Some(prost_types::Timestamp { seconds: (now - chrono::Duration::hours(1)).timestamp(), nanos: 0 }),
            ..valid(now)
        };
        let Err(ApiError::InvalidArgument(violations)) = validate_post(&request, now) else { panic!("expected invalid") };
        let fields: Vec<_> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["school_id", "subject", "lesson_kind", "tasks[1]", "resource_links[0]", "deadline"]);
    }

    #[test]
    fn stored_names_round_trip() {
        for kind in [LessonKind::Tv, LessonKind::Audio, LessonKind::Webinar, LessonKind::Own] {
            assert_eq!(LessonKind::parse(kind.as_str()), Some(kind));
        }
    }
}
