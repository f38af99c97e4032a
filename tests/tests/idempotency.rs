//! Retries never duplicate (R-GW-3, R-AS-7): a write sent with an `idempotency-key` is done once;
//! retries get the first answer, across a restart of the gateway and of the service; the same
//! key for a different request is refused naming the key.

use qashyq_e2e::{Mesh, distance_school_request};
use qashyq_proto::{
    assignments::v1::assignments_service_client::AssignmentsServiceClient,
    schedule::v1::{Connectivity, directory_service_client::DirectoryServiceClient},
};
use tonic::{Code, Request};

fn keyed<T>(message: T, key: &str) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert("idempotency-key", key.parse().unwrap());
    request
}

async fn stored(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM assignments.homework").fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn r_gw_3_a_retried_write_is_done_once_whatever_restarts_in_between() {
    let mut mesh = Mesh::start().await.unwrap();
    let key = mesh.api_key("kundelik.kz", 10_000).await;
    let pool = sqlx::PgPool::connect(mesh.db.url()).await.unwrap();
    let school_id = DirectoryServiceClient::new(mesh.gateway_channel(&key).await)
        .register_school(distance_school_request("KZ-ALA", "Школа № 12", Connectivity::Broadband))
        .await
        .unwrap()
        .into_inner()
        .school_id;
    let class = mesh.class_with_teacher(mesh.gateway_channel(&key).await, &school_id).await;
    let post = class.homework("№ 512, 514");
    let request_id = uuid::Uuid::now_v7().to_string();

    let mut client = AssignmentsServiceClient::new(mesh.gateway_channel(&key).await);
    let first = client.post_homework(keyed(post.clone(), &request_id)).await.unwrap().into_inner();
    let again = client.post_homework(keyed(post.clone(), &request_id)).await.unwrap().into_inner();
    assert_eq!(again, first, "the retry gets the first answer");
    assert_eq!(stored(&pool).await, 1);

    // Concurrent retries: one does the work, the others wait for its answer.
    let concurrent_id = uuid::Uuid::now_v7().to_string();
    let concurrent = class.homework("§ 14");
    let calls = (0..4).map(|_| {
        let mut client = client.clone();
        let request = keyed(concurrent.clone(), &concurrent_id);
        async move { client.post_homework(request).await.map(|r| r.into_inner().homework_id) }
    });
    let answers: Vec<_> = futures::future::join_all(calls).await.into_iter().map(Result::unwrap).collect();
    assert!(answers.iter().all(|id| *id == answers[0]), "{answers:?}");
    assert_eq!(stored(&pool).await, 2);

    // The same key for a different request: refused, naming the key; nothing stored.
    let other = client.post_homework(keyed(class.homework("another task"), &request_id)).await.unwrap_err();
    assert_eq!(other.code(), Code::InvalidArgument);
    assert_eq!(qashyq_platform::error::field_violations(&other)[0].field, "idempotency-key");
    let malformed = client.post_homework(keyed(post.clone(), &"x".repeat(65))).await.unwrap_err();
    assert_eq!((malformed.code(), qashyq_platform::error::field_violations(&malformed)[0].field.as_str()), (Code::InvalidArgument, "idempotency-key"));
    assert_eq!(stored(&pool).await, 2);

    // A write only the gateway keeps from repeating (a teacher has no natural key): one teacher.
    let teacher_id = uuid::Uuid::now_v7().to_string();
    let teacher = qashyq_proto::schedule::v1::RegisterTeacherRequest {
        school_id: school_id.clone(),
        full_name: "Гульнар Сапарова".into(),
        subjects: vec!["mathematics".into()],
        shift: 0,
    };
    let mut timetables = qashyq_proto::schedule::v1::timetable_service_client::TimetableServiceClient::new(mesh.gateway_channel(&key).await);
    let registered = timetables.register_teacher(keyed(teacher.clone(), &teacher_id)).await.unwrap().into_inner();
    assert_eq!(timetables.register_teacher(keyed(teacher, &teacher_id)).await.unwrap().into_inner(), registered);
    let teachers: i64 = sqlx::query_scalar("SELECT count(*) FROM schedule.teachers").fetch_one(&pool).await.unwrap();
    assert_eq!(teachers, 2, "the homework's teacher and this one: the gateway answered the retry itself");
    let kept: i64 =
        sqlx::query_scalar("SELECT count(*) FROM gateway.idempotency_keys WHERE response IS NOT NULL AND lease_until IS NULL").fetch_one(&pool).await.unwrap();
    assert_eq!(kept, 3, "the answers kept: two homework, one teacher");

    // Without a key, each call is a new write.
    client.post_homework(post.clone()).await.unwrap();
    client.post_homework(post.clone()).await.unwrap();
    assert_eq!(stored(&pool).await, 4);

    // The gateway restarts, then the assignments service: the retry still gets the first answer.
    mesh.restart_gateway().await.unwrap();
    mesh.restart("assignments").await.unwrap();
    let mut client = AssignmentsServiceClient::new(mesh.gateway_channel(&key).await);
    let after_restarts = client.post_homework(keyed(post, &request_id)).await.unwrap().into_inner();
    assert_eq!(after_restarts, first);
    assert_eq!(stored(&pool).await, 4);

    // A new keyed write right after the restart may meet the gateway's connection to the old
    // instance: UNAVAILABLE, which releases the key; retried with the same key, it is done once.
    let fresh_id = uuid::Uuid::now_v7().to_string();
    let fresh = class.homework("§ 15");
    let mut done = None;
    for _ in 0..50 {
        match client.post_homework(keyed(fresh.clone(), &fresh_id)).await {
            Ok(answer) => {
                done = Some(answer.into_inner());
                break;
            }
            Err(status) if status.code() == Code::Unavailable => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            Err(status) => panic!("{status:?}"),
        }
    }
    let done = done.expect("the restarted service answers");
    assert_eq!(client.post_homework(keyed(fresh, &fresh_id)).await.unwrap().into_inner(), done);
    assert_eq!(stored(&pool).await, 5);

    // A gateway that died after the service stored the homework and before it kept the answer:
    // it had passed the key on and left its lease. The lease runs out, a retry takes the call
    // over, and the service answers the homework it stored the first time.
    let method = "/qashyq.assignments.v1.AssignmentsService/PostHomework";
    let crashed_id = uuid::Uuid::now_v7().to_string();
    let crashed = class.homework("§ 16");
    let principal: uuid::Uuid = sqlx::query_scalar("SELECT key_id FROM gateway.api_keys WHERE name = 'kundelik.kz'").fetch_one(&pool).await.unwrap();
    let mut direct = Request::new(crashed.clone());
    let request_key = qashyq_platform::request_key::derive(principal, method, &crashed_id);
    direct.metadata_mut().insert(qashyq_platform::request_key::HEADER, request_key.parse().unwrap());
    let stored_first = AssignmentsServiceClient::new(mesh.assignments.channel().await).post_homework(direct).await.unwrap().into_inner();
    let body = prost::Message::encode_to_vec(&crashed);
    let mut framed = vec![0u8];
    framed.extend((body.len() as u32).to_be_bytes());
    framed.extend(body);
    sqlx::query(
        "INSERT INTO gateway.idempotency_keys (principal_id, method, key, body_hash, lease_until, expires_at) \
         VALUES ($1, $2, $3, $4, now() - interval '1 second', now() + interval '1 day')",
    )
    .bind(principal)
    .bind(method)
    .bind(&crashed_id)
    .bind(qashyq_gateway::idempotency::body_hash(method, &framed))
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(stored(&pool).await, 6);
    let retried = client.post_homework(keyed(crashed, &crashed_id)).await.unwrap().into_inner();
    assert_eq!(retried, stored_first, "the retry gets the homework the first call stored");
    assert_eq!(stored(&pool).await, 6, "and no second one");
    mesh.stop().await.unwrap();
}
