//! The only conversion between the content API's messages and domain types.

use qashyq_platform::{ApiError, validate::Violations};
use qashyq_proto::content::v1 as pb;

use crate::domain::atomic::{AtomicFile, AtomicReport, Kind};

/// Largest `head` accepted: the checks read at most the first few hundred bytes.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Characters of a file name.
const MAX_FILE_NAME_CHARS: usize = 255;

/// Reads a request into the file it describes, naming every bad field.
pub fn atomic_file(request: &pb::InspectAtomicFileRequest) -> Result<AtomicFile<'_>, ApiError> {
    let mut v = Violations::new();
    let file_name = v.text("file_name", &request.file_name, MAX_FILE_NAME_CHARS);
    if request.head.is_empty() {
        v.add("head", "is required: the first bytes of the file");
    } else if request.head.len() > MAX_HEAD_BYTES {
        v.add("head", format!("must be at most {MAX_HEAD_BYTES} bytes"));
    }
    if request.size_bytes == 0 {
        v.add("size_bytes", "must be positive");
    } else if usize::try_from(request.size_bytes).is_ok_and(|size| size < request.head.len()) {
        v.add("size_bytes", "is smaller than the bytes sent in head");
    }
    let file_name = v.values(file_name)?;
    Ok(AtomicFile { file_name, size_bytes: request.size_bytes, head: &request.head, duration_seconds: request.duration_seconds })
}

pub fn report_to_proto(report: AtomicReport) -> pb::AtomicFileReport {
    pb::AtomicFileReport {
        detected_format: report.format.map(|f| f.name().to_owned()).unwrap_or_default(),
        kind: match report.format.map(|f| f.kind()) {
            None => pb::ContentKind::Unspecified,
            Some(Kind::Image) => pb::ContentKind::Image,
            Some(Kind::Audio) => pb::ContentKind::Audio,
            Some(Kind::Video) => pb::ContentKind::Video,
        } as i32,
        accepted: report.findings.is_empty(),
        findings: report.findings.into_iter().map(|f| pb::Finding { rule: f.rule.to_owned(), message: f.message }).collect(),
    }
}
