//! XMLTV (http://xmltv.org, `xmltv.dtd`) for one or more channels.

use std::fmt::Write;

use quick_xml::escape::escape;

use super::lesson_title;
use crate::domain::placement::Airing;

/// Renders the channels' airings as an XMLTV document, programmes in time order per channel.
pub fn render(airings: &[Airing], channel_ids: &[&str]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE tv SYSTEM \"xmltv.dtd\">\n");
    out.push_str("<tv source-info-name=\"Qashyq TV grid\" generator-info-name=\"qashyq-tvgrid\">\n");
    for id in channel_ids {
        let Some(channel) = qashyq_catalogue::catalogue().channel(id) else { continue };
        let lang = channel.language.code();
        let _ = writeln!(
            out,
            "  <channel id=\"{}\">\n    <display-name lang=\"{lang}\">{}</display-name>\n  </channel>",
            escape(channel.id.as_str()),
            escape(channel.name.as_str())
        );
    }
    for id in channel_ids {
        let mut programmes: Vec<&Airing> = airings.iter().filter(|a| a.channel_id == *id).collect();
        programmes.sort_by_key(|a| a.starts);
        for airing in programmes {
            let lang = airing.language.code();
            let _ = writeln!(
                out,
                "  <programme start=\"{}\" stop=\"{}\" channel=\"{}\">\n    <title lang=\"{lang}\">{}</title>\n    <category lang=\"en\">Education</category>\n  </programme>",
                airing.starts.format("%Y%m%d%H%M%S %z"),
                airing.ends.format("%Y%m%d%H%M%S %z"),
                escape(airing.channel_id.as_str()),
                escape(lesson_title(airing.language, airing.grade, &airing.subject)),
            );
        }
    }
    out.push_str("</tv>\n");
    out
}
