//! R-TV-6: publishing a grid version. A publication records what changed against the version it
//! replaces and the first day it is in effect. Days are never mixed: a day airs entirely from one
//! publication, and a day on which anything has aired keeps the publication it had, so airings
//! already in the past never change.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use qashyq_catalogue::BROADCAST_ZONE;
use qashyq_catalogue::{Grade, Language};

use serde::{Deserialize, Serialize};

use super::{
    Weekday,
    documents::GridDocuments,
    placement::{AirWindow, Campaign},
    sources::{SubjectCode, WeeklyGrid},
};

/// One difference between two versions of a campaign's grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A grade's lessons of a weekday, in order, before and after.
    Day {
        language: Language,
        grade: Grade,
        weekday: Weekday,
        before: Vec<SubjectCode>,
        after: Vec<SubjectCode>,
    },
    HolidayAdded(NaiveDate),
    HolidayRemoved(NaiveDate),
    FirstDay {
        before: NaiveDate,
        after: NaiveDate,
    },
    LastDay {
        before: NaiveDate,
        after: NaiveDate,
    },
}

/// What changes from (`old_grid`, `old_campaign`) to (`new_grid`, `new_campaign`), in a stable
/// order: campaign dates, holidays, then days by language, grade and weekday.
pub fn changes(old_grid: &WeeklyGrid, old_campaign: &Campaign, new_grid: &WeeklyGrid, new_campaign: &Campaign) -> Vec<Change> {
    let mut found = Vec::new();
    if old_campaign.first_day != new_campaign.first_day {
        found.push(Change::FirstDay { before: old_campaign.first_day, after: new_campaign.first_day });
    }
    if old_campaign.last_day != new_campaign.last_day {
        found.push(Change::LastDay { before: old_campaign.last_day, after: new_campaign.last_day });
    }
    found.extend(new_campaign.holidays.difference(&old_campaign.holidays).map(|d| Change::HolidayAdded(*d)));
    found.extend(old_campaign.holidays.difference(&new_campaign.holidays).map(|d| Change::HolidayRemoved(*d)));
    let keys: std::collections::BTreeSet<_> = old_grid.days.keys().chain(new_grid.days.keys()).collect();
    for key @ (language, grade, weekday) in keys {
        let before = old_grid.days.get(key).cloned().unwrap_or_default();
        let after = new_grid.days.get(key).cloned().unwrap_or_default();
        if before != after {
            found.push(Change::Day { language: *language, grade: *grade, weekday: *weekday, before, after });
        }
    }
    found
}

/// The first day on which nothing has aired at `now`: today while today's air window has not
/// opened in Almaty, otherwise tomorrow.
pub fn first_untouched_day(now: DateTime<Utc>, window: &AirWindow) -> NaiveDate {
    let local = now.with_timezone(&BROADCAST_ZONE);
    let today = local.date_naive();
    if local.time() < window.opens { today } else { today + Duration::days(1) }
}

/// Why a version cannot take effect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    #[error("every day of campaign {campaign:?} up to {last_day} has begun airing; past airings never change")]
    CampaignOver { campaign: String, last_day: NaiveDate },
}

/// The first day a publication is in effect. The first publication of a campaign covers all of
/// it: nothing of the campaign was on air before. A later one starts on the first untouched day,
/// which must still fall inside the old or the new campaign's dates.
pub fn effective_from(replaced: Option<&Campaign>, new_campaign: &Campaign, now: DateTime<Utc>, window: &AirWindow) -> Result<NaiveDate, PublishError> {
    let Some(old) = replaced else { return Ok(new_campaign.first_day) };
    let untouched = first_untouched_day(now, window);
    let last_day = old.last_day.max(new_campaign.last_day);
    if untouched > last_day {
        return Err(PublishError::CampaignOver { campaign: new_campaign.name.clone(), last_day });
    }
    Ok(untouched.max(old.first_day.min(new_campaign.first_day)))
}

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

impl ChangeRecord {
    /// The language of a day's change.
    pub fn language(&self) -> Option<Language> {
        self.language.as_deref().and_then(|code| code.parse().ok())
    }
}

/// One publication of a campaign (R-TV-6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub campaign: String,
    /// 1, 2, … per campaign.
    pub publication: i64,
    pub version: i64,
    /// The version it replaced (0 for the first publication).
    pub previous_version: i64,
    pub effective_from: NaiveDate,
    pub changes: Vec<ChangeRecord>,
    pub published_by: String,
    pub published_at: DateTime<Utc>,
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
pub fn decide(old: Option<&GridDocuments>, new: &GridDocuments, now: DateTime<Utc>) -> Result<Decision, DecideError> {
    let read = |documents: &GridDocuments| documents.read().map_err(|errors| DecideError::Unreadable(errors.len()));
    let new = read(new)?;
    let old = old.map(read).transpose()?;
    let found = match &old {
        Some(old) => changes(&old.grid, &old.campaign, &new.grid, &new.campaign),
        None => Vec::new(),
    };
    if old.is_some() && found.is_empty() {
        return Ok(Decision::Unchanged);
    }
    let from = effective_from(old.as_ref().map(|o| &o.campaign), &new.campaign, now, &AirWindow::TV_LESSONS)?;
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
            description: format!("{language} grade {} on {weekday}: [{}] → [{}]", grade.value(), before.join(", "), after.join(", ")),
        },
        Change::HolidayAdded(date) => dated("holiday-added", None, Some(*date), format!("{date} is a holiday")),
        Change::HolidayRemoved(date) => dated("holiday-removed", Some(*date), None, format!("{date} is no longer a holiday")),
        Change::FirstDay { before, after } => dated("first-day", Some(*before), Some(*after), format!("first day {before} → {after}")),
        Change::LastDay { before, after } => dated("last-day", Some(*before), Some(*after), format!("last day {before} → {after}")),
    }
}

/// Why deciding a publication failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecideError {
    /// Stored documents that no longer read: they were checked when imported, so the service's fault.
    #[error("stored documents do not read: {0} errors")]
    Unreadable(usize),
    #[error(transparent)]
    Refused(#[from] PublishError),
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::TimeZone;

    use super::*;
    use crate::domain::sources::{read_grid, spring_2020};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn campaign(first: NaiveDate, last: NaiveDate) -> Campaign {
        Campaign { name: "c".into(), first_day: first, last_day: last, holidays: BTreeSet::new(), planned_lessons: None, planned_lessons_per_grade: vec![] }
    }

    fn almaty(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        BROADCAST_ZONE.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap().with_timezone(&Utc)
    }

    #[test]
    fn r_tv_6_changes_name_each_day_and_date_that_differs() {
        let old_grid = read_grid(spring_2020::GRID).unwrap();
        let mut new_grid = old_grid.clone();
        let key = (Language::Ru, Grade::new(5).unwrap(), Weekday::Wed);
        new_grid.days.get_mut(&key).unwrap().reverse();
        let old = campaign(date(2026, 11, 2), date(2026, 12, 25));
        let mut new = campaign(date(2026, 11, 2), date(2026, 12, 24));
        new.holidays.insert(date(2026, 12, 16));
        let found = changes(&old_grid, &old, &new_grid, &new);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0], Change::LastDay { before: date(2026, 12, 25), after: date(2026, 12, 24) });
        assert_eq!(found[1], Change::HolidayAdded(date(2026, 12, 16)));
        assert!(
            matches!(&found[2], Change::Day { language: Language::Ru, weekday: Weekday::Wed, before, after, .. } if before.len() == after.len() && before != after)
        );
        assert!(changes(&old_grid, &old, &old_grid, &old).is_empty());
    }

    #[test]
    fn r_tv_6_a_day_that_has_begun_airing_keeps_its_publication() {
        let window = AirWindow::TV_LESSONS;
        assert_eq!(first_untouched_day(almaty(2026, 11, 23, 8, 59), &window), date(2026, 11, 23));
        assert_eq!(first_untouched_day(almaty(2026, 11, 23, 9, 0), &window), date(2026, 11, 23) + Duration::days(1));
        // Late evening UTC is already the next morning in Almaty.
        let utc_evening = Utc.with_ymd_and_hms(2026, 11, 23, 20, 0, 0).unwrap();
        assert_eq!(first_untouched_day(utc_evening, &window), date(2026, 11, 24));
    }

    #[test]
    fn r_tv_6_the_first_publication_covers_the_campaign_and_later_ones_only_the_future() {
        let window = AirWindow::TV_LESSONS;
        let running = campaign(date(2026, 11, 2), date(2026, 12, 25));
        let now = almaty(2026, 11, 23, 10, 0);
        assert_eq!(effective_from(None, &running, now, &window), Ok(date(2026, 11, 2)));
        assert_eq!(effective_from(Some(&running), &running, now, &window), Ok(date(2026, 11, 24)));
        // A campaign not yet begun changes from its first day.
        let later = campaign(date(2027, 1, 11), date(2027, 3, 19));
        assert_eq!(effective_from(Some(&later), &later, now, &window), Ok(date(2027, 1, 11)));
        // 2020 is over: nothing of it can change now.
        let spring = campaign(date(2020, 4, 6), date(2020, 5, 22));
        assert!(matches!(effective_from(Some(&spring), &spring, now, &window), Err(PublishError::CampaignOver { .. })));
    }
}
