//! Charts as inline SVG: lines over weeks and bars. Written here rather than with `plotters`,
//! whose text layout needs font files at run time (the service's image has none) for what is a
//! few dozen elements of geometry; the page stays self-contained and renders the same anywhere.

use std::fmt::Write;

use super::html::escape;
use crate::domain::report::Series;

const WIDTH: f64 = 800.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 280.0;
const TOP: f64 = 36.0;
const BOTTOM: f64 = 40.0;
/// Twenty colours: one a region.
const COLOURS: [&str; 20] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896",
    "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
];

fn open(id: &str, title: &str) -> String {
    format!(
        "<svg id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{t}\">\
         <title>{t}</title><text x=\"{LEFT}\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{t}</text>",
        t = escape(title)
    )
}

fn axis(svg: &mut String, y_max: f64, format: &dyn Fn(f64) -> String) {
    let plot_h = HEIGHT - TOP - BOTTOM;
    for step in 0..=4 {
        let value = y_max * f64::from(step) / 4.0;
        let y = TOP + plot_h - plot_h * f64::from(step) / 4.0;
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            escape(&format(value))
        );
    }
}

/// Lines over weeks, one per series (at most twenty, the country's regions), with a legend.
pub fn lines(id: &str, title: &str, series: &[Series], format: &dyn Fn(f64) -> String) -> String {
    let mut svg = open(id, title);
    let weeks: std::collections::BTreeSet<_> = series.iter().flat_map(|s| s.points.iter().map(|(w, _)| *w)).collect();
    let weeks: Vec<_> = weeks.into_iter().collect();
    let y_max = nice(series.iter().flat_map(|s| s.points.iter().map(|(_, v)| *v)).fold(0.0_f64, f64::max));
    axis(&mut svg, y_max, format);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x_of = |i: usize| LEFT + if weeks.len() > 1 { plot_w * i as f64 / (weeks.len() - 1) as f64 } else { plot_w / 2.0 };
    for (i, week) in weeks.iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            x_of(i),
            HEIGHT - BOTTOM + 16.0,
            week.format("%d.%m")
        );
    }
    for (n, s) in series.iter().take(COLOURS.len()).enumerate() {
        let colour = COLOURS[n];
        let points: Vec<String> = s
            .points
            .iter()
            .filter_map(|(w, v)| weeks.iter().position(|x| x == w).map(|i| format!("{:.1},{:.1}", x_of(i), TOP + plot_h - plot_h * v / y_max)))
            .collect();
        let _ = write!(svg, "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>", points.join(" "));
        let last = s.points.last().map_or(0.0, |(_, v)| *v);
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" data-series=\"{}\">{} {}</text>",
            WIDTH - RIGHT + 12.0,
            TOP + 16.0 * n as f64,
            WIDTH - RIGHT + 26.0,
            TOP + 9.0 + 16.0 * n as f64,
            escape(&s.area_code),
            escape(&s.area_name),
            escape(&format(last))
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Bars with their values written above them.
pub fn bars(id: &str, title: &str, bars: &[(String, f64)], format: &dyn Fn(f64) -> String) -> String {
    let mut svg = open(id, title);
    let y_max = nice(bars.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max));
    axis(&mut svg, y_max, format);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / bars.len().max(1) as f64;
    for (i, (label, value)) in bars.iter().enumerate() {
        let h = plot_h * value / y_max;
        let x = LEFT + slot * i as f64 + slot * 0.2;
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" data-bar=\"{}\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            TOP + plot_h - h,
            slot * 0.6,
            COLOURS[i % COLOURS.len()],
            x + slot * 0.3,
            TOP + plot_h - h - 4.0,
            escape(label),
            escape(&format(*value)),
            x + slot * 0.3,
            HEIGHT - BOTTOM + 16.0,
            escape(label)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A round top for an axis: 1, 2 or 5 times a power of ten; 1 for nothing above zero.
fn nice(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|top| *top >= max).unwrap_or(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(nice(0.67), 1.0);
        assert_eq!(nice(130.0), 200.0);
        assert_eq!(nice(4.0), 5.0);
        assert_eq!(nice(0.0), 1.0);
    }
}
