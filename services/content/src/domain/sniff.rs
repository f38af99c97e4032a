//! Reads a file's real format from its first bytes (R-CV-1: the name is not trusted).

/// Formats R-CV-1 accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtomicFormat {
    Jpeg,
    Png,
    Gif,
    Svg,
    Mp3,
    Wav,
    Mp4,
    Mov,
}

/// Returns the format the bytes are in, or `None` when they are none of the accepted ones.
pub fn sniff(head: &[u8]) -> Option<AtomicFormat> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(AtomicFormat::Jpeg);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(AtomicFormat::Png);
    }
    if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        return Some(AtomicFormat::Gif);
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        return Some(AtomicFormat::Wav);
    }
    if head.starts_with(b"ID3") || is_mpeg_audio_frame(head) {
        return Some(AtomicFormat::Mp3);
    }
    if let Some(format) = iso_media(head) {
        return Some(format);
    }
    if is_svg(head) {
        return Some(AtomicFormat::Svg);
    }
    None
}

/// An MPEG-1/2 Layer III frame header: 11 sync bits, a valid version and layer III.
fn is_mpeg_audio_frame(head: &[u8]) -> bool {
    head.len() >= 3 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0 && (head[1] >> 3) & 0b11 != 0b01 && (head[1] >> 1) & 0b11 == 0b01 && head[2] >> 4 != 0b1111
}

/// ISO base media (MP4) and QuickTime (MOV): an `ftyp` box names the brand; old QuickTime files
/// start with another top-level atom.
fn iso_media(head: &[u8]) -> Option<AtomicFormat> {
    if head.len() < 12 {
        return None;
    }
    match &head[4..8] {
        b"ftyp" => Some(if &head[8..12] == b"qt  " { AtomicFormat::Mov } else { AtomicFormat::Mp4 }),
        b"moov" | b"mdat" | b"wide" | b"free" | b"pnot" => Some(AtomicFormat::Mov),
        _ => None,
    }
}

/// SVG is XML text whose root element is `svg`.
fn is_svg(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if !text.starts_with('<') {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    lower.starts_with("<svg") || (lower.starts_with("<?xml") || lower.starts_with("<!--") || lower.starts_with("<!doctype svg")) && lower.contains("<svg")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_cv_1_recognises_each_format_from_bytes() {
        let cases: [(&[u8], AtomicFormat); 9] = [
            (b"\xFF\xD8\xFF\xE0\x00\x10JFIF", AtomicFormat::Jpeg),
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", AtomicFormat::Png),
            (b"GIF89a\x01\x00", AtomicFormat::Gif),
            (b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>", AtomicFormat::Svg),
            (b"ID3\x04\x00\x00\x00\x00\x00\x00", AtomicFormat::Mp3),
            (b"\xFF\xFB\x90\x64\x00", AtomicFormat::Mp3),
            (b"RIFF\x24\x08\x00\x00WAVEfmt ", AtomicFormat::Wav),
            (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", AtomicFormat::Mp4),
            (b"\x00\x00\x00\x14ftypqt  \x20\x05\x03\x00", AtomicFormat::Mov),
        ];
        for (bytes, expected) in cases {
            assert_eq!(sniff(bytes), Some(expected), "{expected:?}");
        }
    }

    #[test]
    fn other_bytes_are_no_accepted_format() {
        assert_eq!(sniff(b"MZ\x90\x00\x03"), None, "a Windows executable");
        assert_eq!(sniff(b"PK\x03\x04"), None, "a ZIP");
        assert_eq!(sniff(b"%PDF-1.7"), None);
        assert_eq!(sniff(b"<html><body>"), None);
        assert_eq!(sniff(b""), None);
    }
}
