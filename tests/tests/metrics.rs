//! Metrics after real traffic (R-GW-3, qualities of every service): calls through the gateway,
//! a refused one, a rate-limited burst, and events from the schedule service to reporting; then
//! the services' admin ports are scraped as Prometheus would and the numbers the traffic caused
//! are found. Every metric the alert rules and the dashboard in `deploy/` name must be exported.

use std::{collections::BTreeSet, net::SocketAddr, time::Duration};

use qashyq_e2e::Mesh;
use qashyq_proto::schedule::v1::{
    Connectivity, GetSchoolRequest, ListRegionsRequest, catalogue_service_client::CatalogueServiceClient, directory_service_client::DirectoryServiceClient,
};
use qashyq_testkit::wait_until;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `GET /metrics` over plain HTTP/1.1, as a scraper sends it.
async fn scrape(admin: SocketAddr) -> String {
    let mut stream = tokio::net::TcpStream::connect(admin).await.unwrap();
    stream.write_all(format!("GET /metrics HTTP/1.1\r\nHost: {admin}\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{}", &response[..response.len().min(200)]);
    assert!(response.contains("text/plain"), "Prometheus text format");
    response
}

/// The value of the sample whose line starts with `series` (name and labels as exported).
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines().find(|line| line.starts_with(series)).and_then(|line| line.rsplit(' ').next()).and_then(|v| v.parse().ok())
}

/// Metric names (`qashyq_…`) a file mentions.
fn metric_names(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| word.starts_with("qashyq_") && word.len() > "qashyq_".len())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn metrics_are_scraped_after_traffic_with_the_numbers_it_caused() {
    let mesh = Mesh::start().await.unwrap();
    let key = mesh.api_key("kundelik.kz", 5).await;
    let channel = mesh.gateway_channel(&key).await;

    let mut catalogue = CatalogueServiceClient::new(channel.clone());
    let mut directory = DirectoryServiceClient::new(channel.clone());
    let school =
        directory.register_school(qashyq_e2e::distance_school_request("KZ-AKM", "Metrics school", Connectivity::Broadband)).await.unwrap().into_inner();
    catalogue.list_regions(ListRegionsRequest {}).await.unwrap();
    catalogue.list_regions(ListRegionsRequest {}).await.unwrap();
    let bad = directory.get_school(GetSchoolRequest { school_id: "not-a-uuid".into() }).await.unwrap_err();
    assert_eq!(bad.code(), tonic::Code::InvalidArgument);
    // Five calls a second: a burst of twenty is partly refused.
    let mut refused = 0;
    for _ in 0..20 {
        if catalogue.list_regions(ListRegionsRequest {}).await.is_err() {
            refused += 1;
        }
    }
    assert!(refused > 0);

    // The schedule service: its calls by code, its outbox drained (the SchoolRegistered event).
    let regions = r#"qashyq_rpc_calls_total{code="OK",rpc="/qashyq.schedule.v1.CatalogueService/ListRegions",service="schedule"}"#;
    let invalid = r#"qashyq_rpc_calls_total{code="INVALID_ARGUMENT",rpc="/qashyq.schedule.v1.DirectoryService/GetSchool",service="schedule"}"#;
    let registered = r#"qashyq_rpc_calls_total{code="OK",rpc="/qashyq.schedule.v1.DirectoryService/RegisterSchool",service="schedule"}"#;
    let schedule = scrape(mesh.schedule.admin).await;
    assert!(value(&schedule, regions).is_some_and(|n| n >= 2.0), "{schedule}");
    assert_eq!(value(&schedule, invalid), Some(1.0));
    assert_eq!(value(&schedule, registered), Some(1.0));
    assert!(
        schedule.contains(r#"qashyq_rpc_duration_seconds_bucket{rpc="/qashyq.schedule.v1.DirectoryService/RegisterSchool",service="schedule",le="+Inf"} 1"#)
    );
    let drained = wait_until(Duration::from_secs(15), || async {
        let text = scrape(mesh.schedule.admin).await;
        value(&text, r#"qashyq_outbox_backlog{service="schedule"}"#) == Some(0.0) && value(&text, r#"qashyq_db_pool_max{service="schedule"}"#) == Some(4.0)
    })
    .await;
    assert!(drained, "the sampler reports the drained outbox and the pool");

    // Reporting applied the event: consumed, with its lag.
    let applied = wait_until(Duration::from_secs(15), || async {
        let text = scrape(mesh.reporting.admin).await;
        value(&text, r#"qashyq_events_consumed_total{outcome="applied",service="reporting"}"#) == Some(1.0)
            && value(&text, r#"qashyq_events_lag_seconds_count{service="reporting"}"#) == Some(1.0)
    })
    .await;
    assert!(applied, "{}", scrape(mesh.reporting.admin).await);

    // An event reporting's queue receives but has no handler for (a binding left by an earlier
    // version): acknowledged, not dead-lettered, and counted.
    let connection = lapin::Connection::connect(mesh.config.amqp_url(), lapin::ConnectionProperties::default()).await.unwrap();
    let amqp = connection.create_channel().await.unwrap();
    let queue = qashyq_platform::events::Topology::new(mesh.config.events_exchange.clone(), true).queue("reporting");
    let stale = "qashyq.tvgrid.events.v1.GridPublished";
    amqp.queue_bind(queue.as_str().into(), mesh.config.events_exchange.as_str().into(), stale.into(), Default::default(), Default::default()).await.unwrap();
    let envelope = qashyq_platform::events::new_envelope("tvgrid", "2020-spring", &qashyq_proto::tvgrid::events::v1::GridPublished::default());
    let bytes = prost::Message::encode_to_vec(&envelope);
    amqp.basic_publish(mesh.config.events_exchange.as_str().into(), stale.into(), Default::default(), &bytes, Default::default()).await.unwrap().await.unwrap();
    let acknowledged = wait_until(Duration::from_secs(15), || async {
        let text = scrape(mesh.reporting.admin).await;
        value(&text, r#"qashyq_events_unhandled_total{event_type="qashyq.tvgrid.events.v1.GridPublished",service="reporting"}"#) == Some(1.0)
            && value(&text, r#"qashyq_events_consumed_total{outcome="applied",service="reporting"}"#) == Some(2.0)
    })
    .await;
    assert!(acknowledged, "{}", scrape(mesh.reporting.admin).await);
    let _ = connection.close(200, "done".into()).await;

    // The gateway: its refusals.
    let gateway = scrape(mesh.gateway.admin).await;
    assert_eq!(value(&gateway, r#"qashyq_gateway_rate_limited_total{service="gateway"}"#), Some(f64::from(refused)), "{gateway}");
    assert!(!school.school_id.is_empty());

    // Every metric the alert rules and the dashboard read is exported (services in this test run
    // in one process, so one scrape shows every service's series).
    let exported = metric_names(&scrape(mesh.schedule.admin).await);
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for file in ["deploy/prometheus/alerts.yaml", "deploy/grafana/qashyq-mesh.json"] {
        let named = metric_names(&std::fs::read_to_string(repo.join(file)).unwrap());
        assert!(named.len() >= 8, "{file}: {named:?}");
        let base = |name: &str| ["_bucket", "_count", "_sum"].iter().fold(name.to_owned(), |n, suffix| n.trim_end_matches(suffix).to_owned());
        let exported_bases: BTreeSet<String> = exported.iter().map(|n| base(n)).collect();
        let missing: Vec<_> = named.iter().filter(|n| !exported_bases.contains(&base(n))).collect();
        assert!(missing.is_empty(), "{file} names metrics nobody exports: {missing:?}");
    }
    mesh.stop().await.unwrap();
}
