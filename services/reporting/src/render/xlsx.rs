//! The weekly report as an XLSX workbook: one sheet per level (country, regions, districts,
//! schools) and one of the indicators' definitions.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::domain::{
    aggregate::Level,
    indicators::{DEFINITIONS, Unit},
    report::WeeklyReport,
};

const COLUMNS: [&str; 8] = ["Area code", "Area", "Indicator", "Value", "Week before", "Numerator", "Denominator", "Region"];

pub fn report(report: &WeeklyReport) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let share = Format::new().set_num_format("0.0%");
    let plain = Format::new().set_num_format("0");
    for level in Level::REPORTED {
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name(level))?;
        sheet.write_string_with_format(0, 0, format!("Week of {}", report.week), &bold)?;
        for (column, title) in COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(1, column as u16, *title, &bold)?;
        }
        let rows = report.rows.iter().filter(|r| r.level == level);
        for (i, row) in rows.enumerate() {
            let r = i as u32 + 2;
            let format = if row.indicator.definition().unit == Unit::Share { &share } else { &plain };
            sheet.write_string(r, 0, &row.area_code)?;
            sheet.write_string(r, 1, &row.area_name)?;
            sheet.write_string(r, 2, row.indicator.name())?;
            sheet.write_number_with_format(r, 3, row.value, format)?;
            if let Some(previous) = row.previous_value {
                sheet.write_number_with_format(r, 4, previous, format)?;
            }
            sheet.write_number(r, 5, row.numerator as f64)?;
            sheet.write_number(r, 6, row.denominator as f64)?;
            sheet.write_string(r, 7, &row.region_code)?;
        }
        sheet.set_column_width(1, 36)?;
        sheet.set_column_width(2, 34)?;
    }
    let sheet = workbook.add_worksheet();
    sheet.set_name("Definitions")?;
    for (i, definition) in DEFINITIONS.iter().enumerate() {
        sheet.write_string(i as u32, 0, definition.name)?;
        sheet.write_string(i as u32, 1, definition.title)?;
        sheet.write_string(i as u32, 2, definition.definition)?;
    }
    workbook.save_to_buffer()
}

pub fn sheet_name(level: Level) -> &'static str {
    match level {
        Level::Country => "Country",
        Level::Region => "Regions",
        Level::District => "Districts",
        Level::School => "Schools",
        Level::Teacher => "Teachers",
    }
}
