//! R-TV-8: lessons of a campaign per grade and in total, public holidays excluded, compared
//! with what the concept planned, and the difference explained.

use std::collections::BTreeMap;

use qashyq_catalogue::{Grade, Language};

use super::{placement::Campaign, sources::WeeklyGrid};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeFigures {
    pub grade: Grade,
    pub kazakh_medium: u32,
    pub russian_medium: u32,
    pub planned: Option<u32>,
}

impl GradeFigures {
    pub fn total(&self) -> u32 {
        self.kazakh_medium + self.russian_medium
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignFigures {
    pub school_days: u32,
    pub per_grade: Vec<GradeFigures>,
    pub planned_total: Option<u32>,
    /// Why the count differs from the plan, one line each.
    pub explanation: Vec<String>,
}

impl CampaignFigures {
    pub fn total(&self) -> u32 {
        self.per_grade.iter().map(GradeFigures::total).sum()
    }

    pub fn per_language(&self, language: Language) -> u32 {
        self.per_grade.iter().map(|g| if language == Language::Kk { g.kazakh_medium } else { g.russian_medium }).sum()
    }
}

/// Counts the TV lessons (each lesson once, though it also airs on radio) of every school day.
pub fn campaign_figures(grid: &WeeklyGrid, campaign: &Campaign) -> CampaignFigures {
    let mut counted: BTreeMap<(Grade, Language), u32> = BTreeMap::new();
    let mut school_days = 0;
    for (_, weekday) in campaign.school_days() {
        school_days += 1;
        for ((language, grade, day), subjects) in &grid.days {
            if *day == weekday {
                *counted.entry((*grade, *language)).or_default() += subjects.len() as u32;
            }
        }
    }
    let mut grades: Vec<Grade> = counted.keys().map(|(g, _)| *g).collect();
    grades.dedup();
    let per_grade: Vec<GradeFigures> = grades
        .into_iter()
        .map(|grade| GradeFigures {
            grade,
            kazakh_medium: counted.get(&(grade, Language::Kk)).copied().unwrap_or(0),
            russian_medium: counted.get(&(grade, Language::Ru)).copied().unwrap_or(0),
            planned: (grade.value() as usize).checked_sub(1).and_then(|i| campaign.planned_lessons_per_grade.get(i)).copied(),
        })
        .collect();
    let mut figures = CampaignFigures { school_days, per_grade, planned_total: campaign.planned_lessons, explanation: Vec::new() };
    figures.explanation = explain(&figures);
    figures
}

fn explain(figures: &CampaignFigures) -> Vec<String> {
    let Some(planned) = figures.planned_total else { return Vec::new() };
    let total = figures.total();
    if total == planned && figures.per_grade.iter().all(|g| g.planned.is_none_or(|p| p == g.total())) {
        return Vec::new();
    }
    let mut lines = vec![format!(
        "the grid airs {total} TV lessons on the campaign's {} school days ({} Kazakh-medium, {} Russian-medium); the concept plans {planned} ({:+})",
        figures.school_days,
        figures.per_language(Language::Kk),
        figures.per_language(Language::Ru),
        i64::from(total) - i64::from(planned),
    )];
    for g in &figures.per_grade {
        if let Some(p) = g.planned.filter(|p| *p != g.total()) {
            let one = if p == g.kazakh_medium { " (equal to one language's count)" } else { "" };
            lines.push(format!("grade {}: {} per language, {} for both; planned {p}{one}", g.grade.value(), g.kazakh_medium, g.total()));
        }
    }
    lines.push(
        "the plan's per-grade figures do not follow from annex 2 and the school days (neither per language nor for both); \
         the counts above are what the grid, the campaign dates and the public holidays give"
            .to_owned(),
    );
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sources::{read_grid, spring_2020};

    #[test]
    fn r_tv_8_counts_the_2020_campaign_and_explains_the_difference_from_2042() {
        let grid = read_grid(spring_2020::GRID).unwrap();
        let campaign = Campaign::read(spring_2020::CAMPAIGN).unwrap();
        let figures = campaign_figures(&grid, &campaign);
        assert_eq!(figures.school_days, 32);
        let per_language: Vec<u32> = figures.per_grade.iter().map(|g| g.kazakh_medium).collect();
        assert_eq!(per_language, [64, 77, 77, 77, 109, 109, 109, 109, 109, 141, 114]);
        assert!(figures.per_grade.iter().all(|g| g.kazakh_medium == g.russian_medium), "both grids air the same number of lessons");
        assert_eq!((figures.per_language(Language::Kk), figures.total()), (1095, 2190));
        assert_eq!(figures.planned_total, Some(2042));
        assert!(
            figures.explanation[0].contains("2190") && figures.explanation[0].contains("2042") && figures.explanation[0].contains("+148"),
            "{:?}",
            figures.explanation
        );
        assert!(figures.explanation.iter().any(|l| l.starts_with("grade 1: 64 per language, 128 for both; planned 168")), "{:?}", figures.explanation);
    }

    #[test]
    fn r_tv_8_holidays_are_not_counted() {
        let grid = read_grid(spring_2020::GRID).unwrap();
        let mut campaign = Campaign::read(spring_2020::CAMPAIGN).unwrap();
        let with_holidays = campaign_figures(&grid, &campaign).total();
        campaign.holidays.clear();
        let without = campaign_figures(&grid, &campaign).total();
        // 1 May (Fri, 33+33), 7 May (Thu, 35+35), 11 May (Mon, 34+34).
        assert_eq!(without - with_holidays, 204);
    }
}
