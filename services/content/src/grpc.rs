//! `qashyq.content.v1.ContentService`.

use qashyq_platform::validate::Violations;
use qashyq_proto::content::v1::{self as pb, content_service_server::ContentService};
use tonic::{Request, Response, Status};

use crate::domain::atomic::{Kind, inspect_atomic};

/// Largest `head` accepted: the checks read at most the first few hundred bytes.
const MAX_HEAD_BYTES: usize = 64 * 1024;

pub struct ContentApi;

#[tonic::async_trait]
impl ContentService for ContentApi {
    async fn inspect_atomic_file(&self, request: Request<pb::InspectAtomicFileRequest>) -> Result<Response<pb::AtomicFileReport>, Status> {
        let request = request.into_inner();
        let mut v = Violations::new();
        v.text("file_name", &request.file_name, 255);
        if request.head.is_empty() {
            v.add("head", "is required: the first bytes of the file");
        } else if request.head.len() > MAX_HEAD_BYTES {
            v.add("head", format!("must be at most {MAX_HEAD_BYTES} bytes"));
        }
        if request.size_bytes == 0 {
            v.add("size_bytes", "must be positive");
        } else if (request.size_bytes as usize) < request.head.len() {
            v.add("size_bytes", "is smaller than the bytes sent in head");
        }
        v.finish()?;

        let report = inspect_atomic(&request.file_name, request.size_bytes, &request.head, request.duration_seconds);
        Ok(Response::new(pb::AtomicFileReport {
            detected_format: report.format.map(|f| f.name().to_owned()).unwrap_or_default(),
            kind: match report.format.map(|f| f.kind()) {
                None => pb::ContentKind::Unspecified,
                Some(Kind::Image) => pb::ContentKind::Image,
                Some(Kind::Audio) => pb::ContentKind::Audio,
                Some(Kind::Video) => pb::ContentKind::Video,
            } as i32,
            accepted: report.findings.is_empty(),
            findings: report.findings.into_iter().map(|f| pb::Finding { rule: f.rule.to_owned(), message: f.message }).collect(),
        }))
    }
}
