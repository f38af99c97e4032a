//! The weekly report as one self-contained HTML page (no scripts, no outside resources): what
//! moved, the country's indicators, the regions', and charts of the main trends. Figures carry
//! `data-indicator` / `data-area` attributes so they can be read back by machine as well.

use std::fmt::Write;

use super::{display, display_previous, svg};
use crate::domain::{
    aggregate::Level,
    indicators::{DEFINITIONS, IndicatorId},
    report::WeeklyReport,
};

/// Escapes text for HTML and SVG.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The indicators the regions' table shows side by side.
const REGION_COLUMNS: [IndicatorId; 6] = [
    IndicatorId::SubmissionRate,
    IndicatorId::OnTimeRate,
    IndicatorId::FeedbackLatencyMedianMinutes,
    IndicatorId::Absences,
    IndicatorId::PupilsPaper,
    IndicatorId::TimetableAlignedClasses,
];

const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}\
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}td.value{text-align:right}figure{margin:1em 0}";

pub fn report(report: &WeeklyReport) -> String {
    let mut html = String::new();
    let title = format!("Distance learning: weekly monitoring, week of {}", report.week);
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>{STYLE}</style></head><body>\
         <h1>{t}</h1><p>Week of <time id=\"week\" datetime=\"{w}\">{w}</time>; generated {g}{kept}.</p>",
        t = escape(&title),
        w = report.week,
        g = report.generated_at.format("%Y-%m-%d %H:%M UTC"),
        kept = if report.kept { ", kept" } else { "; the week is still running" },
    );
    moved(&mut html, report);
    country(&mut html, report);
    regions(&mut html, report);
    charts(&mut html, report);
    html.push_str("<h2>Definitions</h2><dl>");
    for d in DEFINITIONS {
        let _ = write!(html, "<dt>{}</dt><dd>{}</dd>", escape(d.title), escape(d.definition));
    }
    html.push_str("</dl></body></html>");
    html
}

fn moved(html: &mut String, report: &WeeklyReport) {
    html.push_str("<h2>Moved most since the week before</h2>");
    if report.document.movements.is_empty() {
        html.push_str("<p id=\"movements\">Nothing to compare with the week before.</p>");
        return;
    }
    html.push_str("<table id=\"movements\"><tr><th>Area</th><th>Indicator</th><th>Week before</th><th>This week</th></tr>");
    for m in &report.document.movements {
        let _ = write!(
            html,
            "<tr data-indicator=\"{}\" data-area=\"{}\"><td>{}</td><td>{}</td><td class=\"value\">{}</td><td class=\"value\">{}</td></tr>",
            m.indicator.name(),
            escape(&m.area_code),
            escape(if m.area_name.is_empty() { &m.area_code } else { &m.area_name }),
            escape(m.indicator.definition().title),
            display(m.indicator, m.previous_value),
            display(m.indicator, m.value)
        );
    }
    html.push_str("</table>");
}

fn country(html: &mut String, report: &WeeklyReport) {
    let rows: Vec<_> = report.rows.iter().filter(|r| r.level == Level::Country).collect();
    if rows.is_empty() {
        return;
    }
    html.push_str("<h2>Country</h2><table id=\"country\"><tr><th>Indicator</th><th>This week</th><th>Week before</th><th>Counted</th></tr>");
    for d in DEFINITIONS {
        let Some(row) = rows.iter().find(|r| r.indicator == d.id) else { continue };
        let _ = write!(
            html,
            "<tr data-indicator=\"{}\" data-area=\"\"><td>{}</td><td class=\"value\">{}</td><td class=\"value\">{}</td><td class=\"value\">{} / {}</td></tr>",
            d.name,
            escape(d.title),
            display(d.id, row.value),
            display_previous(row),
            row.numerator,
            row.denominator
        );
    }
    html.push_str("</table>");
}

fn regions(html: &mut String, report: &WeeklyReport) {
    let mut regions: Vec<(&str, &str)> =
        report.rows.iter().filter(|r| r.level == Level::Region).map(|r| (r.area_code.as_str(), r.area_name.as_str())).collect();
    regions.sort();
    regions.dedup();
    if regions.is_empty() {
        return;
    }
    html.push_str("<h2>Regions</h2><table id=\"regions\"><tr><th>Region</th>");
    for id in REGION_COLUMNS {
        let _ = write!(html, "<th>{}</th>", escape(id.definition().title));
    }
    html.push_str("</tr>");
    for (code, name) in regions {
        let _ = write!(html, "<tr data-area=\"{}\"><td>{}</td>", escape(code), escape(name));
        for id in REGION_COLUMNS {
            match report.value(Level::Region, code, id) {
                Some(row) => {
                    let _ = write!(html, "<td class=\"value\" data-indicator=\"{}\">{}</td>", id.name(), display(id, row.value));
                }
                None => html.push_str("<td class=\"value\">–</td>"),
            }
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
}

fn charts(html: &mut String, report: &WeeklyReport) {
    html.push_str("<h2>Trends</h2>");
    for trend in &report.document.trends {
        if trend.series.is_empty() {
            continue;
        }
        let id = trend.indicator;
        let title = format!("{} by {} over the weeks", id.definition().title, trend.level.as_str());
        let chart = svg::lines(&format!("chart-{}-{}", id.name(), trend.level.as_str()), &title, &trend.series, &|v| display(id, v));
        let _ = write!(html, "<figure>{chart}</figure>");
    }
    let delivery = [IndicatorId::PupilsBroadband, IndicatorId::PupilsTvOnly, IndicatorId::PupilsPaper];
    let bars: Vec<(String, f64)> = delivery
        .iter()
        .filter_map(|id| {
            report.rows.iter().find(|r| r.indicator == *id && matches!(r.level, Level::Country)).map(|r| (id.definition().title.to_owned(), r.value))
        })
        .collect();
    let bars = if bars.is_empty() {
        // A region's report has no country row: its region's shares.
        delivery
            .iter()
            .filter_map(|id| report.rows.iter().find(|r| r.indicator == *id && r.level == Level::Region).map(|r| (id.definition().title.to_owned(), r.value)))
            .collect()
    } else {
        bars
    };
    if !bars.is_empty() {
        let chart = svg::bars("chart-delivery", "Pupils by delivery category", &bars, &|v| format!("{:.1} %", v * 100.0));
        let _ = write!(html, "<figure>{chart}</figure>");
    }
}
