//! Files attached to work and homework (R-AS-3): scans, photos, documents, recordings. The real
//! type is read from the bytes (the `infer` crate's signatures), never trusted from the name or
//! the caller's word.

/// The largest attachment, in bytes (25 MiB: a phone photo of a page is a few MiB; a PDF of a
/// whole exercise book is rarely more).
pub const MAX_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;
/// Bytes read before the type is decided.
pub const SNIFF_BYTES: usize = 8192;
pub const MAX_FILE_NAME_CHARS: usize = 255;

/// The types accepted.
pub const MEDIA_TYPES: [&str; 8] = ["image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf", "audio/mpeg", "audio/mp4", "video/mp4"];

/// The media type of `head` (the file's first bytes), if it is one accepted.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    let kind = infer::get(head)?;
    let mime = match kind.mime_type() {
        // `infer` names M4A audio "audio/m4a"; the registered type is audio/mp4.
        "audio/m4a" => "audio/mp4",
        "image/heif" => "image/heic",
        other => other,
    };
    MEDIA_TYPES.into_iter().find(|m| *m == mime)
}

/// A file name as given, if it is a plain name (no path, no control characters).
pub fn is_plain_file_name(name: &str) -> bool {
    !name.trim().is_empty()
        && name.chars().count() <= MAX_FILE_NAME_CHARS
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control)
        && name != "."
        && name != ".."
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: uuid::Uuid,
    pub school_id: uuid::Uuid,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub blob_key: String,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_as_3_the_type_is_read_from_the_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), Some("image/png"));
        assert_eq!(sniff(b"%PDF-1.7\n%\xE2\xE3"), Some("application/pdf"));
        assert_eq!(sniff(b"MZ\x90\x00\x03\x00\x00\x00"), None, "a Windows executable");
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(sniff(b""), None);
        assert!(is_plain_file_name("скан 1.jpg") && !is_plain_file_name("../etc/passwd") && !is_plain_file_name("a\nb"));
    }
}
