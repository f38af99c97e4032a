//! The weekly monitoring report (R-RP-1): every indicator per country, region, district and
//! school for one week beside the week before, the indicators that moved most, and the trends
//! its charts show. Once a week is over its report is kept as generated.

use chrono::{DateTime, NaiveDate, Utc};

use super::{aggregate::Level, indicators::IndicatorId};

/// Weeks of history a report's trends show.
pub const TREND_WEEKS: u64 = 8;
/// The most movements a report calls out.
pub const MAX_MOVEMENTS: usize = 10;

/// One indicator of one area in the report's week.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReportRow {
    pub level: Level,
    /// The region the area is in (empty for the country): what a regional observer may read.
    pub region_code: String,
    pub area_code: String,
    pub area_name: String,
    pub indicator: IndicatorId,
    pub value: f64,
    pub numerator: i64,
    pub denominator: i64,
    /// The same figure the week before, when there was one.
    pub previous_value: Option<f64>,
}

/// An indicator that moved since the week before.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Movement {
    pub level: Level,
    pub region_code: String,
    pub area_code: String,
    pub area_name: String,
    pub indicator: IndicatorId,
    pub previous_value: f64,
    pub value: f64,
}

impl Movement {
    pub fn change(&self) -> f64 {
        self.value - self.previous_value
    }

    /// The change relative to where it was: what "moved most" ranks by.
    fn relative(&self) -> f64 {
        (self.change() / self.previous_value).abs()
    }
}

/// One line of a chart: an area's values over the weeks.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Series {
    pub area_code: String,
    pub area_name: String,
    pub points: Vec<(NaiveDate, f64)>,
}

/// An indicator over the report's last weeks.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Trend {
    pub indicator: IndicatorId,
    pub level: Level,
    pub series: Vec<Series>,
}

/// What the report keeps besides its rows.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReportDocument {
    pub movements: Vec<Movement>,
    pub trends: Vec<Trend>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WeeklyReport {
    /// The Monday.
    pub week: NaiveDate,
    pub generated_at: DateTime<Utc>,
    /// Kept (the week is over) or generated for one answer (the week still runs).
    pub kept: bool,
    pub rows: Vec<ReportRow>,
    pub document: ReportDocument,
}

impl WeeklyReport {
    /// The report as a regional observer may read it: its region's rows, movements and trends.
    pub fn of_region(mut self, region_code: &str) -> Self {
        self.rows.retain(|r| r.region_code == region_code);
        // What moved most in the region: the region's and its districts' figures.
        self.document.movements = movements(&self.rows, &[Level::Region, Level::District]);
        for trend in &mut self.document.trends {
            if trend.level == Level::Region {
                trend.series.retain(|s| s.area_code == region_code);
            }
        }
        self.document.trends.retain(|t| t.level != Level::Country);
        self
    }

    /// The value of one indicator of one area.
    pub fn value(&self, level: Level, area_code: &str, indicator: IndicatorId) -> Option<&ReportRow> {
        self.rows.iter().find(|r| r.level == level && r.area_code == area_code && r.indicator == indicator)
    }
}

/// A figure of a kept report: (week, level, area code, area name, indicator, value).
pub type PastFigure = (NaiveDate, Level, String, String, IndicatorId, f64);

/// The report's trends: for each (indicator, level), a series per area of the kept reports'
/// figures of the weeks before and this week's.
pub fn trends(wanted: &[(IndicatorId, Level)], history: &[PastFigure], monday: NaiveDate, rows: &[ReportRow]) -> Vec<Trend> {
    wanted
        .iter()
        .map(|&(indicator, level)| {
            let mut by_area: std::collections::BTreeMap<&str, Series> = std::collections::BTreeMap::new();
            let past = history.iter().filter(|f| f.1 == level && f.4 == indicator && f.0 < monday).map(|f| (f.0, f.2.as_str(), f.3.as_str(), f.5));
            let now =
                rows.iter().filter(|r| r.level == level && r.indicator == indicator).map(|r| (monday, r.area_code.as_str(), r.area_name.as_str(), r.value));
            for (week, code, name, value) in past.chain(now) {
                let series = by_area.entry(code).or_insert_with(|| Series { area_code: code.to_owned(), area_name: name.to_owned(), points: Vec::new() });
                series.points.push((week, value));
            }
            let mut series: Vec<Series> = by_area.into_values().collect();
            for s in &mut series {
                s.points.sort_by_key(|(week, _)| *week);
            }
            Trend { indicator, level, series }
        })
        .collect()
}

/// The figures of `levels` that moved most since the week before, relative to where they were
/// (one that was 0 is not ranked: a start is not a movement; nor is a share of nothing this
/// week, a holiday).
pub fn movements(rows: &[ReportRow], levels: &[Level]) -> Vec<Movement> {
    let mut moved: Vec<Movement> = rows
        .iter()
        .filter(|r| levels.contains(&r.level))
        .filter(|r| !(r.indicator.definition().unit == super::indicators::Unit::Share && r.denominator == 0))
        .filter_map(|r| {
            let previous = r.previous_value.filter(|p| *p != 0.0)?;
            (previous != r.value).then(|| Movement {
                level: r.level,
                region_code: r.region_code.clone(),
                area_code: r.area_code.clone(),
                area_name: r.area_name.clone(),
                indicator: r.indicator,
                previous_value: previous,
                value: r.value,
            })
        })
        .collect();
    moved.sort_by(|a, b| b.relative().total_cmp(&a.relative()).then_with(|| (a.level, &a.area_code, a.indicator).cmp(&(b.level, &b.area_code, b.indicator))));
    moved.truncate(MAX_MOVEMENTS);
    moved
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(level: Level, area: &str, indicator: IndicatorId, previous: Option<f64>, value: f64) -> ReportRow {
        ReportRow {
            level,
            region_code: area.into(),
            area_code: area.into(),
            area_name: area.into(),
            indicator,
            value,
            numerator: 0,
            denominator: 10,
            previous_value: previous,
        }
    }

    #[test]
    fn r_rp_1_the_largest_relative_moves_are_called_out_first() {
        let rows = [
            row(Level::Country, "", IndicatorId::SubmissionRate, Some(0.5), 0.55),
            row(Level::Region, "KZ-ALA", IndicatorId::Absences, Some(10.0), 30.0),
            row(Level::Region, "KZ-AKM", IndicatorId::Absences, Some(0.0), 30.0),
            row(Level::Region, "KZ-AKM", IndicatorId::OnTimeRate, None, 0.9),
            row(Level::School, "s", IndicatorId::Absences, Some(1.0), 100.0),
            row(Level::Country, "", IndicatorId::OnTimeRate, Some(0.8), 0.8),
            // A share of nothing (a holiday) is not a movement.
            ReportRow { denominator: 0, ..row(Level::Region, "KZ-AKT", IndicatorId::SubmissionRate, Some(0.9), 0.0) },
        ];
        let moved = movements(&rows, &[Level::Country, Level::Region]);
        assert_eq!(moved.len(), 2);
        assert_eq!((moved[0].area_code.as_str(), moved[0].change()), ("KZ-ALA", 20.0));
        assert_eq!(moved[1].indicator, IndicatorId::SubmissionRate);
    }
}
