//! XMLTV (http://xmltv.org, `xmltv.dtd`) for one or more channels.

use std::fmt::Write;

use quick_xml::escape::escape;

use super::{Programme, lesson_title};

/// Renders the channels' airings as an XMLTV document, programmes in time order per channel.
/// A lesson with an asset names its topic (`sub-title`) and teacher (`presenter`).
pub fn render(programmes: &[Programme<'_>], channel_ids: &[&str]) -> String {
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
        let mut channel: Vec<&Programme<'_>> = programmes.iter().filter(|p| p.airing.channel_id == *id).collect();
        channel.sort_by_key(|p| p.airing.starts);
        for programme in channel {
            let airing = programme.airing;
            let lang = airing.language.code();
            let _ = writeln!(
                out,
                "  <programme start=\"{}\" stop=\"{}\" channel=\"{}\">\n    <title lang=\"{lang}\">{}</title>",
                airing.starts.format("%Y%m%d%H%M%S %z"),
                airing.ends.format("%Y%m%d%H%M%S %z"),
                escape(airing.channel_id.as_str()),
                escape(lesson_title(airing.language, airing.grade, &airing.subject)),
            );
            // The DTD's order: title, sub-title, desc, credits, date, category.
            if !programme.topic.is_empty() {
                let _ = writeln!(out, "    <sub-title lang=\"{lang}\">{}</sub-title>", escape(programme.topic));
            }
            if !programme.teacher_name.is_empty() {
                let _ = writeln!(out, "    <credits>\n      <presenter>{}</presenter>\n    </credits>", escape(programme.teacher_name));
            }
            out.push_str("    <category lang=\"en\">Education</category>\n  </programme>\n");
        }
    }
    out.push_str("</tv>\n");
    out
}
