//! R-CV-1 over gRPC.

use qashyq_platform::error::field_violations;
use qashyq_proto::content::v1::{ContentKind, InspectAtomicFileRequest, content_service_client::ContentServiceClient};
use qashyq_testkit::BareServer;

#[tokio::test]
async fn r_cv_1_reads_the_format_from_the_bytes() {
    // The checks store nothing: served without a database.
    let service = BareServer::start(qashyq_content::routes()).await.unwrap();
    let mut client = ContentServiceClient::new(service.channel().await);

    let gif = client
        .inspect_atomic_file(InspectAtomicFileRequest {
            file_name: "a.gif".into(),
            size_bytes: 10,
            head: b"GIF89a\x01\x00\x01\x00".to_vec(),
            duration_seconds: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(gif.accepted);
    assert_eq!((gif.detected_format.as_str(), gif.kind), ("gif", ContentKind::Image as i32));

    let disguised = client
        .inspect_atomic_file(InspectAtomicFileRequest { file_name: "lesson.mp4".into(), size_bytes: 4, head: b"MZ\x90\x00".to_vec(), duration_seconds: 0 })
        .await
        .unwrap()
        .into_inner();
    assert!(!disguised.accepted);
    assert_eq!(disguised.findings[0].rule, "R-CV-1/format");

    let status = client.inspect_atomic_file(InspectAtomicFileRequest::default()).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    let fields: Vec<_> = field_violations(&status).into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["file_name", "head", "size_bytes"]);
    drop(service);
}
