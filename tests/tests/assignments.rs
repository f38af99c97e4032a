//! Issue 11 through the gateway, as an e-journal uses it (R-AS-1 … R-AS-8, R-GW-2, R-GW-4): an
//! integrator scoped to its region posts homework, takes in work (a retried submission stored
//! once), gives feedback, returns work, records a mark; the deadline job marks an absence and a
//! paper hand-over dated in time withdraws it; and an event of each kind reaches the
//! integrator's feed — while an integrator of another region sees none of it and is refused.

use std::{collections::BTreeSet, time::Duration};

use qashyq_e2e::{Mesh, distance_school_request};
use qashyq_platform::principal::Scope;
use qashyq_proto::{
    assignments::v1::{self as pb, assignments_service_client::AssignmentsServiceClient},
    gateway::v1::{SubscribeRequest, feed_item::Item, feed_service_client::FeedServiceClient},
    schedule::v1::{Connectivity, Delivery, RegisterPupilRequest, directory_service_client::DirectoryServiceClient},
};
use tonic::{Code, Request};

fn keyed<T>(message: T, key: &str) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert("idempotency-key", key.parse().unwrap());
    request
}

fn timestamp(at: chrono::DateTime<chrono::Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp { seconds: at.timestamp(), nanos: at.timestamp_subsec_nanos() as i32 }
}

#[tokio::test]
async fn r_as_8_every_assignments_event_reaches_the_integrators_feed_of_its_schools() {
    let mesh = Mesh::start().await.unwrap();
    let integrator = mesh.integrator_key("kundelik.kz", Scope { regions: vec!["KZ-ALA".into()], ..Scope::default() }).await;
    let other = mesh.integrator_key("bilimal.kz", Scope { regions: vec!["KZ-AKM".into()], ..Scope::default() }).await;
    let admin = mesh.gateway_channel(&mesh.api_key("setup", 10_000).await).await;
    let channel = mesh.gateway_channel(&integrator).await;
    let school_id = DirectoryServiceClient::new(admin.clone())
        .register_school(distance_school_request("KZ-ALA", "Гимназия № 159", Connectivity::Broadband))
        .await
        .unwrap()
        .into_inner()
        .school_id;
    let class = mesh.class_with_teacher(admin, &school_id).await;
    let mut directory = DirectoryServiceClient::new(channel.clone());
    let mut pupils = Vec::new();
    for (name, delivery) in [("Айгерим", Delivery::Broadband), ("Тимур", Delivery::Paper)] {
        let pupil =
            RegisterPupilRequest { class_id: class.class_id.clone(), full_name: name.into(), delivery: delivery as i32, parents: vec![], iin: String::new() };
        pupils.push(directory.register_pupil(pupil).await.unwrap().into_inner().pupil_id);
    }
    let mut assignments = AssignmentsServiceClient::new(channel.clone());

    // Homework due in 3 s; the pupils' events must have reached the service before work arrives.
    let post = pb::PostHomeworkRequest { deadline: Some(timestamp(chrono::Utc::now() + chrono::Duration::seconds(3))), ..class.homework("§ 12, № 3") };
    let homework = assignments.post_homework(keyed(post, "hw-1")).await.unwrap().into_inner();
    let handed_over = chrono::Utc::now() + chrono::Duration::milliseconds(100);
    let submission = pb::SubmitWorkRequest {
        homework_id: homework.homework_id.clone(),
        pupil_id: pupils[0].clone(),
        channel: pb::Channel::Whatsapp as i32,
        entered_by: Some(pb::Actor { role: pb::ActorRole::Pupil as i32, id: pupils[0].clone() }),
        text: "photo of the page".into(),
        ..Default::default()
    };
    let mut first = None;
    for _ in 0..100 {
        match assignments.submit_work(keyed(submission.clone(), "sub-1")).await {
            Ok(answer) => {
                first = Some(answer.into_inner());
                break;
            }
            Err(status) if status.code() == Code::Unavailable => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(status) => panic!("{status:?}"),
        }
    }
    let first = first.expect("the pupil becomes known");
    // R-AS-7: the integrator's retry is stored once.
    let retry = assignments.submit_work(keyed(submission, "sub-1")).await.unwrap().into_inner();
    assert_eq!(retry, first);
    let pool = sqlx::PgPool::connect(mesh.db.url()).await.unwrap();
    let attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM assignments.attempts").fetch_one(&pool).await.unwrap();
    assert_eq!(attempts, 1);

    let feedback = pb::GiveFeedbackRequest {
        homework_id: homework.homework_id.clone(),
        pupil_id: pupils[0].clone(),
        teacher_id: class.teacher_id.clone(),
        comment: "Хорошо".into(),
        assessment: "зачтено".into(),
    };
    assignments.give_feedback(keyed(feedback, "fb-1")).await.unwrap();
    let returned = pb::ReturnWorkRequest {
        homework_id: homework.homework_id.clone(),
        pupil_id: pupils[0].clone(),
        teacher_id: class.teacher_id.clone(),
        outcome: pb::ReturnOutcome::Done as i32,
        comment: String::new(),
    };
    assert_eq!(assignments.return_work(keyed(returned, "ret-1")).await.unwrap().into_inner().one_roster_score_status, "fully graded");
    let mark = pb::RecordMarkRequest {
        pupil_id: pupils[0].clone(),
        subject: "Математика".into(),
        teacher_id: class.teacher_id.clone(),
        kind: pb::MarkKind::Sor as i32,
        school_year: 2019,
        quarter: 4,
        number: 1,
        score: 9,
        max_score: 10,
    };
    assignments.record_mark(keyed(mark, "mark-1")).await.unwrap();

    // Tимур learns on paper: absent at the deadline, until his paper turns up dated in time.
    let absent = qashyq_testkit::wait_until(Duration::from_secs(30), || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM assignments.absences").fetch_one(&pool).await.unwrap() == 1
    })
    .await;
    assert!(absent, "the deadline job marks the paper pupil absent");
    let paper = pb::SubmitWorkRequest {
        homework_id: homework.homework_id.clone(),
        pupil_id: pupils[1].clone(),
        channel: pb::Channel::Paper as i32,
        entered_by: Some(pb::Actor { role: pb::ActorRole::Teacher as i32, id: class.teacher_id.clone() }),
        text: "scanned exercise book".into(),
        paper: Some(pb::PaperCustody {
            collected_by_role: "teacher".into(),
            collected_by: class.teacher_id.clone(),
            handed_over_at: Some(timestamp(handed_over)),
            received_at_school: None,
            scanned_at: None,
        }),
        ..Default::default()
    };
    assignments.submit_work(keyed(paper, "paper-1")).await.unwrap();

    // A second homework changed, then withdrawn.
    let second = assignments.post_homework(keyed(class.homework("§ 13"), "hw-2")).await.unwrap().into_inner();
    let edit = pb::EditHomeworkRequest {
        homework_id: second.homework_id.clone(),
        expected_version: 1,
        tasks: vec!["§ 13, № 1-4".into()],
        resource_links: vec![],
        deadline: second.deadline,
        files: vec![],
        expected_minutes: 15,
    };
    assignments.edit_homework(keyed(edit, "edit-1")).await.unwrap();
    let withdraw = pb::WithdrawHomeworkRequest { homework_id: second.homework_id.clone(), expected_version: 2, reason: "merged into § 12".into() };
    assignments.withdraw_homework(keyed(withdraw, "wd-1")).await.unwrap();

    // Another region's integrator: refused on the records, and its feed shows none of them.
    let mut outsider = AssignmentsServiceClient::new(mesh.gateway_channel(&other).await);
    let refused = outsider.get_homework(pb::GetHomeworkRequest { homework_id: homework.homework_id.clone() }).await.unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);

    let wanted: BTreeSet<&str> = [
        "HomeworkPosted",
        "HomeworkChanged",
        "HomeworkWithdrawn",
        "SubmissionReceived",
        "FeedbackGiven",
        "WorkReturned",
        "MarkRecorded",
        "AbsenceMarked",
        "AbsenceWithdrawn",
    ]
    .into();
    let mut stream = FeedServiceClient::new(channel).subscribe(SubscribeRequest { after_cursor: 0 }).await.unwrap().into_inner();
    let mut seen = BTreeSet::new();
    let until = tokio::time::Instant::now() + Duration::from_secs(30);
    while !wanted.iter().all(|w| seen.contains(*w)) {
        let Ok(Ok(Some(item))) = tokio::time::timeout_at(until, stream.message()).await else { break };
        if let Some(Item::Event(event)) = item.item {
            seen.insert(event.event.unwrap().event_type.rsplit('.').next().unwrap().to_owned());
        }
    }
    let missing: Vec<_> = wanted.iter().filter(|w| !seen.contains(**w)).collect();
    assert!(missing.is_empty(), "not in the feed: {missing:?} (seen {seen:?})");

    let mut foreign = FeedServiceClient::new(mesh.gateway_channel(&other).await).subscribe(SubscribeRequest { after_cursor: 0 }).await.unwrap().into_inner();
    let quiet = tokio::time::timeout(Duration::from_secs(3), async {
        while let Ok(Some(item)) = foreign.message().await {
            if let Some(Item::Event(_)) = item.item {
                return false;
            }
        }
        true
    })
    .await
    .unwrap_or(true);
    assert!(quiet, "another region's feed carries none of the school's events");
    pool.close().await;
    mesh.stop().await.unwrap();
}

/// R-GW-5 with R-AS-*: the new methods tried as an integrator tries them, through the gateway —
/// a value of a megabyte, unknown and malformed ids, the same write twice. Every answer is a small
/// status naming the field or the record; nothing is stored twice.
#[tokio::test]
async fn r_as_7_hostile_values_unknown_ids_and_repeated_writes_through_the_gateway() {
    let mesh = Mesh::start().await.unwrap();
    let integrator = mesh.integrator_key("kundelik.kz", Scope { regions: vec!["KZ-ALA".into()], ..Scope::default() }).await;
    let admin = mesh.gateway_channel(&mesh.api_key("setup", 10_000).await).await;
    let channel = mesh.gateway_channel(&integrator).await;
    let school_id = DirectoryServiceClient::new(admin.clone())
        .register_school(distance_school_request("KZ-ALA", "Лицей № 8", Connectivity::Broadband))
        .await
        .unwrap()
        .into_inner()
        .school_id;
    let class = mesh.class_with_teacher(admin, &school_id).await;
    let pupil = RegisterPupilRequest {
        class_id: class.class_id.clone(),
        full_name: "Дана".into(),
        delivery: Delivery::Broadband as i32,
        parents: vec![],
        iin: String::new(),
    };
    let pupil_id = DirectoryServiceClient::new(channel.clone()).register_pupil(pupil).await.unwrap().into_inner().pupil_id;
    let mut assignments = AssignmentsServiceClient::new(channel.clone());
    let homework = assignments.post_homework(keyed(class.homework("§ 3"), "hw")).await.unwrap().into_inner();
    let pool = sqlx::PgPool::connect(mesh.db.url()).await.unwrap();
    let known = qashyq_testkit::wait_until(Duration::from_secs(20), || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM assignments.known_pupils").fetch_one(&pool).await.unwrap() == 1
    })
    .await;
    assert!(known);
    let small = |status: &tonic::Status| qashyq_platform::error::encoded_size(status) < 1024;
    let fields = |status: &tonic::Status| qashyq_platform::error::field_violations(status).into_iter().map(|v| v.field).collect::<Vec<_>>();

    // A megabyte where a few words belong.
    let megabyte = "я".repeat(512 * 1024);
    let work = pb::SubmitWorkRequest {
        homework_id: homework.homework_id.clone(),
        pupil_id: pupil_id.clone(),
        channel: pb::Channel::EJournal as i32,
        entered_by: Some(pb::Actor { role: pb::ActorRole::Pupil as i32, id: pupil_id.clone() }),
        text: "x = 5".into(),
        ..Default::default()
    };
    let huge = assignments.submit_work(pb::SubmitWorkRequest { text: megabyte.clone(), ..work.clone() }).await.unwrap_err();
    assert_eq!((huge.code(), fields(&huge)), (Code::InvalidArgument, vec!["text".to_owned()]));
    assert!(small(&huge), "{} bytes", qashyq_platform::error::encoded_size(&huge));
    let batch = pb::SubmitWorkBatchRequest { submissions: vec![pb::SubmitWorkRequest { pupil_id: megabyte.clone(), ..work.clone() }] };
    let huge = assignments.submit_work_batch(batch).await.unwrap_err();
    assert_eq!(fields(&huge), ["submissions[0].pupil_id"]);
    assert!(small(&huge));
    let feedback = pb::GiveFeedbackRequest {
        homework_id: homework.homework_id.clone(),
        pupil_id: pupil_id.clone(),
        teacher_id: class.teacher_id.clone(),
        comment: megabyte.clone(),
        assessment: String::new(),
    };
    let huge = assignments.give_feedback(feedback).await.unwrap_err();
    assert!(fields(&huge).contains(&"comment".to_owned()) && small(&huge));

    // Unknown and malformed ids.
    let unknown = uuid::Uuid::now_v7().to_string();
    let missing = assignments.submit_work(pb::SubmitWorkRequest { homework_id: unknown.clone(), ..work.clone() }).await.unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    assert!(small(&missing));
    let history = pb::GetSubmissionHistoryRequest { homework_id: homework.homework_id.clone(), pupil_id: unknown.clone() };
    assert_eq!(assignments.get_submission_history(history).await.unwrap_err().code(), Code::NotFound);
    let queue = pb::ListTeacherQueueRequest { teacher_id: unknown.clone(), page: None };
    assert_eq!(assignments.list_teacher_queue(queue).await.unwrap_err().code(), Code::NotFound);
    let malformed = assignments.get_submission(pb::GetSubmissionRequest { homework_id: "x".into(), pupil_id: pupil_id.clone() }).await.unwrap_err();
    assert_eq!(fields(&malformed), ["homework_id"]);

    // The same write twice: stored once.
    let collected_at = Some(timestamp(chrono::Utc::now()));
    for _ in 0..2 {
        assignments.submit_work(keyed(work.clone(), "w-1")).await.unwrap();
        let feedback = pb::GiveFeedbackRequest { comment: "Верно".into(), ..feedback_of(&homework.homework_id, &pupil_id, &class.teacher_id) };
        assignments.give_feedback(keyed(feedback, "f-1")).await.unwrap();
        let round = pb::RecordCollectionRoundRequest {
            class_id: class.class_id.clone(),
            collected_by_role: "teacher".into(),
            collected_by: class.teacher_id.clone(),
            collected_at,
        };
        assignments.record_collection_round(keyed(round, "r-1")).await.unwrap();
    }
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
    };
    assert_eq!(count("SELECT count(*) FROM assignments.attempts").await, 1);
    assert_eq!(count("SELECT count(*) FROM assignments.submission_history WHERE kind = 'feedback'").await, 1);
    assert_eq!(count("SELECT count(*) FROM assignments.collection_rounds").await, 1);
    assert_eq!(count("SELECT count(*) FROM assignments.outbox WHERE event_type LIKE '%SubmissionReceived'").await, 1);
    pool.close().await;
    mesh.stop().await.unwrap();
}

fn feedback_of(homework_id: &str, pupil_id: &str, teacher_id: &str) -> pb::GiveFeedbackRequest {
    pb::GiveFeedbackRequest {
        homework_id: homework_id.into(),
        pupil_id: pupil_id.into(),
        teacher_id: teacher_id.into(),
        comment: String::new(),
        assessment: String::new(),
    }
}
