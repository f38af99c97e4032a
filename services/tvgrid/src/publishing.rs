//! Publishing a stored version (R-TV-6): the domain's rules applied to the stored documents, and
//! the changes as the service records them.

use chrono::{DateTime, NaiveDate, Utc};
use qashyq_platform::ApiError;
use serde::{Deserialize, Serialize};

use crate::{
    domain::{
        documents::GridDocuments,
        placement::AirWindow,
        publication::{Change, changes, effective_from},
    },
    import::read_stored,
};

/// One change a publication made, as stored with it (JSON) and shown by the API and the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRecord {
    /// "day", "holiday-added", "holiday-removed", "first-day", "last-day".
    pub kind: String,
    /// "kk" or "ru", for a day's change.
    pub language: Option<String>,
    pub grade: i32,
    pub weekday: String,
    /// Subject codes in order (a day), or the date (the others).
    pub before: Vec<String>,
    pub after: Vec<String>,
    pub description: String,
}

/// What publishing a version does.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// It airs nothing different from the version in effect (the same documents imported again):
    /// the publication in effect stands.
    Unchanged,
    /// A new publication, in effect from the date, with its changes.
    Publish(NaiveDate, Vec<ChangeRecord>),
}

/// Decides when `new` takes effect in place of `old` (none: the campaign's first publication)
/// at `now`, and what changes.
pub fn decide(old: Option<&GridDocuments>, new: &GridDocuments, now: DateTime<Utc>) -> Result<Decision, ApiError> {
    let new = read_stored(new)?;
    let old = old.map(read_stored).transpose()?;
    let found = match &old {
        Some(old) => changes(&old.grid, &old.campaign, &new.grid, &new.campaign),
        None => Vec::new(),
    };
    if old.is_some() && found.is_empty() {
        return Ok(Decision::Unchanged);
    }
    let from = effective_from(old.as_ref().map(|o| &o.campaign), &new.campaign, now, &AirWindow::TV_LESSONS)
        .map_err(|e| ApiError::FailedPrecondition(e.to_string()))?;
    Ok(Decision::Publish(from, found.iter().map(record).collect()))
}

fn record(change: &Change) -> ChangeRecord {
    let dated = |kind: &str, before: Option<NaiveDate>, after: Option<NaiveDate>, description: String| ChangeRecord {
        kind: kind.to_owned(),
        language: None,
        grade: 0,
        weekday: String::new(),
        before: before.map(|d| d.to_string()).into_iter().collect(),
        after: after.map(|d| d.to_string()).into_iter().collect(),
        description,
    };
    match change {
        Change::Day { language, grade, weekday, before, after } => ChangeRecord {
            kind: "day".to_owned(),
            language: Some(language.code().to_owned()),
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
