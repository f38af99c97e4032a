//! R-AS-1 over gRPC: homework is posted, read back, and its event waits in the outbox; bad
//! input is refused and stores nothing.

use qashyq_assignments::Assignments;
use qashyq_platform::error::field_violations;
use qashyq_proto::assignments::v1::{GetHomeworkRequest, LessonKind, PostHomeworkRequest, assignments_service_client::AssignmentsServiceClient};
use qashyq_testkit::{TestDatabase, spawn, test_config};

#[tokio::test]
async fn r_as_1_posts_and_reads_homework() {
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<Assignments>(test_config(db.url())).await.unwrap();
    let mut client = AssignmentsServiceClient::new(service.channel().await);
    let deadline = chrono::Utc::now() + chrono::Duration::days(3);
    let request = PostHomeworkRequest {
        school_id: uuid::Uuid::new_v4().to_string(),
        class_id: uuid::Uuid::new_v4().to_string(),
        teacher_id: uuid::Uuid::new_v4().to_string(),
        subject: "Дүние жүзі тарихы".into(),
        lesson_kind: LessonKind::Tv as i32,
        tasks: vec!["§12, questions 1-3".into()],
        resource_links: vec!["https://bilimland.kz".into()],
        deadline: Some(prost_types::Timestamp { seconds: deadline.timestamp(), nanos: 0 }),
    };
    let posted = client.post_homework(request.clone()).await.unwrap().into_inner();
    assert_eq!(posted.subject_code, "world_history");
    let read = client.get_homework(GetHomeworkRequest { homework_id: posted.homework_id.clone() }).await.unwrap().into_inner();
    assert_eq!(read, posted);

    // A deadline that has passed is the caller's mistake, named like any other.
    let past = prost_types::Timestamp { seconds: (chrono::Utc::now() - chrono::Duration::hours(1)).timestamp(), nanos: 0 };
    let late = client.post_homework(PostHomeworkRequest { deadline: Some(past), ..request.clone() }).await.unwrap_err();
    assert_eq!(field_violations(&late).into_iter().map(|v| v.field).collect::<Vec<_>>(), ["deadline"]);
    let bad = client.post_homework(PostHomeworkRequest { tasks: vec![], subject: "??".into(), ..request }).await.unwrap_err();
    assert_eq!(bad.code(), tonic::Code::InvalidArgument);
    let fields: Vec<_> = field_violations(&bad).into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["subject", "tasks"]);

    let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM assignments.homework").fetch_one(&pool).await.unwrap();
    let events: Vec<String> = sqlx::query_scalar("SELECT event_type FROM assignments.outbox").fetch_all(&pool).await.unwrap();
    assert_eq!(stored, 1);
    assert_eq!(events, ["qashyq.assignments.events.v1.HomeworkPosted"]);
    pool.close().await;
    service.stop().await.unwrap();
}
