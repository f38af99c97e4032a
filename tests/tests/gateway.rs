//! Through the gateway (R-GW-1, R-GW-3, R-GW-5): unauthenticated calls are refused; an
//! authenticated integrator reaches a real RPC of every service; the rate limit holds.

use qashyq_e2e::Mesh;
use qashyq_proto::{
    assignments::v1::{PostHomeworkRequest, assignments_service_client::AssignmentsServiceClient},
    common::v1::{Language, LocalDate},
    content::v1::{InspectAtomicFileRequest, content_service_client::ContentServiceClient},
    proctoring::v1::{ExamKind, ScheduleSessionRequest, proctoring_service_client::ProctoringServiceClient},
    reporting::v1::{GetConnectivityReportRequest, reporting_service_client::ReportingServiceClient},
    schedule::v1::{
        Connectivity, LearningMode, ListRegionsRequest, RegisterSchoolRequest, catalogue_service_client::CatalogueServiceClient,
        directory_service_client::DirectoryServiceClient,
    },
    tvgrid::v1::{GetGradeDayRequest, ListChannelsRequest, Medium, PublishGridRequest, tv_grid_service_client::TvGridServiceClient},
};
use qashyq_testkit::wait_until;
use tonic::Code;
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient};

#[tokio::test]
async fn r_gw_1_unauthenticated_calls_are_refused() {
    let mesh = Mesh::start().await.unwrap();
    let channel = mesh.gateway.channel().await;

    let status = CatalogueServiceClient::new(channel.clone()).list_regions(ListRegionsRequest {}).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);

    let forged = format!("qk_{}", "0".repeat(64));
    for key in [forged.as_str(), "not-a-key"] {
        let status = CatalogueServiceClient::new(mesh.gateway_channel(key).await).list_regions(ListRegionsRequest {}).await.unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated, "{key}");
    }

    // Health is public: probes and load balancers carry no key.
    let health = HealthClient::new(channel).check(HealthCheckRequest { service: String::new() }).await.unwrap().into_inner();
    assert_eq!(health.status, ServingStatus::Serving as i32);
    mesh.stop().await.unwrap();
}

#[tokio::test]
async fn r_gw_5_health_names_each_public_service_through_the_gateway() {
    let mesh = Mesh::start().await.unwrap();
    let health = HealthClient::new(mesh.gateway.channel().await);
    let status_of = |service: &str| {
        let mut health = health.clone();
        let request = HealthCheckRequest { service: service.to_owned() };
        async move { health.check(request).await.map(|r| r.into_inner().status).map_err(|s| s.code()) }
    };
    for service in ["qashyq.schedule.v1.TimetableService", "qashyq.tvgrid.v1.TvGridService", "qashyq.reporting.v1.ReportingService"] {
        let serving = wait_until(std::time::Duration::from_secs(10), || async { status_of(service).await == Ok(ServingStatus::Serving as i32) }).await;
        assert!(serving, "{service}: {:?}", status_of(service).await);
    }
    assert_eq!(status_of("qashyq.nothing.v1.Nothing").await, Err(Code::NotFound));

    // A service that stops reads NOT_SERVING through the gateway; the others stay SERVING.
    let Mesh { reporting, gateway, schedule, tvgrid, assignments, content, proctoring, db, config } = mesh;
    reporting.stop().await.unwrap();
    let not_serving = wait_until(std::time::Duration::from_secs(10), || async {
        status_of("qashyq.reporting.v1.ReportingService").await == Ok(ServingStatus::NotServing as i32)
    })
    .await;
    assert!(not_serving);
    assert_eq!(status_of("qashyq.schedule.v1.DirectoryService").await, Ok(ServingStatus::Serving as i32));

    // Degradation: a call to the stopped service fails fast with UNAVAILABLE; the others answer.
    let key = qashyq_gateway::admin::create_api_key(&config, "degradation").await.unwrap().key;
    let channel = qashyq_platform::grpc::client::BearerKey::new(Some(&key)).unwrap().on(gateway.channel().await);
    let started = std::time::Instant::now();
    let down =
        ReportingServiceClient::new(channel.clone()).get_connectivity_report(GetConnectivityReportRequest { region_code: String::new() }).await.unwrap_err();
    assert_eq!(down.code(), Code::Unavailable);
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "fails fast: {:?}", started.elapsed());
    assert!(CatalogueServiceClient::new(channel).list_regions(ListRegionsRequest {}).await.is_ok(), "the others are unaffected");
    gateway.stop().await.unwrap();
    for service in [schedule, tvgrid, assignments, content, proctoring] {
        service.stop().await.unwrap();
    }
    drop(db);
}

#[tokio::test]
async fn r_gw_1_an_integrator_reaches_every_service_through_the_gateway() {
    let mesh = Mesh::start().await.unwrap();
    let key = mesh.api_key("kundelik.kz", 1000).await;
    let channel = mesh.gateway_channel(&key).await;

    let regions = CatalogueServiceClient::new(channel.clone()).list_regions(ListRegionsRequest {}).await.unwrap().into_inner();
    assert_eq!(regions.regions.len(), 20);

    let school = DirectoryServiceClient::new(channel.clone())
        .register_school(RegisterSchoolRequest {
            region_code: "KZ-AKM".into(),
            name: "Rural school No. 3".into(),
            connectivity: Connectivity::None as i32,
            learning_mode: LearningMode::InPersonShifts as i32,
            ungraded_rural: true,
            district_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();

    let channels = TvGridServiceClient::new(channel.clone())
        .list_channels(ListChannelsRequest { language: Language::Kk as i32, medium: Medium::Tv as i32 })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(channels.channels[0].channel_id, "balapan.kz");
    // The grid's admin calls and hot reads go through the gateway too (R-TV-*, item 9).
    let mut tvgrid = TvGridServiceClient::new(channel.clone());
    tvgrid.import_grid(qashyq_tvgrid::cli::spring_2020_request("integrator")).await.unwrap();
    tvgrid.publish_grid(PublishGridRequest { campaign: "2020-spring".into(), version: 1, published_by: "integrator".into() }).await.unwrap();
    let grade_day = tvgrid
        .get_grade_day(GetGradeDayRequest { language: Language::Kk as i32, grade: 5, date: Some(LocalDate { year: 2020, month: 4, day: 6 }) })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(grade_day.airings.len(), 3);

    let deadline = chrono::Utc::now() + chrono::Duration::days(1);
    let class = mesh.class_with_teacher(channel.clone(), &school.school_id).await;
    let post = PostHomeworkRequest {
        subject: "Математика".into(),
        deadline: Some(prost_types::Timestamp { seconds: deadline.timestamp(), nanos: 0 }),
        ..class.homework("p. 45, ex. 3")
    };
    let homework = AssignmentsServiceClient::new(channel.clone()).post_homework(post).await.unwrap().into_inner();
    assert_eq!(homework.subject_code, "mathematics");

    let report = ContentServiceClient::new(channel.clone())
        .inspect_atomic_file(InspectAtomicFileRequest { file_name: "a.png".into(), size_bytes: 100, head: b"\x89PNG\r\n\x1a\n".to_vec(), duration_seconds: 0 })
        .await
        .unwrap()
        .into_inner();
    assert!(report.accepted);

    let session = ProctoringServiceClient::new(channel.clone())
        .schedule_session(ScheduleSessionRequest {
            institution_id: uuid::Uuid::new_v4().to_string(),
            student_id: uuid::Uuid::new_v4().to_string(),
            exam_kind: ExamKind::ThesisDefence as i32,
            scheduled_start: Some(prost_types::Timestamp { seconds: deadline.timestamp(), nanos: 0 }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!session.session_id.is_empty());

    // The registration travelled as an event to reporting, read back through the gateway too.
    let mut reporting = ReportingServiceClient::new(channel.clone());
    let counted = wait_until(std::time::Duration::from_secs(20), || {
        let mut reporting = reporting.clone();
        async move {
            reporting
                .get_connectivity_report(GetConnectivityReportRequest { region_code: "KZ-AKM".into() })
                .await
                .is_ok_and(|r| r.into_inner().total.is_some_and(|t| t.schools == 1 && t.offline == 1))
        }
    })
    .await;
    assert!(counted);

    // Bad input keeps its code and field details across the gateway.
    let status = reporting.get_connectivity_report(GetConnectivityReportRequest { region_code: "XX".into() }).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(qashyq_platform::error::field_violations(&status)[0].field, "region_code");
    mesh.stop().await.unwrap();
}

#[tokio::test]
async fn r_gw_3_calls_over_the_rate_limit_are_refused() {
    let mesh = Mesh::start().await.unwrap();
    let key = mesh.api_key("bilimal.kz", 5).await;
    let mut client = CatalogueServiceClient::new(mesh.gateway_channel(&key).await);
    let mut codes = Vec::new();
    for _ in 0..12 {
        codes.push(client.list_regions(ListRegionsRequest {}).await.map_or_else(|s| s.code(), |_| Code::Ok));
    }
    // At most 5 in any one second; 12 calls take well under two seconds here.
    let allowed = codes.iter().filter(|c| **c == Code::Ok).count();
    assert!((5..=10).contains(&allowed), "{codes:?}");
    assert!(codes.contains(&Code::ResourceExhausted), "{codes:?}");
    // The refusal says when to come back (GCRA: one emission interval, 200 ms at 5 a second).
    let refused = client.list_regions(ListRegionsRequest {}).await.unwrap_err();
    let retry = tonic_types::StatusExt::get_error_details(&refused).retry_info().and_then(|r| r.retry_delay).expect("a RetryInfo detail");
    assert!(retry > std::time::Duration::ZERO && retry <= std::time::Duration::from_millis(200), "{retry:?}");
    mesh.stop().await.unwrap();
}

#[tokio::test]
async fn r_gw_3_gateway_replicas_share_one_budget_through_redis() {
    let mesh = Mesh::start().await.unwrap();
    let second = qashyq_testkit::spawn::<qashyq_gateway::Gateway>(mesh.config.clone()).await.unwrap();
    let key = mesh.api_key("bilimal.kz", 5).await;
    let mut first_replica = CatalogueServiceClient::new(mesh.gateway_channel(&key).await);
    let mut second_replica = CatalogueServiceClient::new(qashyq_platform::grpc::client::BearerKey::new(Some(&key)).unwrap().on(second.channel().await));
    // The second replica has seen the caller; the first takes the whole burst.
    assert_eq!(burst(&mut second_replica, 1).await, [Code::Ok]);
    assert!(burst(&mut first_replica, 5).await.iter().filter(|c| **c == Code::Ok).count() >= 4);
    let spent = std::time::Instant::now();
    // After a flush or two (every 50 ms), the second replica knows the budget is spent. The
    // budget refills one call per 200 ms, so a slow machine may rightly allow one call per 200 ms
    // that passed; a replica keeping its own budget would allow all three.
    tokio::time::sleep(std::time::Duration::from_millis(120)).await;
    let codes = burst(&mut second_replica, 3).await;
    let refilled = (spent.elapsed().as_millis() / 200) as usize;
    let allowed = codes.iter().filter(|c| **c == Code::Ok).count();
    assert!(allowed <= refilled && allowed < 3, "one budget across replicas: {codes:?} after {:?}", spent.elapsed());
    second.stop().await.unwrap();
    mesh.stop().await.unwrap();
}

async fn burst(client: &mut CatalogueServiceClient<qashyq_e2e::AuthenticatedChannel>, calls: usize) -> Vec<Code> {
    let mut codes = Vec::new();
    for _ in 0..calls {
        codes.push(client.list_regions(ListRegionsRequest {}).await.map_or_else(|s| s.code(), |_| Code::Ok));
    }
    codes
}

#[tokio::test]
async fn r_gw_3_without_redis_each_gateway_limits_on_its_own_and_shares_again_after() {
    let redis_url = qashyq_testkit::test_config("postgres://unused").redis_url().to_owned();
    let (redis, proxied) = qashyq_testkit::FaultProxy::in_front_of(&redis_url).await.unwrap();
    let mesh = Mesh::start_with(|service, config| {
        if service == "gateway" {
            config.redis_url = proxied.clone().into();
        }
    })
    .await
    .unwrap();
    let key = mesh.api_key("kundelik.kz", 3).await;
    let mut client = CatalogueServiceClient::new(mesh.gateway_channel(&key).await);
    assert!(burst(&mut client, 10).await.contains(&Code::ResourceExhausted));

    // Redis away: the gateway keeps answering and goes on limiting on its own (each replica its
    // own budget; it says so in its log and metrics), never failing calls for want of Redis.
    redis.cut();
    let limited_alone = wait_until(std::time::Duration::from_secs(10), || {
        let mut client = client.clone();
        async move {
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
            let codes = burst(&mut client, 10).await;
            codes.contains(&Code::Ok) && codes.contains(&Code::ResourceExhausted) && codes.iter().all(|c| matches!(c, Code::Ok | Code::ResourceExhausted))
        }
    })
    .await;
    assert!(limited_alone);

    // Redis back: the connection is re-established and limits apply again.
    redis.restore();
    let limited_again = wait_until(std::time::Duration::from_secs(15), || {
        let mut client = client.clone();
        async move { burst(&mut client, 10).await.contains(&Code::ResourceExhausted) }
    })
    .await;
    assert!(limited_again);
    mesh.stop().await.unwrap();
}

#[tokio::test]
async fn r_gw_1_keys_are_stored_hashed_and_can_be_revoked() {
    let mesh = Mesh::start().await.unwrap();
    let created = qashyq_gateway::admin::create_api_key(&mesh.config, "mektep.edu.kz").await.unwrap();
    let pool = sqlx::PgPool::connect(mesh.db.url()).await.unwrap();
    let stored: Vec<u8> = sqlx::query_scalar("SELECT key_hash FROM gateway.api_keys WHERE key_id = $1").bind(created.key_id).fetch_one(&pool).await.unwrap();
    assert_eq!(stored, qashyq_gateway::keys::hash_key(&created.key));
    let anywhere: i64 = sqlx::query_scalar("SELECT count(*) FROM gateway.api_keys WHERE name = $1 OR encode(key_hash, 'escape') LIKE '%' || $1 || '%'")
        .bind(&created.key)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(anywhere, 0, "the key itself is stored nowhere");
    pool.close().await;

    // Revoked before its first use: refused at once (the 30 s cache only holds keys already seen).
    qashyq_gateway::admin::revoke_api_key(&mesh.config, created.key_id).await.unwrap();
    let status = CatalogueServiceClient::new(mesh.gateway_channel(&created.key).await).list_regions(ListRegionsRequest {}).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    mesh.stop().await.unwrap();
}
