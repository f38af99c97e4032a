//! The only conversion between the assignments API's messages and domain types: requests are
//! parsed once into typed commands (every bad field named), domain types become messages.

use qashyq_catalogue::catalogue;
use qashyq_platform::{ApiError, time::to_timestamp, validate::Violations};
use qashyq_proto::assignments::v1 as pb;

use crate::domain::homework::{Homework, LessonKind, MAX_TASK_CHARS, MAX_TASKS, PostHomework, is_web_link};

fn lesson_kind_from_proto(kind: pb::LessonKind) -> Option<LessonKind> {
    match kind {
        pb::LessonKind::Unspecified => None,
        pb::LessonKind::Tv => Some(LessonKind::Tv),
        pb::LessonKind::Audio => Some(LessonKind::Audio),
        pb::LessonKind::Webinar => Some(LessonKind::Webinar),
        pb::LessonKind::Own => Some(LessonKind::Own),
    }
}

fn lesson_kind_to_proto(kind: LessonKind) -> pb::LessonKind {
    match kind {
        LessonKind::Tv => pb::LessonKind::Tv,
        LessonKind::Audio => pb::LessonKind::Audio,
        LessonKind::Webinar => pb::LessonKind::Webinar,
        LessonKind::Own => pb::LessonKind::Own,
    }
}

/// Reads a post, naming every bad field.
pub fn post_homework(request: &pb::PostHomeworkRequest) -> Result<PostHomework, ApiError> {
    let mut v = Violations::new();
    let school_id = v.uuid("school_id", &request.school_id);
    let class_id = v.uuid("class_id", &request.class_id);
    let teacher_id = v.uuid("teacher_id", &request.teacher_id);
    let subject_code = match request.subject.trim() {
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
        .and_then(lesson_kind_from_proto);
    let mut tasks = Vec::new();
    if request.tasks.is_empty() {
        v.add("tasks", "at least one task is required");
    } else if v.at_most("tasks", request.tasks.len(), MAX_TASKS) {
        tasks = request.tasks.iter().enumerate().filter_map(|(i, task)| v.text(&format!("tasks[{i}]"), task, MAX_TASK_CHARS).map(str::to_owned)).collect();
    }
    let mut resource_links = Vec::new();
    if v.at_most("resource_links", request.resource_links.len(), crate::domain::homework::MAX_LINKS) {
        for (i, link) in request.resource_links.iter().enumerate() {
            if is_web_link(link) {
                resource_links.push(link.clone());
            } else {
                v.add(format!("resource_links[{i}]"), "must be an http(s) address");
            }
        }
    }
    // The domain refuses a deadline that has passed too; read here, it is named with the rest.
    let now = qashyq_platform::clock::now();
    let deadline = v.timestamp("deadline", request.deadline.as_ref()).filter(|deadline| {
        let ahead = *deadline > now;
        if !ahead {
            v.add("deadline", "must be in the future");
        }
        ahead
    });
    let (school_id, class_id, teacher_id, subject_code, lesson_kind, deadline) =
        v.values((school_id, class_id, teacher_id, subject_code, lesson_kind, deadline))?;
    Ok(PostHomework { school_id, class_id, teacher_id, subject_code, lesson_kind, tasks, resource_links, deadline })
}

pub fn homework_to_proto(homework: &Homework) -> pb::Homework {
    pb::Homework {
        homework_id: homework.id.to_string(),
        school_id: homework.school_id.to_string(),
        class_id: homework.class_id.to_string(),
        teacher_id: homework.teacher_id.to_string(),
        subject_code: homework.subject_code.clone(),
        lesson_kind: lesson_kind_to_proto(homework.lesson_kind) as i32,
        tasks: homework.tasks.clone(),
        resource_links: homework.resource_links.clone(),
        deadline: Some(to_timestamp(homework.deadline)),
        posted_at: Some(to_timestamp(homework.posted_at)),
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn valid() -> pb::PostHomeworkRequest {
        pb::PostHomeworkRequest {
            school_id: Uuid::new_v4().to_string(),
            class_id: Uuid::new_v4().to_string(),
            teacher_id: Uuid::new_v4().to_string(),
            subject: "Рус.язык".into(),
            lesson_kind: pb::LessonKind::Tv as i32,
            tasks: vec![" Textbook p. 45-47, ex. 1-3 ".into()],
            resource_links: vec!["https://bilimland.kz/lesson/1".into()],
            deadline: Some(prost_types::Timestamp { seconds: 1_900_000_000, nanos: 0 }),
        }
    }

    #[test]
    fn r_as_1_a_post_is_read_into_its_command_with_the_subject_normalised() {
        let post = post_homework(&valid()).unwrap();
        assert_eq!((post.subject_code.as_str(), post.lesson_kind), ("russian_language", LessonKind::Tv));
        assert_eq!(post.tasks, ["Textbook p. 45-47, ex. 1-3"]);
    }

    #[test]
    fn r_as_1_every_bad_field_is_named() {
        let request = pb::PostHomeworkRequest {
            school_id: String::new(),
            subject: "Астрология".into(),
            lesson_kind: 0,
            tasks: vec!["ok".into(), " ".into()],
            resource_links: vec!["javascript:alert(1)".into()],
            deadline: Some(prost_types::Timestamp { seconds: 1_500_000_000, nanos: 0 }),
            ..valid()
        };
        let Err(ApiError::InvalidArgument(violations)) = post_homework(&request) else { panic!("expected invalid") };
        let fields: Vec<_> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["school_id", "subject", "lesson_kind", "tasks[1]", "resource_links[0]", "deadline"]);
    }
}
