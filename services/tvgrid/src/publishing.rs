//! Publishing a stored version (R-TV-6): the domain's rules applied to the stored requests, and
//! the changes as the API returns them.

use chrono::{DateTime, NaiveDate, Utc};
use qashyq_platform::ApiError;
use qashyq_proto::tvgrid::v1 as pb;

use crate::{
    domain::{
        placement::AirWindow,
        publication::{Change, changes, effective_from},
    },
    import::read_request,
};

/// What publishing a version does.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// It airs nothing different from the version in effect (the same documents imported again):
    /// the publication in effect stands.
    Unchanged,
    /// A new publication, in effect from the date, with its changes.
    Publish(NaiveDate, Vec<pb::GridChange>),
}

/// Decides when `new` takes effect in place of `old` (none: the campaign's first publication)
/// at `now`, and what changes.
pub fn decide(old: Option<&pb::ImportGridRequest>, new: &pb::ImportGridRequest, now: DateTime<Utc>) -> Result<Decision, ApiError> {
    let new = read_request(new)?;
    let old = old.map(read_request).transpose()?;
    let found = match &old {
        Some(old) => changes(&old.grid, &old.campaign, &new.grid, &new.campaign),
        None => Vec::new(),
    };
    if old.is_some() && found.is_empty() {
        return Ok(Decision::Unchanged);
    }
    let from = effective_from(old.as_ref().map(|o| &o.campaign), &new.campaign, now, &AirWindow::TV_LESSONS)
        .map_err(|e| ApiError::FailedPrecondition(e.to_string()))?;
    Ok(Decision::Publish(from, found.iter().map(change_to_proto).collect()))
}

fn change_to_proto(change: &Change) -> pb::GridChange {
    let dated = |kind: &str, before: Option<NaiveDate>, after: Option<NaiveDate>, description: String| pb::GridChange {
        kind: kind.to_owned(),
        before: before.map(|d| d.to_string()).into_iter().collect(),
        after: after.map(|d| d.to_string()).into_iter().collect(),
        description,
        ..Default::default()
    };
    match change {
        Change::Day { language, grade, weekday, before, after } => pb::GridChange {
            kind: "day".to_owned(),
            language: qashyq_platform::language::to_proto(*language),
            grade: grade.value().into(),
            weekday: weekday.code().to_owned(),
            before: before.clone(),
            after: after.clone(),
            description: format!(
                "{language} grade {} on {weekday}: [{}] → [{}]",
                grade.value(),
                before.join(", "),
                after.join(", ")
            ),
        },
        Change::HolidayAdded(date) => dated("holiday-added", None, Some(*date), format!("{date} is a holiday")),
        Change::HolidayRemoved(date) => dated("holiday-removed", Some(*date), None, format!("{date} is no longer a holiday")),
        Change::FirstDay { before, after } => dated("first-day", Some(*before), Some(*after), format!("first day {before} → {after}")),
        Change::LastDay { before, after } => dated("last-day", Some(*before), Some(*after), format!("last day {before} → {after}")),
    }
}
