//! What the assignments tests share: the service on a fresh database, and a school with a class,
//! its teachers and pupils announced on the service's exchange the way the schedule service's
//! relay announces them (SchoolRegistered, ClassRegistered, TeacherRegistered, PupilRegistered).

#![allow(dead_code)]

use std::time::Duration;

use prost::Name;
use qashyq_assignments::Assignments;
use qashyq_platform::{config::CommonConfig, events::new_envelope};
use qashyq_proto::{
    assignments::v1::{self as pb, assignments_service_client::AssignmentsServiceClient},
    schedule::events::v1::{ClassRegistered, PupilRegistered, SchoolRegistered, TeacherRegistered},
};
use qashyq_testkit::{RunningService, TestDatabase, spawn, test_config, wait_until};
use tonic::transport::Channel;
use uuid::Uuid;

pub struct Fixture {
    pub db: TestDatabase,
    pub config: CommonConfig,
    pub service: RunningService,
    pub client: AssignmentsServiceClient<Channel>,
    pub school_id: String,
    pub class_id: String,
    /// Teaches mathematics.
    pub teacher_id: String,
    /// Pupils of the class: the first two learn online, the third on paper.
    pub pupils: Vec<String>,
    /// A teacher of another school.
    pub stranger_id: String,
}

/// Publishes the schedule service's `event` on the service's exchange.
pub async fn publish<M: Name>(config: &CommonConfig, subject: &str, event: &M) {
    qashyq_testkit::publish_envelopes(config, &[new_envelope("schedule", subject, event)]).await.unwrap();
}

impl Fixture {
    /// The service with a grade-5 class of an Almaty school in its directory.
    pub async fn start() -> Self {
        let db = TestDatabase::create().await.unwrap();
        let config = test_config(db.url());
        let service = spawn::<Assignments>(config.clone()).await.unwrap();
        let client = AssignmentsServiceClient::new(service.channel().await);
        let (school_id, class_id, teacher_id, stranger_id) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let pupils: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        publish(
            &config,
            &school_id.to_string(),
            &SchoolRegistered {
                school_id: school_id.to_string(),
                region_code: "KZ-ALA".into(),
                name: "School 12".into(),
                connectivity: "slow".into(),
                learning_mode: "distance".into(),
                ..Default::default()
            },
        )
        .await;
        publish(
            &config,
            &class_id.to_string(),
            &ClassRegistered { class_id: class_id.to_string(), school_id: school_id.to_string(), grade: 5, letter: "А".into(), ..Default::default() },
        )
        .await;
        for (id, school, subjects) in [
            (teacher_id, school_id, vec!["mathematics".to_owned(), "russian_language".to_owned()]),
            (stranger_id, Uuid::now_v7(), vec!["mathematics".to_owned()]),
        ] {
            publish(
                &config,
                &id.to_string(),
                &TeacherRegistered { teacher_id: id.to_string(), school_id: school.to_string(), full_name: "Teacher".into(), subjects, shift: 0 },
            )
            .await;
        }
        for (i, pupil) in pupils.iter().enumerate() {
            publish(
                &config,
                &pupil.to_string(),
                &PupilRegistered {
                    pupil_id: pupil.to_string(),
                    school_id: school_id.to_string(),
                    class_id: class_id.to_string(),
                    full_name: format!("Pupil {i}"),
                    delivery: if i == 2 { "paper" } else { "broadband" }.into(),
                },
            )
            .await;
        }
        let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
        let known = wait_until(Duration::from_secs(30), || {
            let pool = pool.clone();
            async move {
                let n: i64 = sqlx::query_scalar("SELECT (SELECT count(*) FROM assignments.known_pupils) + (SELECT count(*) FROM assignments.known_teachers)")
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                n == 5
            }
        })
        .await;
        assert!(known, "the directory's events arrive");
        pool.close().await;
        Fixture {
            db,
            config,
            service,
            client,
            school_id: school_id.to_string(),
            class_id: class_id.to_string(),
            teacher_id: teacher_id.to_string(),
            pupils: pupils.iter().map(Uuid::to_string).collect(),
            stranger_id: stranger_id.to_string(),
        }
    }

    pub async fn pool(&self) -> sqlx::PgPool {
        sqlx::PgPool::connect(self.db.url()).await.unwrap()
    }

    /// A valid post of mathematics homework after a TV lesson, due in `due`.
    pub fn homework(&self, due: chrono::Duration, minutes: i32) -> pb::PostHomeworkRequest {
        let deadline = chrono::Utc::now() + due;
        pb::PostHomeworkRequest {
            school_id: self.school_id.clone(),
            class_id: self.class_id.clone(),
            teacher_id: self.teacher_id.clone(),
            subject: "Математика".into(),
            lesson_kind: pb::LessonKind::Tv as i32,
            tasks: vec!["Textbook p. 45-47, ex. 1-3".into()],
            resource_links: vec!["https://bilimland.kz/lesson/1".into()],
            deadline: Some(timestamp(deadline)),
            lesson: Some(pb::LessonRef { lesson: Some(pb::lesson_ref::Lesson::TvAiringId("2020-04-06/kk/5/1".into())) }),
            files: vec![],
            expected_minutes: minutes,
        }
    }

    pub async fn post(&self, request: pb::PostHomeworkRequest) -> pb::Homework {
        self.client.clone().post_homework(request).await.unwrap().into_inner()
    }

    /// Work handed in through the e-journal by the pupil.
    pub fn submission(&self, homework_id: &str, pupil: usize) -> pb::SubmitWorkRequest {
        pb::SubmitWorkRequest {
            homework_id: homework_id.into(),
            pupil_id: self.pupils[pupil].clone(),
            channel: pb::Channel::EJournal as i32,
            entered_by: Some(pb::Actor { role: pb::ActorRole::Pupil as i32, id: self.pupils[pupil].clone() }),
            text: "1) 42  2) 17  3) x = 5".into(),
            attachment_ids: vec![],
            paper: None,
            received_at: None,
        }
    }

    pub fn feedback(&self, homework_id: &str, pupil: usize, comment: &str, assessment: &str) -> pb::GiveFeedbackRequest {
        pb::GiveFeedbackRequest {
            homework_id: homework_id.into(),
            pupil_id: self.pupils[pupil].clone(),
            teacher_id: self.teacher_id.clone(),
            comment: comment.into(),
            assessment: assessment.into(),
        }
    }

    /// The class's teacher returns the pupil's work, done or for work on mistakes.
    pub fn returned(&self, homework_id: &str, pupil: usize, outcome: pb::ReturnOutcome, comment: &str) -> pb::ReturnWorkRequest {
        pb::ReturnWorkRequest {
            homework_id: homework_id.into(),
            pupil_id: self.pupils[pupil].clone(),
            teacher_id: self.teacher_id.clone(),
            outcome: outcome as i32,
            comment: comment.into(),
        }
    }

    /// Counts rows of the service's schema.
    pub async fn count(&self, sql: &str) -> i64 {
        let pool = self.pool().await;
        let n = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        n
    }

    /// The outbox's event types (short names) in order.
    pub async fn events(&self) -> Vec<String> {
        let pool = self.pool().await;
        let types: Vec<String> = sqlx::query_scalar("SELECT event_type FROM assignments.outbox ORDER BY id").fetch_all(&pool).await.unwrap();
        pool.close().await;
        types.into_iter().map(|t| t.rsplit('.').next().unwrap().to_owned()).collect()
    }
}

pub fn timestamp(at: chrono::DateTime<chrono::Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp { seconds: at.timestamp(), nanos: at.timestamp_subsec_nanos() as i32 }
}

/// A request carrying the record key the gateway derives from an idempotency key.
pub fn keyed<T>(message: T, key: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    let derived = qashyq_platform::request_key::derive(Uuid::nil(), "test", key);
    request.metadata_mut().insert(qashyq_platform::request_key::HEADER, derived.parse().unwrap());
    request
}

pub fn fields(status: &tonic::Status) -> Vec<String> {
    qashyq_platform::error::field_violations(status).into_iter().map(|v| v.field).collect()
}
