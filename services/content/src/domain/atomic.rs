//! R-CV-1: atomic content (image, audio, video) — format from the bytes, size and duration limits.

pub use super::sniff::AtomicFormat;
use super::sniff::sniff;

const MIB: u64 = 1024 * 1024;
pub const MAX_IMAGE_BYTES: u64 = 100 * MIB;
pub const MAX_AUDIO_BYTES: u64 = 100 * MIB;
pub const MAX_VIDEO_BYTES: u64 = 200 * MIB;
pub const MAX_VIDEO_SECONDS: u32 = 10 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Image,
    Audio,
    Video,
}

impl AtomicFormat {
    pub fn kind(self) -> Kind {
        match self {
            AtomicFormat::Jpeg | AtomicFormat::Png | AtomicFormat::Gif | AtomicFormat::Svg => Kind::Image,
            AtomicFormat::Mp3 | AtomicFormat::Wav => Kind::Audio,
            AtomicFormat::Mp4 | AtomicFormat::Mov => Kind::Video,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AtomicFormat::Jpeg => "jpeg",
            AtomicFormat::Png => "png",
            AtomicFormat::Gif => "gif",
            AtomicFormat::Svg => "svg",
            AtomicFormat::Mp3 => "mp3",
            AtomicFormat::Wav => "wav",
            AtomicFormat::Mp4 => "mp4",
            AtomicFormat::Mov => "mov",
        }
    }

    /// File name extensions that honestly name this format.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            AtomicFormat::Jpeg => &["jpg", "jpeg"],
            AtomicFormat::Png => &["png"],
            AtomicFormat::Gif => &["gif"],
            AtomicFormat::Svg => &["svg"],
            AtomicFormat::Mp3 => &["mp3"],
            AtomicFormat::Wav => &["wav"],
            AtomicFormat::Mp4 => &["mp4"],
            AtomicFormat::Mov => &["mov"],
        }
    }
}

/// A file to check: its name, size, first bytes and (for audio and video) its duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtomicFile<'a> {
    pub file_name: &'a str,
    pub size_bytes: u64,
    pub head: &'a [u8],
    pub duration_seconds: u32,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtomicReport {
    pub format: Option<AtomicFormat>,
    pub findings: Vec<Finding>,
}

/// Checks an atomic file from its name, size, first bytes and (audio/video) duration.
pub fn inspect_atomic(file_name: &str, size_bytes: u64, head: &[u8], duration_seconds: u32) -> AtomicReport {
    let mut findings = Vec::new();
    let format = sniff(head);
    let extension = file_name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase());
    match format {
        None => findings.push(Finding { rule: "R-CV-1/format", message: "the bytes are not JPEG, PNG, SVG, GIF, MP3, WAV, MP4 or MOV".to_owned() }),
        Some(format) => {
            if !extension.as_deref().is_some_and(|ext| format.extensions().contains(&ext)) {
                findings.push(Finding {
                    rule: "R-CV-1/extension",
                    message: format!("the name {file_name:?} does not match its content, which is {}", format.name()),
                });
            }
            let (limit, label) = match format.kind() {
                Kind::Image => (MAX_IMAGE_BYTES, "an image"),
                Kind::Audio => (MAX_AUDIO_BYTES, "audio"),
                Kind::Video => (MAX_VIDEO_BYTES, "a video"),
            };
            if size_bytes > limit {
                findings.push(Finding { rule: "R-CV-1/size", message: format!("{label} may be at most {} MB, this file is {size_bytes} bytes", limit / MIB) });
            }
            if format.kind() == Kind::Video && duration_seconds > MAX_VIDEO_SECONDS {
                findings
                    .push(Finding { rule: "R-CV-1/duration", message: format!("a video may last at most 10 minutes, this one lasts {duration_seconds} s") });
            }
        }
    }
    AtomicReport { format, findings }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
    const MP4: &[u8] = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00";

    fn rules(report: &AtomicReport) -> Vec<&'static str> {
        report.findings.iter().map(|f| f.rule).collect()
    }

    #[test]
    fn r_cv_1_accepts_an_honest_file_within_limits() {
        let report = inspect_atomic("map.png", 3 * MIB, PNG, 0);
        assert_eq!(report.format, Some(AtomicFormat::Png));
        assert!(report.findings.is_empty());
        assert!(inspect_atomic("lesson.MP4", 200 * MIB, MP4, 600).findings.is_empty());
    }

    #[test]
    fn r_cv_1_the_name_is_not_trusted() {
        assert_eq!(rules(&inspect_atomic("photo.jpg", 1000, PNG, 0)), ["R-CV-1/extension"]);
        assert_eq!(rules(&inspect_atomic("virus.png", 1000, b"MZ\x90\x00", 0)), ["R-CV-1/format"]);
    }

    #[test]
    fn r_cv_1_limits_size_and_video_length() {
        assert_eq!(rules(&inspect_atomic("big.png", 100 * MIB + 1, PNG, 0)), ["R-CV-1/size"]);
        assert_eq!(rules(&inspect_atomic("long.mp4", 200 * MIB + 1, MP4, 601)), ["R-CV-1/size", "R-CV-1/duration"]);
    }
}
