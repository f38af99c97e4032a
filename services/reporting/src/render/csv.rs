//! The weekly report as CSV: one line per area and indicator, every level.

use crate::domain::report::WeeklyReport;

pub const HEADER: [&str; 10] = ["week", "level", "region_code", "area_code", "area_name", "indicator", "value", "numerator", "denominator", "previous_value"];

pub fn report(report: &WeeklyReport) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;
    let week = report.week.to_string();
    for row in &report.rows {
        writer.write_record([
            week.as_str(),
            row.level.as_str(),
            &row.region_code,
            &row.area_code,
            &row.area_name,
            row.indicator.name(),
            &row.value.to_string(),
            &row.numerator.to_string(),
            &row.denominator.to_string(),
            &row.previous_value.map(|v| v.to_string()).unwrap_or_default(),
        ])?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
