//! Traces cross service boundaries and leave over OTLP: one registration through the gateway
//! yields one trace in which the schedule service's span is the child of the gateway's (W3C
//! `traceparent` in gRPC metadata) and the reporting consumer's span belongs to the same trace
//! (`traceparent` carried by the outbox row and the RabbitMQ message headers). Spans reach a
//! fake OTLP collector. This binary holds a single test: it installs the process-wide subscriber.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use opentelemetry_proto::tonic::{
    collector::trace::v1::{
        ExportTraceServiceRequest, ExportTraceServiceResponse,
        trace_service_server::{TraceService, TraceServiceServer},
    },
    common::v1::any_value::Value,
    trace::v1::Span,
};
use qashyq_e2e::Mesh;
use qashyq_proto::schedule::v1::{Connectivity, LearningMode, RegisterSchoolRequest, directory_service_client::DirectoryServiceClient};
use qashyq_testkit::wait_until;

#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Vec<Span>>>);

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(&self, request: tonic::Request<ExportTraceServiceRequest>) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let spans = request.into_inner().resource_spans.into_iter().flat_map(|r| r.scope_spans).flat_map(|s| s.spans);
        self.0.lock().unwrap().extend(spans);
        Ok(tonic::Response::new(ExportTraceServiceResponse { partial_success: None }))
    }
}

fn attribute<'a>(span: &'a Span, key: &str) -> Option<&'a str> {
    span.attributes.iter().find(|kv| kv.key == key).and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
        Value::StringValue(s) => Some(s.as_str()),
        _ => None,
    })
}

#[tokio::test]
async fn w3c_trace_context_crosses_grpc_and_rabbitmq_and_spans_export_over_otlp() {
    let collector = Collector::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("127.0.0.1:{}", listener.local_addr().unwrap().port());
    let server = tonic::transport::Server::builder()
        .add_service(TraceServiceServer::new(collector.clone()))
        .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener));
    tokio::spawn(server);

    // SAFETY: the only test of this binary sets these before any other thread reads the environment.
    unsafe {
        // No scheme on purpose: the platform must not fall back to https.
        std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint);
        std::env::set_var("OTEL_BSP_SCHEDULE_DELAY", "100");
        std::env::set_var("RUST_LOG", "info");
    }
    let telemetry = qashyq_platform::telemetry::init("qashyq-e2e", qashyq_platform::config::LogFormat::Text).unwrap();

    let mesh = Mesh::start().await.unwrap();
    let key = mesh.api_key("mektep.edu.kz", 100).await;
    DirectoryServiceClient::new(mesh.gateway_channel(&key).await)
        .register_school(RegisterSchoolRequest {
            region_code: "KZ-PAV".into(),
            name: "Traced school".into(),
            connectivity: Connectivity::Broadband as i32,
            learning_mode: LearningMode::Distance as i32,
            ungraded_rural: false,
            district_id: String::new(),
        })
        .await
        .unwrap();

    let register = "/qashyq.schedule.v1.DirectoryService/RegisterSchool";
    let complete = wait_until(Duration::from_secs(30), || {
        let spans = collector.0.lock().unwrap().clone();
        async move {
            spans.iter().filter(|s| attribute(s, "rpc") == Some(register)).count() >= 2
                && spans.iter().any(|s| s.name == "consume_event" && attribute(s, "event_type") == Some("qashyq.schedule.events.v1.SchoolRegistered"))
        }
    })
    .await;
    let spans = collector.0.lock().unwrap().clone();
    assert!(complete, "spans received: {:?}", spans.iter().map(|s| &s.name).collect::<Vec<_>>());

    let calls: Vec<&Span> = spans.iter().filter(|s| attribute(s, "rpc") == Some(register)).collect();
    let gateway = calls.iter().find(|s| s.parent_span_id.is_empty()).expect("the gateway's span starts the trace");
    let schedule = calls.iter().find(|s| s.parent_span_id == gateway.span_id).expect("the schedule span is the gateway span's child");
    assert_eq!(schedule.trace_id, gateway.trace_id);
    let consumed = spans.iter().find(|s| s.name == "consume_event").unwrap();
    assert_eq!(consumed.trace_id, gateway.trace_id, "the event carried the trace through the outbox and RabbitMQ");
    assert!(!consumed.parent_span_id.is_empty());

    mesh.stop().await.unwrap();
    drop(telemetry);
}
