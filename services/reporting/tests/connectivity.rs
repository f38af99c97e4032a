//! R-RP-2, R-RP-3: schools by connectivity, built only from SchoolRegistered events published on
//! the service's exchange (as the schedule service's relay does); the same event twice counts
//! once; a class this version does not know is counted among the schools; a region filter reads
//! one region; a bad one is refused by field.

use std::time::Duration;

use prost::Message;
use qashyq_platform::{error::field_violations, events::new_envelope};
use qashyq_proto::{
    reporting::v1::{ConnectivityReport, GetConnectivityReportRequest, reporting_service_client::ReportingServiceClient},
    schedule::events::v1::SchoolRegistered,
};
use qashyq_reporting::Reporting;
use qashyq_testkit::{TestDatabase, spawn, test_config, wait_until};

fn registered(region: &str, connectivity: &str) -> SchoolRegistered {
    SchoolRegistered {
        school_id: uuid::Uuid::now_v7().to_string(),
        region_code: region.into(),
        name: "School".into(),
        connectivity: connectivity.into(),
        learning_mode: "distance".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn r_rp_3_schools_are_counted_by_connectivity_from_events_only() {
    let db = TestDatabase::create().await.unwrap();
    let config = test_config(db.url());
    let service = spawn::<Reporting>(config.clone()).await.unwrap();
    let client = ReportingServiceClient::new(service.channel().await);

    let events = [registered("KZ-AKM", "broadband"), registered("KZ-AKM", "none"), registered("KZ-ALA", "slow"), registered("KZ-ALA", "satellite")];
    let mut envelopes: Vec<_> = events.iter().map(|e| new_envelope("schedule", &e.school_id, e)).collect();
    // A redelivery of the first event (same event id), its payload altered: applied once, the
    // alteration never seen (the school stays counted in Akmola, not in Almaty city).
    let mut redelivered = envelopes[0].clone();
    let altered = SchoolRegistered { region_code: "KZ-ALA".into(), ..events[0].clone() };
    redelivered.payload = Some(prost_types::Any { type_url: redelivered.payload.unwrap().type_url, value: altered.encode_to_vec() });
    envelopes.push(redelivered);
    qashyq_testkit::publish_envelopes(&config, &envelopes).await.unwrap();
    let report = |region: &str| {
        let mut client = client.clone();
        let request = GetConnectivityReportRequest { region_code: region.into() };
        async move { client.get_connectivity_report(request).await.map(|r| r.into_inner()) }
    };
    let counted = wait_until(Duration::from_secs(15), || async { report("").await.unwrap().total.map(|t| t.schools) == Some(4) }).await;
    assert!(counted, "{:?}", report("").await);
    let ConnectivityReport { regions, total } = report("").await.unwrap();
    let total = total.unwrap();
    assert_eq!((total.schools, total.broadband, total.slow, total.offline), (4, 1, 1, 1), "the unknown class counts as a school only");
    assert_eq!(regions.iter().map(|r| (r.region_code.as_str(), r.schools)).collect::<Vec<_>>(), [("KZ-AKM", 2), ("KZ-ALA", 2)]);
    let akmola = report("KZ-AKM").await.unwrap();
    assert_eq!((akmola.regions.len(), akmola.total.unwrap().schools), (1, 2));

    let bad = report("KZ-XX").await.unwrap_err();
    assert_eq!(bad.code(), tonic::Code::InvalidArgument);
    assert_eq!(field_violations(&bad)[0].field, "region_code");
    service.stop().await.unwrap();
}
