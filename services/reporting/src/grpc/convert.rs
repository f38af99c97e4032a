//! The only conversion between the reporting API's messages and domain types.

use chrono::{Datelike, NaiveDate};
use qashyq_platform::{
    ApiError, paging,
    time::{to_local_date, to_timestamp},
    validate::Violations,
};
use qashyq_proto::{common::v1::Language, reporting::v1 as pb};

use crate::{
    app::{
        indicators::{AreaFilter, IndicatorPage, IndicatorQuery},
        reports::{Document, Format},
    },
    domain::{
        aggregate::Level,
        connectivity::{ConnectivityCounts, ConnectivityReport, RegionCode},
        indicators::{DEFINITIONS, Definition, IndicatorId},
        report::WeeklyReport,
        week,
    },
};

/// The channels work comes in through (the assignments service's words).
const CHANNELS: [&str; 5] = ["e_journal", "email", "aitu", "whatsapp", "paper"];

/// Reads the optional region filter (empty: the whole country).
pub fn region_filter(raw: &str) -> Result<Option<RegionCode>, ApiError> {
    let code = raw.trim();
    if code.is_empty() {
        return Ok(None);
    }
    let mut v = Violations::new();
    let region = v.region("region_code", code);
    Ok(Some(RegionCode(v.values(region)?.code.clone())))
}

fn counts_to_proto(region_code: String, counts: &ConnectivityCounts) -> pb::RegionConnectivity {
    pb::RegionConnectivity { region_code, schools: counts.schools, broadband: counts.broadband, slow: counts.slow, offline: counts.offline }
}

pub fn report_to_proto(report: &ConnectivityReport) -> pb::ConnectivityReport {
    pb::ConnectivityReport {
        regions: report.regions.iter().map(|(region, counts)| counts_to_proto(region.0.clone(), counts)).collect(),
        total: Some(counts_to_proto(String::new(), &report.total)),
    }
}

pub fn level_to_proto(level: Level) -> pb::Level {
    match level {
        Level::Country => pb::Level::Country,
        Level::Region => pb::Level::Region,
        Level::District => pb::Level::District,
        Level::School => pb::Level::School,
        Level::Teacher => pb::Level::Teacher,
    }
}

fn level_from_proto(level: pb::Level) -> Option<Level> {
    Some(match level {
        pb::Level::Unspecified => return None,
        pb::Level::Country => Level::Country,
        pb::Level::Region => Level::Region,
        pb::Level::District => Level::District,
        pb::Level::School => Level::School,
        pb::Level::Teacher => Level::Teacher,
    })
}

pub fn indicator_to_proto(d: &Definition) -> pb::Indicator {
    pb::Indicator {
        id: d.name.to_owned(),
        title: d.title.to_owned(),
        unit: d.unit.as_str().to_owned(),
        definition: d.definition.to_owned(),
        by_grade: d.breakdown.by_grade,
        by_channel: d.breakdown.by_channel,
        by_teacher: d.breakdown.by_teacher,
        by_area: d.breakdown.by_area,
    }
}

pub fn indicators_to_proto() -> pb::ListIndicatorsResponse {
    pb::ListIndicatorsResponse { indicators: DEFINITIONS.iter().map(indicator_to_proto).collect() }
}

/// An optional id filter: empty is none; otherwise a UUID.
fn id_filter(v: &mut Violations, field: &str, raw: &str) -> Option<String> {
    if raw.is_empty() {
        return None;
    }
    v.uuid(field, raw).map(|id| id.to_string())
}

/// Reads a week field: any day of it; its Monday. Weeks from 2000 to a year ahead: nothing was
/// reported before, and a report of the far future is a mistake.
fn week_of(v: &mut Violations, field: &str, date: Option<&qashyq_proto::common::v1::LocalDate>) -> Option<NaiveDate> {
    let date = v.local_date(field, date)?;
    let latest = qashyq_platform::clock::now().date_naive() + chrono::Days::new(366);
    if date.year() < 2000 || date > latest {
        v.add(field, format!("{date} is not a week from 2000 to a year from now"));
        return None;
    }
    Some(week::monday_of(date))
}

/// Reads a page request: its size (recorded when out of bounds) and token (refused when longer
/// than any token this service issues).
fn page(v: &mut Violations, page: Option<&qashyq_proto::common::v1::PageRequest>) -> (Option<u32>, String) {
    let page = page.cloned().unwrap_or_default();
    let size = match paging::page_size(page.page_size, "page.page_size") {
        Ok(size) => Some(size),
        Err(ApiError::InvalidArgument(violations)) => {
            for violation in violations {
                v.add(violation.field, violation.description);
            }
            None
        }
        Err(_) => None,
    };
    if page.page_token.len() > 4 * 1024 {
        v.add("page.page_token", "is not a token this service issued");
    }
    (size, page.page_token)
}

/// Reads a dashboard's query (every field named when it is wrong) and its page.
pub fn indicator_query(request: &pb::QueryIndicatorRequest) -> Result<(IndicatorQuery, u32, String), ApiError> {
    let mut v = Violations::new();
    let indicator = match request.indicator.as_str() {
        "" => {
            v.add("indicator", "is required (one of ListIndicators)");
            None
        }
        name => {
            let id = IndicatorId::parse(name);
            if id.is_none() {
                v.add("indicator", format!("{} is not an indicator (see ListIndicators)", qashyq_platform::error::quote(name)));
            }
            id
        }
    };
    let level = match pb::Level::try_from(request.level) {
        Ok(level) => Some(level_from_proto(level).unwrap_or(Level::Country)),
        Err(_) => {
            v.add("level", format!("{} is not a known value", request.level));
            None
        }
    };
    let named = [!request.region_code.is_empty(), !request.district_id.is_empty(), !request.school_id.is_empty()].iter().filter(|n| **n).count();
    if named > 1 {
        v.add("region_code", "give at most one of region_code, district_id and school_id");
    }
    let region = (!request.region_code.is_empty()).then(|| v.region("region_code", &request.region_code).map(|r| r.code.clone())).flatten();
    let district = id_filter(&mut v, "district_id", &request.district_id);
    let school = id_filter(&mut v, "school_id", &request.school_id);
    let area = match (region, district, school) {
        (Some(code), _, _) => AreaFilter::Region(code),
        (_, Some(id), _) => AreaFilter::District(id),
        (_, _, Some(id)) => AreaFilter::School(id),
        _ => AreaFilter::Country,
    };
    let from = week_of(&mut v, "week_from", request.week_from.as_ref());
    let to = match request.week_to.as_ref() {
        None => from,
        Some(date) => week_of(&mut v, "week_to", Some(date)),
    };
    let weeks = match (from, to) {
        (Some(from), Some(to)) => match week::range(from, to) {
            Ok(range) => Some(range),
            Err(problem) => {
                v.add("week_to", problem.to_string());
                None
            }
        },
        _ => None,
    };
    if !(0..=12).contains(&request.grade) {
        v.add("grade", format!("{} is not a grade (1–12, or 0 for every grade)", request.grade));
    }
    let language = match Language::try_from(request.language) {
        Ok(Language::Unspecified) => Some(None),
        Ok(Language::Kk) => Some(Some("kk".to_owned())),
        Ok(Language::Ru) => Some(Some("ru".to_owned())),
        Err(_) => {
            v.add("language", format!("{} is not a known value", request.language));
            None
        }
    };
    let channel = match request.channel.as_str() {
        "" => Some(None),
        c if CHANNELS.contains(&c) => Some(Some(c.to_owned())),
        c => {
            v.add("channel", format!("{} is not a channel ({})", qashyq_platform::error::quote(c), CHANNELS.join(", ")));
            None
        }
    };
    let (page_size, page_token) = page(&mut v, request.page.as_ref());
    let (indicator, level, (from, to), language, channel, page_size) = v.values((indicator, level, weeks, language, channel, page_size))?;
    let query = IndicatorQuery { indicator, level, area, from, to, grade: request.grade, language, channel };
    Ok((query, page_size, page_token))
}

pub fn indicator_page_to_proto(query: &IndicatorQuery, page: IndicatorPage) -> pb::QueryIndicatorResponse {
    pb::QueryIndicatorResponse {
        indicator: Some(indicator_to_proto(query.indicator.definition())),
        values: page
            .rows
            .into_iter()
            .map(|row| pb::IndicatorValue {
                area: Some(pb::Area { level: level_to_proto(row.area.level) as i32, code: row.area.code, name: row.area.name }),
                week: Some(to_local_date(row.value.week)),
                value: row.value.value,
                numerator: row.value.numerator,
                denominator: row.value.denominator,
            })
            .collect(),
        page: Some(qashyq_proto::common::v1::PageResponse { next_page_token: page.next_page_token }),
    }
}

/// A report request's week, region and levels.
pub struct ReportRequest {
    pub week: NaiveDate,
    pub region: Option<String>,
    pub levels: Vec<Level>,
}

fn report_scope(v: &mut Violations, week: Option<&qashyq_proto::common::v1::LocalDate>, region_code: &str) -> (Option<NaiveDate>, Option<Option<String>>) {
    let week = week_of(v, "week", week);
    let region = if region_code.is_empty() { Some(None) } else { v.region("region_code", region_code).map(|r| Some(r.code.clone())) };
    (week, region)
}

pub fn report_request(request: &pb::GetWeeklyReportRequest) -> Result<(ReportRequest, u32, String), ApiError> {
    let mut v = Violations::new();
    let (week, region) = report_scope(&mut v, request.week.as_ref(), &request.region_code);
    let level = match pb::Level::try_from(request.level) {
        Ok(pb::Level::Teacher) => {
            v.add("level", "a report has no rows per teacher (QueryIndicator has)");
            None
        }
        Ok(level) => Some(level_from_proto(level)),
        Err(_) => {
            v.add("level", format!("{} is not a known value", request.level));
            None
        }
    };
    let (page_size, page_token) = page(&mut v, request.page.as_ref());
    let (week, region, level, page_size) = v.values((week, region, level, page_size))?;
    let levels = match (level, &region) {
        (Some(level), _) => vec![level],
        (None, None) => vec![Level::Country, Level::Region],
        (None, Some(_)) => vec![Level::Region, Level::District],
    };
    Ok((ReportRequest { week, region, levels }, page_size, page_token))
}

pub fn export_request(request: &pb::ExportWeeklyReportRequest) -> Result<(NaiveDate, Option<String>, Format), ApiError> {
    let mut v = Violations::new();
    let (week, region) = report_scope(&mut v, request.week.as_ref(), &request.region_code);
    let format = match pb::DocumentFormat::try_from(request.format) {
        Ok(pb::DocumentFormat::Csv) => Some(Format::Csv),
        Ok(pb::DocumentFormat::Xlsx) => Some(Format::Xlsx),
        Ok(pb::DocumentFormat::Html) => Some(Format::Html),
        Ok(pb::DocumentFormat::Unspecified) => {
            v.add("format", "is required (CSV, XLSX or HTML)");
            None
        }
        Err(_) => {
            v.add("format", format!("{} is not a known value", request.format));
            None
        }
    };
    v.values((week, region, format))
}

pub fn weekly_report_to_proto(report: WeeklyReport, next_page_token: String) -> pb::WeeklyReport {
    let area = |level: Level, code: &str, name: &str| Some(pb::Area { level: level_to_proto(level) as i32, code: code.to_owned(), name: name.to_owned() });
    pb::WeeklyReport {
        week: Some(to_local_date(report.week)),
        generated_at: Some(to_timestamp(report.generated_at)),
        kept: report.kept,
        rows: report
            .rows
            .iter()
            .map(|r| pb::ReportRow {
                area: area(r.level, &r.area_code, &r.area_name),
                indicator: r.indicator.name().to_owned(),
                value: r.value,
                numerator: r.numerator,
                denominator: r.denominator,
                previous_value: r.previous_value.unwrap_or_default(),
                has_previous: r.previous_value.is_some(),
            })
            .collect(),
        movements: report
            .document
            .movements
            .iter()
            .map(|m| pb::Movement {
                area: area(m.level, &m.area_code, &m.area_name),
                indicator: m.indicator.name().to_owned(),
                previous_value: m.previous_value,
                value: m.value,
                change: m.change(),
            })
            .collect(),
        page: Some(qashyq_proto::common::v1::PageResponse { next_page_token }),
    }
}

pub fn document_to_proto(document: Document) -> pb::ExportedDocument {
    pb::ExportedDocument { content_type: document.content_type.to_owned(), file_name: document.file_name, content: document.content }
}
