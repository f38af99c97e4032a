//! A campaign's documents as imported (R-TV-4): the campaign's dates and the rows of the grid,
//! of the subjects aired per grade (annex 1, with its readings) and of the weekly hours (annex 3),
//! in the words of the documents. This is what the service stores of an import, as JSON of these
//! types (its own, not the API's); the grid, the validation report and the placement are read
//! from it again whenever needed.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    figures::{CampaignFigures, campaign_figures},
    placement::{AirWindow, Campaign},
    sources::{AiredRow, AiredSubjects, GridRow, HoursRow, ReadingRow, SourceError, WeeklyGrid, WeeklyHours, aired_from_rows, grid_from_rows, hours_from_rows},
    validation::{ValidationReport, validate},
};

/// A campaign's dates, holidays and planned lesson counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignSpec {
    pub name: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub holidays: Vec<NaiveDate>,
    pub planned_lessons: Option<u32>,
    pub planned_lessons_per_grade: Vec<u32>,
}

impl CampaignSpec {
    pub fn of(campaign: &Campaign) -> Self {
        Self {
            name: campaign.name.clone(),
            first_day: campaign.first_day,
            last_day: campaign.last_day,
            holidays: campaign.holidays.iter().copied().collect(),
            planned_lessons: campaign.planned_lessons,
            planned_lessons_per_grade: campaign.planned_lessons_per_grade.clone(),
        }
    }

    pub fn campaign(&self) -> Campaign {
        Campaign {
            name: self.name.clone(),
            first_day: self.first_day,
            last_day: self.last_day,
            holidays: self.holidays.iter().copied().collect::<BTreeSet<_>>(),
            planned_lessons: self.planned_lessons,
            planned_lessons_per_grade: self.planned_lessons_per_grade.clone(),
        }
    }
}

/// A campaign's documents, as imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridDocuments {
    pub campaign: CampaignSpec,
    pub grid: Vec<GridRow>,
    pub aired: Vec<AiredRow>,
    pub readings: Vec<ReadingRow>,
    pub hours: Vec<HoursRow>,
}

/// The documents read: everything the domain needs.
pub struct ImportedGrid {
    pub campaign: Campaign,
    pub grid: WeeklyGrid,
    pub aired: AiredSubjects,
    pub hours: WeeklyHours,
}

impl ImportedGrid {
    pub fn report(&self) -> ValidationReport {
        validate(&self.grid, &self.aired, &self.hours, &AirWindow::TV_LESSONS)
    }

    pub fn figures(&self) -> CampaignFigures {
        campaign_figures(&self.grid, &self.campaign)
    }
}

impl GridDocuments {
    /// Reads the documents; the errors of every document, by row, when they do not read.
    pub fn read(&self) -> Result<ImportedGrid, Vec<SourceError>> {
        let mut errors = Vec::new();
        let grid = grid_from_rows(&self.grid).map_err(|e| errors.extend(e)).ok();
        let aired = aired_from_rows(&self.aired, &self.readings).map_err(|e| errors.extend(e)).ok();
        let hours = hours_from_rows(&self.hours).map_err(|e| errors.extend(e)).ok();
        match (grid, aired, hours) {
            (Some(grid), Some(aired), Some(hours)) if errors.is_empty() => Ok(ImportedGrid { campaign: self.campaign.campaign(), grid, aired, hours }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sources::{rows_from_toml, spring_2020};

    #[test]
    fn r_tv_4_the_2020_documents_survive_their_stored_form() {
        let rows = rows_from_toml(spring_2020::GRID, spring_2020::AIRED_SUBJECTS, spring_2020::WEEKLY_HOURS).unwrap();
        let campaign = Campaign::read(spring_2020::CAMPAIGN).unwrap();
        let documents = GridDocuments { campaign: CampaignSpec::of(&campaign), grid: rows.grid, aired: rows.aired, readings: rows.readings, hours: rows.hours };
        let stored = serde_json::to_string(&documents).unwrap();
        let back: GridDocuments = serde_json::from_str(&stored).unwrap();
        assert_eq!(back, documents);
        let read = back.read().unwrap();
        assert_eq!(read.campaign, campaign);
        assert_eq!(read.report().findings.len(), 31, "the 2020 findings (R-TV-4)");
    }
}
