//! Aggregating an indicator's counts per school and week into the level asked for (R-RP-2):
//! counts and latency histograms add up, so the SQL reads each school once and districts,
//! regions and the country are sums of their schools.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::{
    indicators::{Definition, IndicatorId, Unit},
    latency,
};

/// The level rows are per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Country,
    Region,
    District,
    School,
    /// A school's teachers (feedback indicators).
    Teacher,
}

impl Level {
    pub const REPORTED: [Level; 4] = [Level::Country, Level::Region, Level::District, Level::School];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Country => "country",
            Level::Region => "region",
            Level::District => "district",
            Level::School => "school",
            Level::Teacher => "teacher",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        [Level::Country, Level::Region, Level::District, Level::School, Level::Teacher].into_iter().find(|l| l.as_str() == word)
    }
}

/// Where a school is, and its name, as the directory announced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolPlace {
    pub region_code: String,
    /// Empty when the school was registered without a district.
    pub district_id: String,
    pub district_name: String,
    pub school_name: String,
}

/// An indicator's counts for one school (and teacher), week: `school_id` is empty for a national
/// count, `teacher_id` empty unless counted per teacher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub school_id: String,
    pub teacher_id: String,
    pub week: NaiveDate,
    pub numerator: i64,
    pub denominator: i64,
}

/// Latencies of one school (and teacher), week and bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketCell {
    pub school_id: String,
    pub teacher_id: String,
    pub week: NaiveDate,
    pub bucket: i32,
    pub count: i64,
}

/// What the projections counted for an indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Counted {
    Counts(Vec<Cell>),
    Latencies(Vec<BucketCell>),
}

/// One row of an indicator: an area's week.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AreaValue {
    pub area_code: String,
    pub week: NaiveDate,
    pub value: f64,
    pub numerator: i64,
    pub denominator: i64,
}

/// The area a school's count belongs to at `level`; `None` for a school not in the places (not
/// in scope) or below a national count.
fn area_of(level: Level, school_id: &str, teacher_id: &str, places: &HashMap<String, SchoolPlace>) -> Option<String> {
    if level == Level::Country {
        return Some(String::new());
    }
    let place = places.get(school_id)?;
    Some(match level {
        Level::Country => unreachable!(),
        Level::Region => place.region_code.clone(),
        // A school registered without a district is counted in its region only.
        Level::District if place.district_id.is_empty() => return None,
        Level::District => place.district_id.clone(),
        Level::School => school_id.to_owned(),
        Level::Teacher => teacher_id.to_owned(),
    })
}

/// The quantile an indicator in minutes is of.
fn quantile_of(indicator: IndicatorId) -> f64 {
    match indicator {
        IndicatorId::FeedbackLatencyP90Minutes => 0.9,
        _ => 0.5,
    }
}

/// Aggregates counts per school into rows per area of `level` and week, ordered by area code
/// and week. Schools outside `places` are left out (except for the country's national counts).
pub fn aggregate(definition: &Definition, level: Level, counted: &Counted, places: &HashMap<String, SchoolPlace>) -> Vec<AreaValue> {
    match counted {
        Counted::Counts(cells) => {
            let mut sums: BTreeMap<(String, NaiveDate), (i64, i64)> = BTreeMap::new();
            for cell in cells {
                let national = cell.school_id.is_empty();
                let Some(area) = (if national && level == Level::Country {
                    Some(String::new())
                } else if national {
                    None
                } else {
                    area_of(level, &cell.school_id, &cell.teacher_id, places)
                }) else {
                    continue;
                };
                let sum = sums.entry((area, cell.week)).or_default();
                sum.0 += cell.numerator;
                sum.1 += cell.denominator;
            }
            sums.into_iter()
                .map(|((area_code, week), (numerator, denominator))| AreaValue {
                    area_code,
                    week,
                    value: value_of(definition.unit, numerator, denominator),
                    numerator,
                    denominator,
                })
                .collect()
        }
        Counted::Latencies(cells) => {
            let mut histograms: BTreeMap<(String, NaiveDate), BTreeMap<i32, i64>> = BTreeMap::new();
            for cell in cells {
                let Some(area) = area_of(level, &cell.school_id, &cell.teacher_id, places) else { continue };
                *histograms.entry((area, cell.week)).or_default().entry(cell.bucket).or_default() += cell.count;
            }
            let q = quantile_of(definition.id);
            histograms
                .into_iter()
                .map(|((area_code, week), histogram)| {
                    let histogram: Vec<(i32, i64)> = histogram.into_iter().collect();
                    let measured = histogram.iter().map(|(_, c)| c).sum();
                    let minutes = latency::quantile(&histogram, q).unwrap_or(0);
                    AreaValue { area_code, week, value: f64::from(minutes), numerator: i64::from(minutes), denominator: measured }
                })
                .collect()
        }
    }
}

fn value_of(unit: Unit, numerator: i64, denominator: i64) -> f64 {
    match unit {
        Unit::Share if denominator == 0 => 0.0,
        Unit::Share => numerator as f64 / denominator as f64,
        Unit::Count | Unit::Minutes => numerator as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(region: &str, district: &str) -> SchoolPlace {
        SchoolPlace { region_code: region.into(), district_id: district.into(), district_name: String::new(), school_name: String::new() }
    }

    fn cell(school: &str, week: NaiveDate, numerator: i64, denominator: i64) -> Cell {
        Cell { school_id: school.into(), teacher_id: String::new(), week, numerator, denominator }
    }

    #[test]
    fn r_rp_2_shares_are_summed_before_they_are_divided() {
        let week = NaiveDate::from_ymd_opt(2020, 4, 6).unwrap();
        let places = HashMap::from([("a".to_owned(), place("KZ-ALA", "d1")), ("b".to_owned(), place("KZ-ALA", "d2")), ("c".to_owned(), place("KZ-AKM", "d3"))]);
        let counted = Counted::Counts(vec![cell("a", week, 1, 4), cell("b", week, 3, 4), cell("c", week, 0, 2), cell("unknown", week, 5, 5)]);
        let definition = IndicatorId::SubmissionRate.definition();
        let regions = aggregate(definition, Level::Region, &counted, &places);
        assert_eq!(regions.len(), 2);
        assert_eq!((regions[1].area_code.as_str(), regions[1].numerator, regions[1].denominator, regions[1].value), ("KZ-ALA", 4, 8, 0.5));
        let country = aggregate(definition, Level::Country, &counted, &places);
        assert_eq!((country[0].numerator, country[0].denominator), (9, 15));
    }

    #[test]
    fn r_rp_2_latency_histograms_merge_across_schools() {
        let week = NaiveDate::from_ymd_opt(2020, 4, 6).unwrap();
        let places = HashMap::from([("a".to_owned(), place("KZ-ALA", "")), ("b".to_owned(), place("KZ-ALA", ""))]);
        let b = |school: &str, bucket, count| BucketCell { school_id: school.into(), teacher_id: String::new(), week, bucket, count };
        let counted = Counted::Latencies(vec![b("a", 10, 1), b("a", 45, 1), b("b", 20, 2), b("b", 90, 1)]);
        let median = aggregate(IndicatorId::FeedbackLatencyMedianMinutes.definition(), Level::Region, &counted, &places);
        assert_eq!((median[0].value, median[0].denominator), (20.0, 5));
        let p90 = aggregate(IndicatorId::FeedbackLatencyP90Minutes.definition(), Level::Country, &counted, &places);
        assert_eq!(p90[0].value, 90.0);
    }
}
