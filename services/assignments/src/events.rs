//! The events the assignments service announces (`qashyq.assignments.events.v1`), built from
//! domain types here and nowhere else. It consumes none yet.

use qashyq_platform::time::to_timestamp;
use qashyq_proto::assignments::events::v1 as ev;

use crate::domain::homework::Homework;

pub fn homework_posted(homework: &Homework) -> ev::HomeworkPosted {
    ev::HomeworkPosted {
        homework_id: homework.id.to_string(),
        school_id: homework.school_id.to_string(),
        class_id: homework.class_id.to_string(),
        teacher_id: homework.teacher_id.to_string(),
        subject_code: homework.subject_code.clone(),
        lesson_kind: homework.lesson_kind.as_str().to_owned(),
        deadline: Some(to_timestamp(homework.deadline)),
        posted_at: Some(to_timestamp(homework.posted_at)),
        tasks: i32::try_from(homework.tasks.len()).unwrap_or(i32::MAX),
        resource_links: i32::try_from(homework.resource_links.len()).unwrap_or(i32::MAX),
    }
}
