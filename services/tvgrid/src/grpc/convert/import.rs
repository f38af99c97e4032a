//! A campaign's documents in the API's terms: an import request read into the service's own
//! documents and the domain's reading of them (bad rows become `INVALID_ARGUMENT` with the
//! request's field paths, `grid[12].subjects[1]`), and a validation report and figures as answers.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use qashyq_platform::{ApiError, FieldViolation, time::to_timestamp, validate::Violations};
use qashyq_proto::tvgrid::v1 as pb;

use crate::domain::{
    documents::{CampaignSpec, GridDocuments, ImportedGrid},
    figures::CampaignFigures,
    placement::Campaign,
    sources::{AiredRow, GridRow, HoursEntry, HoursRow, ReadingRow, SourceError},
    validation::{Finding, ValidationReport},
};

/// The code the domain's reading expects; anything else is reported there as an unknown language.
fn language_code(raw: i32) -> String {
    match qashyq_platform::language::from_proto(raw) {
        Ok(Some(language)) => language.code().to_owned(),
        _ => format!("language #{raw}"),
    }
}

fn campaign(v: &mut Violations, request: Option<&pb::Campaign>) -> Option<Campaign> {
    let Some(spec) = request else {
        v.add("campaign", "is required");
        return None;
    };
    let name = v.text("campaign.name", &spec.name, 100).map(str::to_owned);
    let first = v.local_date("campaign.first_day", spec.first_day.as_ref());
    let last = v.local_date("campaign.last_day", spec.last_day.as_ref());
    if let (Some(first), Some(last)) = (first, last)
        && first > last
    {
        v.add("campaign.last_day", format!("{last} is before the first day {first}"));
    }
    let holidays: BTreeSet<NaiveDate> =
        spec.holidays.iter().enumerate().filter_map(|(i, d)| v.local_date(&format!("campaign.holidays[{i}]"), Some(d))).collect();
    let planned = |n: i32, field: &str, v: &mut Violations| {
        let value = u32::try_from(n).ok();
        if value.is_none() {
            v.add(field, "must not be negative");
        }
        value
    };
    let planned_lessons = planned(spec.planned_lessons, "campaign.planned_lessons", v).filter(|n| *n > 0);
    let planned_lessons_per_grade =
        spec.planned_lessons_per_grade.iter().enumerate().filter_map(|(i, n)| planned(*n, &format!("campaign.planned_lessons_per_grade[{i}]"), v)).collect();
    Some(Campaign { name: name?, first_day: first?, last_day: last?, holidays, planned_lessons, planned_lessons_per_grade })
}

/// Maps the domain's row errors onto the request's fields.
fn violations(errors: Vec<SourceError>, aired_rows: usize) -> Vec<FieldViolation> {
    errors
        .into_iter()
        .map(|e| {
            // Rows count from 1; row 0 would be the whole document (not produced from a request).
            let index = e.row.saturating_sub(1);
            let prefix = match e.document {
                "grid" => format!("grid[{index}]"),
                "aired_subjects" if e.row > aired_rows => format!("readings[{}]", e.row - aired_rows - 1),
                "aired_subjects" => format!("aired_subjects[{index}]"),
                _ => format!("weekly_hours[{index}]"),
            };
            FieldViolation::new(format!("{prefix}.{}", e.field), e.message)
        })
        .collect()
}

/// Bounds of an import's lists (R-GW-5), as the `.proto` documents them: two languages, grades
/// 0–12 and five weekdays give at most 130 days of grid, 26 aired-subject and weekly-hours rows.
const MAX_GRID_DAYS: usize = 200;
const MAX_SUBJECTS_A_DAY: usize = 36;
const MAX_ROWS: usize = 100;
const MAX_SUBJECTS_A_ROW: usize = 60;
const MAX_READINGS: usize = 100;
const MAX_HOLIDAYS: usize = 366;
const MAX_GRADES: usize = 13;

/// Checks every list of the request against its bound; false when one is over.
fn within_bounds(v: &mut Violations, request: &pb::ImportGridRequest) -> bool {
    let mut ok = v.at_most("grid", request.grid.len(), MAX_GRID_DAYS)
        & v.at_most("aired_subjects", request.aired_subjects.len(), MAX_ROWS)
        & v.at_most("readings", request.readings.len(), MAX_READINGS)
        & v.at_most("weekly_hours", request.weekly_hours.len(), MAX_ROWS);
    if let Some(campaign) = &request.campaign {
        ok &= v.at_most("campaign.holidays", campaign.holidays.len(), MAX_HOLIDAYS)
            & v.at_most("campaign.planned_lessons_per_grade", campaign.planned_lessons_per_grade.len(), MAX_GRADES);
    }
    if !ok {
        return false;
    }
    for (i, day) in request.grid.iter().enumerate() {
        ok &= v.at_most(&format!("grid[{i}].subjects"), day.subjects.len(), MAX_SUBJECTS_A_DAY);
    }
    for (i, row) in request.aired_subjects.iter().enumerate() {
        ok &= v.at_most(&format!("aired_subjects[{i}].subjects"), row.subjects.len(), MAX_SUBJECTS_A_ROW);
    }
    for (i, reading) in request.readings.iter().enumerate() {
        ok &= v.at_most(&format!("readings[{i}].grades"), reading.grades.len(), MAX_GRADES);
    }
    for (i, row) in request.weekly_hours.iter().enumerate() {
        ok &= v.at_most(&format!("weekly_hours[{i}].hours"), row.hours.len(), MAX_SUBJECTS_A_ROW);
    }
    ok
}

/// The documents of a request, in the service's own terms (what it stores), rows as written.
fn documents_of(request: &pb::ImportGridRequest, campaign: CampaignSpec) -> GridDocuments {
    GridDocuments {
        campaign,
        grid: request
            .grid
            .iter()
            .map(|d| GridRow { language: language_code(d.language), grade: d.grade.into(), weekday: d.weekday.clone(), subjects: d.subjects.clone() })
            .collect(),
        aired: request
            .aired_subjects
            .iter()
            .map(|a| AiredRow { language: language_code(a.language), grade: a.grade.into(), subjects: a.subjects.clone() })
            .collect(),
        readings: request
            .readings
            .iter()
            .map(|r| ReadingRow { grades: r.grades.iter().map(|g| i64::from(*g)).collect(), written: r.written.clone(), read_as: r.read_as.clone() })
            .collect(),
        hours: request
            .weekly_hours
            .iter()
            .map(|h| HoursRow {
                language: language_code(h.language),
                grade: h.grade.into(),
                hours: h.hours.iter().map(|e| HoursEntry { subject: e.subject.clone(), per_week: e.per_week.into() }).collect(),
            })
            .collect(),
    }
}

/// An import to make: the documents read, as the domain reads them and as stored, and who imports.
pub struct ImportCommand {
    pub imported: ImportedGrid,
    pub documents: GridDocuments,
    pub imported_by: String,
}

/// Reads an import request: every bad field and row at once.
pub fn read_request(request: &pb::ImportGridRequest) -> Result<ImportCommand, ApiError> {
    let mut v = Violations::new();
    let campaign = campaign(&mut v, request.campaign.as_ref());
    let imported_by = v.text("imported_by", &request.imported_by, 200).map(str::to_owned);
    if request.grid.is_empty() {
        v.add("grid", "at least one day is required");
    }
    if !within_bounds(&mut v, request) {
        return Err(v.refuse());
    }
    let spec = campaign.as_ref().map(CampaignSpec::of);
    let placeholder = CampaignSpec {
        name: String::new(),
        first_day: NaiveDate::MIN,
        last_day: NaiveDate::MIN,
        holidays: vec![],
        planned_lessons: None,
        planned_lessons_per_grade: vec![],
    };
    let documents = documents_of(request, spec.unwrap_or(placeholder));
    let read = documents.read();
    let mut all = match v.finish() {
        Ok(()) => Vec::new(),
        Err(ApiError::InvalidArgument(list)) => list,
        Err(other) => return Err(other),
    };
    let read = match read {
        Ok(read) => Some(read),
        Err(errors) => {
            all.extend(violations(errors, documents.aired.len()));
            None
        }
    };
    if !all.is_empty() {
        return Err(ApiError::InvalidArgument(all));
    }
    let (campaign, ImportedGrid { grid, aired, hours, .. }, imported_by) = Violations::new().values((campaign, read, imported_by))?;
    Ok(ImportCommand { imported: ImportedGrid { campaign, grid, aired, hours }, documents, imported_by })
}

/// A version's validation report, with who imported it when.
pub fn report_to_proto(campaign: &str, version: i64, report: &ValidationReport, imported_by: String, imported_at: DateTime<Utc>) -> pb::ValidationReport {
    let (findings, notes) = findings_to_proto(report);
    pb::ValidationReport { campaign: campaign.to_owned(), version, findings, notes, imported_at: Some(to_timestamp(imported_at)), imported_by }
}

fn findings_to_proto(report: &ValidationReport) -> (Vec<pb::Finding>, Vec<String>) {
    let findings = report
        .findings
        .iter()
        .map(|f| {
            let mut out = pb::Finding { rule: f.rule().to_owned(), description: f.describe(), ..Default::default() };
            match f {
                Finding::HoursMismatch { language, grade, subject, aired_per_week, planned_per_week } => {
                    out.language = qashyq_platform::language::to_proto(*language);
                    out.grade = grade.value().into();
                    out.subject = subject.clone();
                    out.aired_per_week = *aired_per_week as i32;
                    out.planned_per_week = *planned_per_week as i32;
                }
                Finding::AiredButNotListed { language, grade, subject, weekdays } => {
                    out.language = qashyq_platform::language::to_proto(*language);
                    out.grade = grade.value().into();
                    out.subject = subject.clone();
                    out.weekdays = weekdays.iter().map(|d| d.code().to_owned()).collect();
                }
                Finding::ListedButNotAired { language, grade, subject } => {
                    out.language = qashyq_platform::language::to_proto(*language);
                    out.grade = grade.value().into();
                    out.subject = subject.clone();
                }
                Finding::DayOverflow { language, weekday, lessons, .. } => {
                    out.language = qashyq_platform::language::to_proto(*language);
                    out.weekdays = vec![weekday.code().to_owned()];
                    out.aired_per_week = *lessons as i32;
                }
            }
            out
        })
        .collect();
    (findings, report.notes.clone())
}

pub fn figures_to_proto(campaign: String, version: i64, figures: &CampaignFigures) -> pb::CampaignFigures {
    let grades = figures
        .per_grade
        .iter()
        .map(|g| pb::GradeFigures {
            grade: g.grade.value().into(),
            kazakh_medium: g.kazakh_medium as i32,
            russian_medium: g.russian_medium as i32,
            total: g.total() as i32,
            planned: g.planned.unwrap_or(0) as i32,
        })
        .collect();
    pb::CampaignFigures {
        campaign,
        version,
        school_days: figures.school_days as i32,
        grades,
        total: figures.total() as i32,
        planned_total: figures.planned_total.unwrap_or(0) as i32,
        explanation: figures.explanation.clone(),
    }
}
