//! R-RP-2, R-RP-4, R-GW-2 end to end: schools registered through the gateway reach reporting as
//! events; the Ministry reads every region, a regional observer its own only, and every one of
//! the observer's reads is audited, whether made over gRPC or as JSON/CSV over plain HTTP (one
//! guard behind both). An administrator rebuilds the projections through the gateway.

use std::time::Duration;

use qashyq_e2e::{Mesh, distance_school_request};
use qashyq_platform::principal::Role;
use qashyq_proto::{
    common::v1::LocalDate,
    gateway::v1::{ListAuditEntriesRequest, audit_service_client::AuditServiceClient},
    reporting::v1::{Level, QueryIndicatorRequest, RebuildProjectionsRequest, reporting_service_client::ReportingServiceClient},
    schedule::v1::{Connectivity, directory_service_client::DirectoryServiceClient},
};
use qashyq_testkit::wait_until;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::Code;

fn today() -> (LocalDate, String) {
    let today = chrono::Utc::now().date_naive();
    (qashyq_platform::time::to_local_date(today), today.to_string())
}

fn by_region(region: &str) -> QueryIndicatorRequest {
    QueryIndicatorRequest {
        indicator: "schools_distance".into(),
        level: Level::Region as i32,
        region_code: region.into(),
        week_from: Some(today().0),
        ..Default::default()
    }
}

/// A plain HTTP/1.1 GET, as a dashboard tool makes it: (status, content type, body).
async fn http_get(gateway_url: &str, path: &str, token: Option<&str>) -> (u16, String, String) {
    let address = gateway_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let authorization = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nAccept: */*\r\n{authorization}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let content_type = head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-type: ").map(str::to_owned)).unwrap_or_default();
    (status, content_type, body.to_owned())
}

#[tokio::test]
async fn r_rp_4_observers_read_their_region_only_over_grpc_and_plain_http_and_every_read_is_audited() {
    let mesh = Mesh::start().await.unwrap();
    let admin = mesh.api_key("setup", 10_000).await;
    let mut directory = DirectoryServiceClient::new(mesh.gateway_channel(&admin).await);
    directory.register_school(distance_school_request("KZ-ALA", "Школа-лицей № 1", Connectivity::Broadband)).await.unwrap();
    let akmola = directory.register_school(distance_school_request("KZ-AKM", "Школа № 7", Connectivity::None)).await.unwrap().into_inner().school_id;
    let ministry = mesh.person_token("ministry-1", Role::Ministry, None).await;
    let observer = mesh.person_token("observer-ala", Role::RegionalObserver, Some("KZ-ALA")).await;
    let before = prost_types::Timestamp::from(std::time::SystemTime::now() - Duration::from_secs(60));

    // The Ministry reads the whole country once both registrations arrived as events.
    let mut national = ReportingServiceClient::new(mesh.gateway_channel(&ministry).await);
    let both = wait_until(Duration::from_secs(20), || {
        let mut national = national.clone();
        async move { national.query_indicator(by_region("")).await.is_ok_and(|r| r.into_inner().values.len() == 2) }
    })
    .await;
    assert!(both);
    let country = national.query_indicator(QueryIndicatorRequest { level: Level::Country as i32, ..by_region("") }).await.unwrap().into_inner();
    assert_eq!((country.values[0].numerator, country.values[0].denominator), (2, 2));

    // The observer: its region, yes; another region, the country, another region's school, no.
    let mut regional = ReportingServiceClient::new(mesh.gateway_channel(&observer).await);
    let own = regional.query_indicator(by_region("KZ-ALA")).await.unwrap().into_inner();
    assert_eq!(own.values.iter().map(|v| (v.area.clone().unwrap().code, v.numerator)).collect::<Vec<_>>(), [("KZ-ALA".to_owned(), 1)]);
    for refused in [by_region("KZ-AKM"), by_region(""), QueryIndicatorRequest { level: Level::School as i32, school_id: akmola.clone(), ..by_region("") }] {
        assert_eq!(regional.query_indicator(refused).await.unwrap_err().code(), Code::PermissionDenied);
    }

    // The same reads as JSON and CSV over plain HTTP, with the same token.
    let gateway = mesh.gateway.url();
    let day = today().1;
    let path =
        |region: &str, format: &str| format!("/v1/reports/indicators/schools_distance?level=region&region_code={region}&week_from={day}&format={format}");
    let (status, content_type, body) = http_get(&gateway, &path("KZ-ALA", "json"), Some(&observer)).await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"), "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["values"][0]["area"]["code"], "KZ-ALA");
    assert_eq!((json["values"][0]["numerator"].as_i64(), json["values"][0]["value"].as_f64()), (Some(1), Some(1.0)));
    let (status, content_type, csv) = http_get(&gateway, &path("KZ-ALA", "csv"), Some(&observer)).await;
    assert_eq!((status, content_type.as_str()), (200, "text/csv; charset=utf-8"));
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("area_level,area_code,area_name,week,value,numerator,denominator"));
    assert!(lines.next().unwrap().starts_with("region,KZ-ALA,"), "{csv}");
    let (status, _, body) = http_get(&gateway, &path("KZ-AKM", "json"), Some(&observer)).await;
    assert_eq!(status, 403, "{body}");
    let (status, _, body) = http_get(&gateway, &path("KZ-ALA", "json"), None).await;
    assert_eq!(status, 401, "{body}");
    let (status, _, body) = http_get(&gateway, &format!("/v1/reports/indicators/happiness?week_from={day}"), Some(&ministry)).await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!((status, json["fields"][0]["field"].as_str()), (400, Some("indicator")), "{body}");
    let (status, _, body) = http_get(&gateway, "/v1/reports/indicators/absences?week_from=yesterday", Some(&ministry)).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.len() < 512 && body.contains("week_from"), "{body}");
    // The weekly report as a page for people, of the observer's region.
    let (status, content_type, html) = http_get(&gateway, &format!("/v1/reports/weekly/{day}?region_code=KZ-ALA&format=html"), Some(&observer)).await;
    assert_eq!((status, content_type.as_str()), (200, "text/html; charset=utf-8"));
    assert!(html.contains("<h1>Distance learning: weekly monitoring"), "{html}");
    let (status, _, _) = http_get(&gateway, &format!("/v1/reports/weekly/{day}?format=xlsx"), Some(&observer)).await;
    assert_eq!(status, 403, "an observer names its region");

    // Every read of the observer is in the audit log, over gRPC and over HTTP alike.
    let after = prost_types::Timestamp::from(std::time::SystemTime::now() + Duration::from_secs(60));
    let entries = AuditServiceClient::new(mesh.gateway_channel(&ministry).await)
        .list_audit_entries(ListAuditEntriesRequest { from: Some(before), to: Some(after), ..Default::default() })
        .await
        .unwrap()
        .into_inner()
        .entries;
    let methods: Vec<(&str, &str, i32)> = entries.iter().map(|e| (e.principal_name.as_str(), e.method.as_str(), e.code)).collect();
    let query = "/qashyq.reporting.v1.ReportingService/QueryIndicator";
    let export = "/qashyq.reporting.v1.ReportingService/ExportWeeklyReport";
    let denied = Code::PermissionDenied as i32;
    assert_eq!(
        methods,
        [
            ("observer-ala", query, 0),
            ("observer-ala", query, denied),
            ("observer-ala", query, denied),
            ("observer-ala", query, denied),
            ("observer-ala", query, 0),
            ("observer-ala", query, 0),
            ("observer-ala", query, denied),
            ("observer-ala", export, 0),
            ("observer-ala", export, denied),
        ]
    );

    // Rebuilding: administrators only.
    assert_eq!(regional.rebuild_projections(RebuildProjectionsRequest {}).await.unwrap_err().code(), Code::PermissionDenied);
    let rebuilt = ReportingServiceClient::new(mesh.gateway_channel(&admin).await).rebuild_projections(RebuildProjectionsRequest {}).await.unwrap().into_inner();
    assert!(rebuilt.events_replayed >= 2, "{rebuilt:?}");
    assert_eq!(national.query_indicator(by_region("")).await.unwrap().into_inner().values.len(), 2);
    mesh.stop().await.unwrap();
}

#[tokio::test]
async fn r_rp_2_hostile_values_unknown_ids_and_a_repeated_rebuild_through_the_gateway() {
    let mesh = Mesh::start().await.unwrap();
    let admin = mesh.api_key("setup", 10_000).await;
    let ministry = mesh.person_token("ministry-2", Role::Ministry, None).await;
    let mut reporting = ReportingServiceClient::new(mesh.gateway_channel(&ministry).await);
    let small_and_named = |status: tonic::Status, field: &str| {
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(qashyq_platform::error::encoded_size(&status) < 1024, "{} bytes", qashyq_platform::error::encoded_size(&status));
        assert_eq!(qashyq_platform::error::field_violations(&status)[0].field, field);
    };
    // A megabyte in a field.
    let megabyte = "x".repeat(1 << 20);
    let status = reporting.query_indicator(QueryIndicatorRequest { region_code: megabyte.clone(), ..by_region("") }).await.unwrap_err();
    small_and_named(status, "region_code");
    let status = reporting.query_indicator(QueryIndicatorRequest { indicator: megabyte, ..by_region("") }).await.unwrap_err();
    small_and_named(status, "indicator");
    // Unknown ids of the directory.
    let unknown = uuid::Uuid::now_v7().to_string();
    let status =
        reporting.query_indicator(QueryIndicatorRequest { level: Level::School as i32, school_id: unknown.clone(), ..by_region("") }).await.unwrap_err();
    small_and_named(status, "school_id");
    let status = reporting.query_indicator(QueryIndicatorRequest { level: Level::District as i32, district_id: unknown, ..by_region("") }).await.unwrap_err();
    small_and_named(status, "district_id");
    // An integrator reads no national reports.
    let scope = qashyq_platform::principal::Scope { regions: vec!["KZ-ALA".into()], ..Default::default() };
    let integrator = mesh.integrator_key("kundelik.kz", scope).await;
    let refused = ReportingServiceClient::new(mesh.gateway_channel(&integrator).await).query_indicator(by_region("KZ-ALA")).await.unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    // The same rebuild twice with one idempotency key: done once, the first answer replayed,
    // though an event arrived in between (a second rebuild would replay one more).
    let mut administration = ReportingServiceClient::new(mesh.gateway_channel(&admin).await);
    let keyed = || {
        let mut request = tonic::Request::new(RebuildProjectionsRequest {});
        request.metadata_mut().insert("idempotency-key", "rebuild-2020-04-20".parse().unwrap());
        request
    };
    let first = administration.rebuild_projections(keyed()).await.unwrap().into_inner();
    DirectoryServiceClient::new(mesh.gateway_channel(&admin).await)
        .register_school(distance_school_request("KZ-ALA", "Школа № 2", Connectivity::Broadband))
        .await
        .unwrap();
    let counted = wait_until(Duration::from_secs(20), || {
        let mut reporting = reporting.clone();
        async move { reporting.query_indicator(by_region("KZ-ALA")).await.is_ok_and(|r| r.into_inner().values.first().is_some_and(|v| v.numerator == 1)) }
    })
    .await;
    assert!(counted);
    let again = administration.rebuild_projections(keyed()).await.unwrap().into_inner();
    assert_eq!(first, again, "the retry is answered with the first answer");
    let fresh = administration.rebuild_projections(RebuildProjectionsRequest {}).await.unwrap().into_inner();
    assert_eq!(fresh.events_replayed, first.events_replayed + 1, "a new rebuild replays the new event too");
    mesh.stop().await.unwrap();
}
