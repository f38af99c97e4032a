//! The directory over gRPC against a real PostgreSQL (R-REF-1), with the platform behaviour every
//! service shares: health, reflection, readiness, field-level errors, outbox in the same
//! transaction.

use std::time::Duration;

use qashyq_platform::error::field_violations;
use qashyq_proto::{
    common::v1::PageRequest,
    schedule::v1::{
        Connectivity, GetSchoolRequest, LearningMode, ListSchoolsRequest, RegisterSchoolRequest, ResolveSubjectRequest,
        catalogue_service_client::CatalogueServiceClient, directory_service_client::DirectoryServiceClient,
    },
};
use qashyq_schedule::Schedule;
use qashyq_testkit::{TestDatabase, spawn, test_config};
use tonic::Code;
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient};

fn school(region: &str, name: &str) -> RegisterSchoolRequest {
    RegisterSchoolRequest {
        region_code: region.into(),
        name: name.into(),
        connectivity: Connectivity::Broadband as i32,
        learning_mode: LearningMode::Distance as i32,
        ungraded_rural: false,
        district_id: String::new(),
    }
}

#[tokio::test]
async fn r_ref_1_registers_gets_and_pages_schools() {
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<Schedule>(test_config(db.url())).await.unwrap();
    let mut client = DirectoryServiceClient::new(service.channel().await);

    let mut ids = Vec::new();
    for n in 0..5 {
        let created = client.register_school(school("KZ-ALA", &format!("School {n}"))).await.unwrap().into_inner();
        ids.push(created.school_id.clone());
    }
    client.register_school(school("KZ-AST", "School A")).await.unwrap();

    let got = client.get_school(GetSchoolRequest { school_id: ids[2].clone() }).await.unwrap().into_inner();
    assert_eq!(got.name, "School 2");
    assert_eq!(got.region_code, "KZ-ALA");
    assert_eq!(got.connectivity, Connectivity::Broadband as i32);

    // Two pages of 3 for Almaty city, in name order, then nothing more.
    let first = client
        .list_schools(ListSchoolsRequest {
            region_code: "KZ-ALA".into(),
            page: Some(PageRequest { page_size: 3, page_token: String::new() }),
            district_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = first.schools.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["School 0", "School 1", "School 2"]);
    let token = first.page.unwrap().next_page_token;
    assert!(!token.is_empty());
    let second = client
        .list_schools(ListSchoolsRequest {
            region_code: "KZ-ALA".into(),
            page: Some(PageRequest { page_size: 3, page_token: token }),
            district_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = second.schools.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["School 3", "School 4"]);
    assert!(second.page.unwrap().next_page_token.is_empty());

    let all = client.list_schools(ListSchoolsRequest::default()).await.unwrap().into_inner();
    assert_eq!(all.schools.len(), 6);
    service.stop().await.unwrap();
}

#[tokio::test]
async fn bad_input_names_every_field_and_stores_nothing() {
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<Schedule>(test_config(db.url())).await.unwrap();
    let mut client = DirectoryServiceClient::new(service.channel().await);
    client.register_school(school("KZ-ALA", "Gymnasium 1")).await.unwrap();

    let bad = RegisterSchoolRequest {
        region_code: "KZ-NOPE".into(),
        name: "".into(),
        connectivity: 42,
        learning_mode: 0,
        ungraded_rural: true,
        district_id: String::new(),
    };
    let status = client.register_school(bad).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let fields: Vec<_> = field_violations(&status).into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["region_code", "name", "connectivity", "learning_mode"]);

    let status = client.get_school(GetSchoolRequest { school_id: "not-a-uuid".into() }).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(field_violations(&status)[0].field, "school_id");

    let status = client
        .list_schools(ListSchoolsRequest {
            region_code: String::new(),
            page: Some(PageRequest { page_size: 10, page_token: "garbage".into() }),
            district_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(field_violations(&status)[0].field, "page.page_token");

    let duplicate = client.register_school(school("KZ-ALA", "Gymnasium 1")).await.unwrap_err();
    assert_eq!(duplicate.code(), Code::AlreadyExists);

    let unknown = client.get_school(GetSchoolRequest { school_id: uuid::Uuid::nil().to_string() }).await.unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);

    // Nothing but the first school was stored, and its one event.
    let all = client.list_schools(ListSchoolsRequest::default()).await.unwrap().into_inner();
    assert_eq!(all.schools.len(), 1);
    let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM schedule.outbox").fetch_one(&pool).await.unwrap();
    assert_eq!(events, 1);
    pool.close().await;
    service.stop().await.unwrap();
}

#[tokio::test]
async fn registration_and_its_event_commit_together() {
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<Schedule>(test_config(db.url())).await.unwrap();
    let mut client = DirectoryServiceClient::new(service.channel().await);
    let created = client.register_school(school("KZ-KAR", "School 7")).await.unwrap().into_inner();

    let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
    let (event_type, subject): (String, Vec<u8>) = sqlx::query_as("SELECT event_type, envelope FROM schedule.outbox").fetch_one(&pool).await.unwrap();
    assert_eq!(event_type, "qashyq.schedule.events.v1.SchoolRegistered");
    let envelope = <qashyq_proto::events::v1::EventEnvelope as prost::Message>::decode(subject.as_slice()).unwrap();
    assert_eq!(envelope.subject_id, created.school_id);
    assert_eq!(envelope.producer, "schedule");
    pool.close().await;
    service.stop().await.unwrap();
}

#[tokio::test]
async fn r_ref_2_catalogue_resolves_aliases_and_refuses_unknown_names() {
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<Schedule>(test_config(db.url())).await.unwrap();
    let mut client = CatalogueServiceClient::new(service.channel().await);
    let subject = client.resolve_subject(ResolveSubjectRequest { name: "История Казахст.".into() }).await.unwrap().into_inner();
    assert_eq!(subject.code, "history_of_kazakhstan");
    assert_eq!(subject.name_kk, "Қазақстан тарихы");
    let status = client.resolve_subject(ResolveSubjectRequest { name: "Алхимия".into() }).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(field_violations(&status)[0].field, "name");
    let regions = client.list_regions(qashyq_proto::schedule::v1::ListRegionsRequest {}).await.unwrap().into_inner();
    assert_eq!(regions.regions.len(), 20);
    service.stop().await.unwrap();
}

#[tokio::test]
async fn health_is_not_serving_and_calls_unavailable_until_the_database_is_ready() {
    // A database nobody listens on: migrations cannot run, so the service never becomes ready.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let config = test_config(&format!("postgres://postgres@127.0.0.1:{port}/nowhere"));
    let shutdown = tokio_util::sync::CancellationToken::new();
    let app = qashyq_platform::Application::build::<Schedule>(config, shutdown.clone()).await.unwrap();
    let addr = app.local_addr();
    let task = tokio::spawn(app.run());

    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut health = HealthClient::new(channel.clone());
    for service in ["", "qashyq.schedule.v1.DirectoryService"] {
        let status = health.check(HealthCheckRequest { service: service.into() }).await.unwrap().into_inner().status;
        assert_eq!(status, ServingStatus::NotServing as i32, "{service:?}");
    }
    let status = DirectoryServiceClient::new(channel).list_schools(ListSchoolsRequest::default()).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);

    // Graceful shutdown works even while still waiting for the database.
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), task).await.expect("stops promptly").unwrap().unwrap();
}

#[tokio::test]
async fn reflection_lists_the_domain_services() {
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient, server_reflection_request::MessageRequest,
        server_reflection_response::MessageResponse,
    };
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<Schedule>(test_config(db.url())).await.unwrap();
    let mut client = ServerReflectionClient::new(service.channel().await);
    let request = ServerReflectionRequest { host: String::new(), message_request: Some(MessageRequest::ListServices(String::new())) };
    let mut responses = client.server_reflection_info(tokio_stream::iter([request])).await.unwrap().into_inner();
    let response = responses.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else { panic!("unexpected {response:?}") };
    let names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    assert!(names.contains(&"qashyq.schedule.v1.DirectoryService".to_owned()), "{names:?}");
    assert!(names.contains(&"grpc.health.v1.Health".to_owned()), "{names:?}");
    service.stop().await.unwrap();
}

#[tokio::test]
async fn replicas_starting_together_migrate_once_under_the_advisory_lock() {
    let db = TestDatabase::create().await.unwrap();
    let config = test_config(db.url());
    let (a, b, c) = tokio::join!(spawn::<Schedule>(config.clone()), spawn::<Schedule>(config.clone()), spawn::<Schedule>(config.clone()));
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
    let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schedule._sqlx_migrations ORDER BY version").fetch_all(&pool).await.unwrap();
    // The platform's tables (outbox and inbox, jobs), then every migration of the service, each once.
    let expected: Vec<i64> = [1, 2].into_iter().chain(<Schedule as qashyq_platform::ServiceDef>::migrator().iter().map(|m| m.version)).collect();
    assert_eq!(
        expected.len(),
        10,
        "platform ×2, directory, timetables, districts and pupils, realignments, pupils' IIN, realignment jobs, timetable lessons, deadline versions"
    );
    assert_eq!(applied, expected, "each migration once");
    pool.close().await;
    for replica in [a, b, c] {
        replica.stop().await.unwrap();
    }
}
