//! One real event end to end: a school registered in the schedule service goes through its
//! outbox and RabbitMQ and is applied once by the reporting service, even when delivered twice,
//! and is not lost when the broker goes away between the write and the publish.

use std::time::Duration;

use lapin::{BasicProperties, Connection, ConnectionProperties, options::BasicPublishOptions};
use qashyq_e2e::Mesh;
use qashyq_proto::{
    reporting::v1::{GetConnectivityReportRequest, reporting_service_client::ReportingServiceClient},
    schedule::v1::{Connectivity, LearningMode, RegisterSchoolRequest, directory_service_client::DirectoryServiceClient},
};
use qashyq_testkit::{FaultProxy, wait_until};

fn school(name: &str, connectivity: Connectivity) -> RegisterSchoolRequest {
    RegisterSchoolRequest {
        region_code: "KZ-KZY".into(),
        name: name.into(),
        connectivity: connectivity as i32,
        learning_mode: LearningMode::Distance as i32,
        ungraded_rural: false,
        district_id: String::new(),
    }
}

async fn schools_counted(mesh: &Mesh) -> i64 {
    let mut reporting = ReportingServiceClient::new(mesh.reporting.channel().await);
    let report = reporting.get_connectivity_report(GetConnectivityReportRequest::default()).await.unwrap().into_inner();
    report.total.map_or(0, |t| t.schools)
}

async fn wait_for_count(mesh: &Mesh, expected: i64) -> bool {
    wait_until(Duration::from_secs(30), || async { schools_counted(mesh).await == expected }).await
}

#[tokio::test]
async fn school_registration_reaches_reporting_exactly_once_even_when_delivered_twice() {
    qashyq_testkit::init_logging();
    let mesh = Mesh::start().await.unwrap();
    let mut directory = DirectoryServiceClient::new(mesh.schedule.channel().await);
    directory.register_school(school("School 1", Connectivity::Slow)).await.unwrap();
    assert!(wait_for_count(&mesh, 1).await, "event did not reach reporting");

    let mut reporting = ReportingServiceClient::new(mesh.reporting.channel().await);
    let report = reporting.get_connectivity_report(GetConnectivityReportRequest { region_code: "KZ-KZY".into() }).await.unwrap().into_inner();
    assert_eq!(report.regions.len(), 1);
    assert_eq!((report.regions[0].schools, report.regions[0].slow), (1, 1));

    // Deliver the very same envelope again, as the broker would after a lost acknowledgement.
    let pool = sqlx::PgPool::connect(mesh.db.url()).await.unwrap();
    let (event_id, envelope, published): (uuid::Uuid, Vec<u8>, bool) =
        sqlx::query_as("SELECT event_id, envelope, published_at IS NOT NULL FROM schedule.outbox").fetch_one(&pool).await.unwrap();
    assert!(published, "relay marks the row published after the broker confirms");
    let connection = Connection::connect(mesh.config.amqp_url(), ConnectionProperties::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    for _ in 0..2 {
        channel
            .basic_publish(
                mesh.config.events_exchange.as_str().into(),
                "qashyq.schedule.events.v1.SchoolRegistered".into(),
                BasicPublishOptions::default(),
                &envelope,
                BasicProperties::default(),
            )
            .await
            .unwrap()
            .await
            .unwrap();
    }
    // The duplicates are consumed (the queue drains) and change nothing.
    let queue = format!("{}.reporting", mesh.config.events_exchange);
    let drained = wait_until(Duration::from_secs(10), || async {
        let declared = channel
            .queue_declare(queue.as_str().into(), lapin::options::QueueDeclareOptions { passive: true, ..Default::default() }, Default::default())
            .await
            .unwrap();
        declared.message_count() == 0
    })
    .await;
    assert!(drained);
    // Both copies were taken and acknowledged as duplicates (the consumer's own count; the
    // metrics are the process's, so another test of this file may add to it).
    let duplicates = wait_until(Duration::from_secs(10), || async {
        qashyq_platform::metrics::render()
            .lines()
            .filter_map(|line| line.strip_prefix(r#"qashyq_events_consumed_total{outcome="duplicate",service="reporting"} "#))
            .any(|count| count.parse::<f64>().is_ok_and(|n| n >= 2.0))
    })
    .await;
    assert!(duplicates, "{}", qashyq_platform::metrics::render());
    assert_eq!(schools_counted(&mesh).await, 1);
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM reporting.inbox WHERE event_id = $1").bind(event_id).fetch_one(&pool).await.unwrap();
    assert_eq!(applied, 1);

    connection.close(200, "done".into()).await.unwrap();
    pool.close().await;
    mesh.stop().await.unwrap();
}

#[tokio::test]
async fn nothing_is_lost_when_rabbitmq_goes_away_between_the_write_and_the_publish() {
    qashyq_testkit::init_logging();
    // Producer and consumer reach RabbitMQ only through a proxy the test can cut, as a broker
    // restart would; the machine's own broker is never touched.
    let broker_url = qashyq_testkit::test_config("postgres://unused").amqp_url().to_owned();
    let (proxy, proxied_url) = FaultProxy::in_front_of(&broker_url).await.unwrap();
    let mesh = Mesh::start_with(|service, config| {
        if service == "schedule" || service == "reporting" {
            config.amqp_url = proxied_url.clone().into();
        }
    })
    .await
    .unwrap();

    let mut directory = DirectoryServiceClient::new(mesh.schedule.channel().await);
    directory.register_school(school("Before the cut", Connectivity::Broadband)).await.unwrap();
    assert!(wait_for_count(&mesh, 1).await);

    proxy.cut();
    directory.register_school(school("During the cut", Connectivity::None)).await.unwrap();
    let pool = sqlx::PgPool::connect(mesh.db.url()).await.unwrap();
    // The cut came first, so the relay cannot have published it: the write committed and its
    // event waits in the outbox.
    let unpublished: i64 = sqlx::query_scalar("SELECT count(*) FROM schedule.outbox WHERE published_at IS NULL").fetch_one(&pool).await.unwrap();
    assert_eq!(unpublished, 1, "the write committed; its event waits in the outbox");
    assert_eq!(schools_counted(&mesh).await, 1);

    proxy.restore();
    assert!(wait_for_count(&mesh, 2).await, "relay and consumer reconnected; the event went through");
    let unpublished: i64 = sqlx::query_scalar("SELECT count(*) FROM schedule.outbox WHERE published_at IS NULL").fetch_one(&pool).await.unwrap();
    assert_eq!(unpublished, 0);
    pool.close().await;
    mesh.stop().await.unwrap();
}

#[tokio::test]
async fn events_survive_database_outages_on_both_sides() {
    qashyq_testkit::init_logging();
    // Each service reaches PostgreSQL through its own proxy, so the test can take the database
    // away from one side at a time, as a restart would.
    let admin = std::env::var("QASHYQ_TEST_DATABASE_ADMIN_URL").unwrap_or_else(|_| "postgres://qashyq:qashyq@127.0.0.1:5432/postgres".into());
    let (schedule_db, _) = FaultProxy::in_front_of(&admin).await.unwrap();
    let (reporting_db, _) = FaultProxy::in_front_of(&admin).await.unwrap();
    let (schedule_addr, reporting_addr) = (schedule_db.addr(), reporting_db.addr());
    let mesh = Mesh::start_with(|service, config| {
        let through = match service {
            "schedule" => schedule_addr,
            "reporting" => reporting_addr,
            _ => return,
        };
        let url = config.database_url().to_owned();
        let (scheme, rest) = url.split_once("://").unwrap();
        let (userinfo, rest) = rest.split_once('@').unwrap();
        let path = rest.split_once('/').unwrap().1;
        config.database_url = format!("{scheme}://{userinfo}@{through}/{path}").into();
    })
    .await
    .unwrap();
    let mut directory = DirectoryServiceClient::new(mesh.schedule.channel().await);

    // The consumer's database goes away while an event arrives: the event waits, then applies once.
    reporting_db.cut();
    directory.register_school(school("While reporting's database is down", Connectivity::Slow)).await.unwrap();
    // Published (so on its way to, or held by, the consumer whose database is down) before the
    // database comes back.
    let pool = sqlx::PgPool::connect(mesh.db.url()).await.unwrap();
    let published = wait_until(Duration::from_secs(15), || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM schedule.outbox WHERE published_at IS NOT NULL").fetch_one(&pool).await.unwrap() == 1
    })
    .await;
    assert!(published);
    reporting_db.restore();
    assert!(wait_for_count(&mesh, 1).await, "applied after the database came back");

    // The producer's database goes away and comes back: its relay carries on.
    schedule_db.cut();
    // A read notices the outage before the write is tried (the write must not slip through).
    let cut_seen = wait_until(Duration::from_secs(15), || {
        let mut directory = directory.clone();
        async move {
            let read = directory.list_schools(qashyq_proto::schedule::v1::ListSchoolsRequest::default()).await;
            read.is_err_and(|status| status.code() == tonic::Code::Unavailable)
        }
    })
    .await;
    assert!(cut_seen);
    let refused = directory.register_school(school("Refused", Connectivity::Slow)).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::Unavailable, "{refused:?}");
    schedule_db.restore();
    let accepted = wait_until(Duration::from_secs(15), || {
        let mut directory = directory.clone();
        async move { directory.register_school(school("After the outage", Connectivity::Broadband)).await.is_ok() }
    })
    .await;
    assert!(accepted);
    assert!(wait_for_count(&mesh, 2).await, "the relay published after the database came back");

    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM reporting.inbox").fetch_one(&pool).await.unwrap();
    let schools: i64 = sqlx::query_scalar("SELECT count(*) FROM schedule.schools").fetch_one(&pool).await.unwrap();
    assert_eq!((applied, schools), (2, 2), "nothing lost, nothing doubled, nothing half-written");
    pool.close().await;
    mesh.stop().await.unwrap();
}

#[tokio::test]
async fn an_event_that_can_never_apply_is_dead_lettered_and_the_rest_flow_on() {
    let mesh = Mesh::start().await.unwrap();
    let connection = Connection::connect(mesh.config.amqp_url(), ConnectionProperties::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    // Bytes that are no EventEnvelope, on a routing key the reporting service listens to.
    channel
        .basic_publish(
            mesh.config.events_exchange.as_str().into(),
            "qashyq.schedule.events.v1.SchoolRegistered".into(),
            BasicPublishOptions::default(),
            b"\xff\xff not protobuf",
            BasicProperties::default(),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    let mut directory = DirectoryServiceClient::new(mesh.schedule.channel().await);
    directory.register_school(school("After the poison", Connectivity::Broadband)).await.unwrap();
    assert!(wait_for_count(&mesh, 1).await, "the valid event behind it was applied");

    let dead = format!("{}.reporting.dead", mesh.config.events_exchange);
    let dead_lettered = wait_until(Duration::from_secs(10), || async {
        channel
            .queue_declare(dead.as_str().into(), lapin::options::QueueDeclareOptions { passive: true, ..Default::default() }, Default::default())
            .await
            .is_ok_and(|q| q.message_count() == 1)
    })
    .await;
    assert!(dead_lettered, "the poison message waits in the dead-letter queue for a person to look at");
    connection.close(200, "done".into()).await.unwrap();
    mesh.stop().await.unwrap();
}
