//! A class and a teacher for homework: since issue 11 the assignments service takes homework only
//! for a class of the school from a teacher of the school who teaches the subject, as the
//! directory's events told it.

use std::time::Duration;

use qashyq_proto::{
    assignments::v1::{LessonKind, LessonRef, PostHomeworkRequest, lesson_ref::Lesson},
    common::v1::Language,
    schedule::v1::{RegisterClassRequest, RegisterTeacherRequest, Shift, SubjectLoad, timetable_service_client::TimetableServiceClient},
};
use qashyq_testkit::wait_until;

use crate::{AuthenticatedChannel, Mesh};

/// A class and its mathematics teacher, as the assignments service knows them.
#[derive(Debug, Clone)]
pub struct ClassWithTeacher {
    pub school_id: String,
    pub class_id: String,
    pub teacher_id: String,
}

impl Mesh {
    /// Registers a grade-5 class and a teacher of mathematics in `school_id` through `channel`,
    /// and returns once the assignments service has learnt of both.
    pub async fn class_with_teacher(&self, channel: AuthenticatedChannel, school_id: &str) -> ClassWithTeacher {
        let mut timetables = TimetableServiceClient::new(channel);
        let class_id = timetables
            .register_class(RegisterClassRequest {
                school_id: school_id.into(),
                grade: 5,
                letter: "А".into(),
                language: Language::Kk as i32,
                shift: Shift::First as i32,
                weekly_load: vec![SubjectLoad { subject: "mathematics".into(), per_week: 4 }],
            })
            .await
            .expect("a class registered")
            .into_inner()
            .class_id;
        let teacher_id = timetables
            .register_teacher(RegisterTeacherRequest {
                school_id: school_id.into(),
                full_name: "Гульнар Сейтова".into(),
                subjects: vec!["mathematics".into()],
                shift: 0,
            })
            .await
            .expect("a teacher registered")
            .into_inner()
            .teacher_id;
        self.until_assignments_know(&class_id, &teacher_id).await;
        ClassWithTeacher { school_id: school_id.into(), class_id, teacher_id }
    }

    /// Waits for the assignments service to have applied the class's and teacher's events.
    pub async fn until_assignments_know(&self, class_id: &str, teacher_id: &str) {
        let pool = sqlx::PgPool::connect(self.db.url()).await.expect("the test database");
        let (class_id, teacher_id) = (uuid::Uuid::parse_str(class_id).unwrap(), uuid::Uuid::parse_str(teacher_id).unwrap());
        let known = wait_until(Duration::from_secs(30), || {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, bool>(
                    "SELECT EXISTS (SELECT 1 FROM assignments.known_classes WHERE class_id = $1) \
                        AND EXISTS (SELECT 1 FROM assignments.known_teachers WHERE teacher_id = $2)",
                )
                .bind(class_id)
                .bind(teacher_id)
                .fetch_one(&pool)
                .await
                .unwrap_or(false)
            }
        })
        .await;
        pool.close().await;
        assert!(known, "the assignments service learns of the class and the teacher");
    }
}

impl ClassWithTeacher {
    /// Mathematics homework after a TV lesson, due on 1 January 2100, 10 minutes.
    pub fn homework(&self, task: &str) -> PostHomeworkRequest {
        PostHomeworkRequest {
            school_id: self.school_id.clone(),
            class_id: self.class_id.clone(),
            teacher_id: self.teacher_id.clone(),
            subject: "mathematics".into(),
            lesson_kind: LessonKind::Tv as i32,
            tasks: vec![task.into()],
            resource_links: vec![],
            deadline: Some(prost_types::Timestamp { seconds: 4_102_444_800, nanos: 0 }),
            lesson: Some(LessonRef { lesson: Some(Lesson::TvAiringId("2020-04-06/kk/5/1".into())) }),
            files: vec![],
            expected_minutes: 10,
        }
    }
}
