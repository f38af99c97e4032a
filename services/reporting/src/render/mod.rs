//! The weekly report for people (R-RP-4): CSV, an XLSX workbook, a self-contained HTML page
//! with SVG charts. Each renders a [`crate::domain::report::WeeklyReport`] and nothing else.

pub mod csv;
pub mod html;
pub mod svg;
pub mod xlsx;

use crate::domain::{
    indicators::{IndicatorId, Unit},
    report::ReportRow,
};

/// A value as people read it: a share in per cent, a count, minutes.
pub fn display(indicator: IndicatorId, value: f64) -> String {
    match indicator.definition().unit {
        Unit::Share => format!("{:.1} %", value * 100.0),
        Unit::Count => format!("{value:.0}"),
        Unit::Minutes if value < 120.0 => format!("{value:.0} min"),
        Unit::Minutes if value < 2880.0 => format!("{:.1} h", value / 60.0),
        Unit::Minutes => format!("{:.1} days", value / 1440.0),
    }
}

/// The week before's value as people read it, or a dash.
pub fn display_previous(row: &ReportRow) -> String {
    row.previous_value.map_or_else(|| "–".to_owned(), |v| display(row.indicator, v))
}
