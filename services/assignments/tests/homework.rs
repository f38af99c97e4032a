//! R-AS-1, R-AS-2 over gRPC: homework is posted by a teacher of the class's school after a
//! lesson, read back, edited and withdrawn as versions; the daily norm holds; bad input is
//! refused by field and stores nothing.

mod common;

use chrono::Datelike;
use common::{Fixture, fields, keyed};
use qashyq_proto::assignments::v1::{EditHomeworkRequest, GetHomeworkRequest, ListClassHomeworkRequest, WithdrawHomeworkRequest};
use qashyq_proto::common::v1::LocalDate;

#[tokio::test]
async fn r_as_1_posts_reads_edits_and_withdraws_homework_as_versions() {
    let f = Fixture::start().await;
    let mut client = f.client.clone();
    let request = f.homework(chrono::Duration::days(3), 30);
    let posted = f.post(request.clone()).await;
    assert_eq!((posted.subject_code.as_str(), posted.version, posted.expected_minutes), ("mathematics", 1, 30));
    assert_eq!(posted.lesson, request.lesson);
    let read = client.get_homework(GetHomeworkRequest { homework_id: posted.homework_id.clone() }).await.unwrap().into_inner();
    assert_eq!(read, posted);

    // A keyed post repeated (the gateway's idempotency key) is one homework and one event.
    let first = client.post_homework(keyed(request.clone(), "hw-1")).await.unwrap().into_inner();
    let again = client.post_homework(keyed(request.clone(), "hw-1")).await.unwrap().into_inner();
    assert_eq!(first, again);

    let edit = EditHomeworkRequest {
        homework_id: posted.homework_id.clone(),
        expected_version: 1,
        tasks: vec!["p. 48, ex. 4".into()],
        resource_links: vec![],
        deadline: Some(common::timestamp(chrono::Utc::now() + chrono::Duration::days(4))),
        files: vec![],
        expected_minutes: 20,
    };
    let edited = client.edit_homework(edit.clone()).await.unwrap().into_inner();
    assert_eq!((edited.version, edited.tasks.clone()), (2, vec!["p. 48, ex. 4".to_owned()]));
    // An edit based on a version that is gone: FAILED_PRECONDITION, nothing changes.
    let stale = client.edit_homework(edit).await.unwrap_err();
    assert_eq!(stale.code(), tonic::Code::FailedPrecondition);
    let withdrawn = client
        .withdraw_homework(WithdrawHomeworkRequest { homework_id: posted.homework_id.clone(), expected_version: 2, reason: "typo".into() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(withdrawn.version, 3);
    assert!(withdrawn.withdrawn_at.is_some());
    let twice = client
        .withdraw_homework(WithdrawHomeworkRequest { homework_id: posted.homework_id.clone(), expected_version: 3, reason: String::new() })
        .await
        .unwrap_err();
    assert_eq!(twice.code(), tonic::Code::FailedPrecondition);
    assert_eq!(f.count("SELECT count(*) FROM assignments.homework_versions").await, 2, "versions 1 and 2 kept");

    // The class's homework by local dates; the withdrawn one only when asked.
    let today = chrono::Utc::now().date_naive();
    let date = |d: chrono::NaiveDate| Some(LocalDate { year: d.year(), month: d.month() as i32, day: d.day() as i32 });
    let list = |include_withdrawn| ListClassHomeworkRequest {
        class_id: f.class_id.clone(),
        from: date(today),
        to: date(today + chrono::Duration::days(10)),
        include_withdrawn,
    };
    assert_eq!(client.list_class_homework(list(false)).await.unwrap().into_inner().homework.len(), 1);
    assert_eq!(client.list_class_homework(list(true)).await.unwrap().into_inner().homework.len(), 2);

    assert_eq!(f.events().await, ["HomeworkPosted", "HomeworkPosted", "HomeworkChanged", "HomeworkWithdrawn"]);
    f.service.stop().await.unwrap();
}

#[tokio::test]
async fn r_as_2_the_daily_norm_of_the_grade_is_kept_with_the_figures() {
    let f = Fixture::start().await;
    let mut client = f.client.clone();
    // Grade 5's default norm is 120 minutes a day.
    f.post(f.homework(chrono::Duration::days(2), 90)).await;
    let over = client.post_homework(f.homework(chrono::Duration::days(2), 40)).await.unwrap_err();
    assert_eq!(over.code(), tonic::Code::InvalidArgument);
    assert_eq!(fields(&over), ["expected_minutes"]);
    assert!(over.message().contains("120 minutes") && over.message().contains("90 minutes"), "{}", over.message());
    f.post(f.homework(chrono::Duration::days(2), 30)).await;
    assert_eq!(f.count("SELECT count(*) FROM assignments.homework").await, 2);
    f.service.stop().await.unwrap();
}

#[tokio::test]
async fn r_as_1_bad_posts_are_named_and_store_nothing() {
    let f = Fixture::start().await;
    let mut client = f.client.clone();
    let valid = f.homework(chrono::Duration::days(1), 30);
    let refuse = |request| {
        let mut client = client.clone();
        async move { client.post_homework(request).await.unwrap_err() }
    };
    let past = common::timestamp(chrono::Utc::now() - chrono::Duration::hours(1));
    assert_eq!(fields(&refuse(qashyq_proto::assignments::v1::PostHomeworkRequest { deadline: Some(past), ..valid.clone() }).await), ["deadline"]);
    // A teacher of another school; a teacher who does not teach the subject.
    assert_eq!(
        fields(&refuse(qashyq_proto::assignments::v1::PostHomeworkRequest { teacher_id: f.stranger_id.clone(), ..valid.clone() }).await),
        ["teacher_id"]
    );
    let history = refuse(qashyq_proto::assignments::v1::PostHomeworkRequest { subject: "history_of_kazakhstan".into(), ..valid.clone() }).await;
    assert_eq!(fields(&history), ["teacher_id"]);
    assert!(history.message().contains("does not teach"));
    // A TV lesson links an airing, not a timetable lesson; minutes are bounded.
    let own = qashyq_proto::assignments::v1::PostHomeworkRequest { lesson: None, expected_minutes: 0, ..valid.clone() };
    assert_eq!(fields(&refuse(own).await), ["lesson", "expected_minutes"]);
    // A file that was never uploaded.
    let files = vec![qashyq_proto::assignments::v1::HomeworkFile { attachment_id: uuid::Uuid::now_v7().to_string(), recommendation: "read first".into() }];
    assert_eq!(fields(&refuse(qashyq_proto::assignments::v1::PostHomeworkRequest { files, ..valid.clone() }).await), ["files[0].attachment_id"]);
    // A hostile value is refused by a small error.
    let huge = refuse(qashyq_proto::assignments::v1::PostHomeworkRequest { tasks: vec!["x".repeat(100_000)], ..valid.clone() }).await;
    assert_eq!(fields(&huge), ["tasks[0]"]);
    assert!(qashyq_platform::error::encoded_size(&huge) < 1024);
    // A class the service has not heard of: UNAVAILABLE (its event may be on its way).
    let unknown = refuse(qashyq_proto::assignments::v1::PostHomeworkRequest { class_id: uuid::Uuid::now_v7().to_string(), ..valid.clone() }).await;
    assert_eq!(unknown.code(), tonic::Code::Unavailable);
    // Unknown homework: NOT_FOUND.
    let missing = client.get_homework(GetHomeworkRequest { homework_id: uuid::Uuid::now_v7().to_string() }).await.unwrap_err();
    assert_eq!(missing.code(), tonic::Code::NotFound);
    assert_eq!(f.count("SELECT count(*) FROM assignments.homework").await, 0);
    assert!(f.events().await.is_empty());
    f.service.stop().await.unwrap();
}

#[tokio::test]
async fn r_as_1_homework_comes_from_the_teacher_the_timetable_gives_the_class() {
    use qashyq_proto::schedule::events::v1::{TeacherRegistered, TeachingAssignment, TimetableChanged};
    let f = Fixture::start().await;
    let mut client = f.client.clone();
    // A second mathematics teacher of the school, whom the timetable gives the class.
    let colleague = uuid::Uuid::now_v7().to_string();
    let registered = TeacherRegistered {
        teacher_id: colleague.clone(),
        school_id: f.school_id.clone(),
        full_name: "Colleague".into(),
        subjects: vec!["mathematics".into()],
        shift: 0,
    };
    common::publish(&f.config, &colleague, &registered).await;
    let teaching = |version: i64, teacher: &str| TimetableChanged {
        school_id: f.school_id.clone(),
        version,
        affected_class_ids: vec![f.class_id.clone()],
        week_of: None,
        teaching: vec![TeachingAssignment { class_id: f.class_id.clone(), subject: "mathematics".into(), teacher_id: teacher.into() }],
    };
    common::publish(&f.config, &f.school_id, &teaching(2, &colleague)).await;
    // An older version arriving late changes nothing.
    common::publish(&f.config, &f.school_id, &teaching(1, &f.teacher_id)).await;
    let pool = f.pool().await;
    let learnt = qashyq_testkit::wait_until(std::time::Duration::from_secs(20), || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM assignments.inbox").fetch_one(&pool).await.unwrap() >= 10
    })
    .await;
    assert!(learnt, "the events arrive");
    pool.close().await;

    let refused = client.post_homework(f.homework(chrono::Duration::days(1), 20)).await.unwrap_err();
    assert_eq!(fields(&refused), ["teacher_id"]);
    assert!(refused.message().contains("does not teach mathematics in this class"), "{}", refused.message());
    f.post(qashyq_proto::assignments::v1::PostHomeworkRequest { teacher_id: colleague, ..f.homework(chrono::Duration::days(1), 20) }).await;
    // Russian has no own lessons in the timetable (say, TV only): the school's teacher of it posts.
    f.post(qashyq_proto::assignments::v1::PostHomeworkRequest { subject: "russian_language".into(), ..f.homework(chrono::Duration::days(1), 20) }).await;
    f.service.stop().await.unwrap();
}
