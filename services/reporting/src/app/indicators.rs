//! Reading an indicator for a dashboard (R-RP-2, R-RP-4): per area of a level and week, within
//! the caller's scope (a regional observer reads its own region only, R-GW-2).

use std::{collections::HashMap, sync::Arc};

use chrono::NaiveDate;
use qashyq_platform::{ApiError, paging, principal::Caller};

use crate::{
    domain::{
        aggregate::{self, AreaValue, Level, SchoolPlace},
        indicators::{Definition, IndicatorId},
    },
    repo::{Filter, IndicatorRepo},
};

/// The areas a query is narrowed to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub enum AreaFilter {
    Country,
    Region(String),
    District(String),
    School(String),
}

/// A dashboard's question, read and checked field by field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IndicatorQuery {
    pub indicator: IndicatorId,
    pub level: Level,
    pub area: AreaFilter,
    /// Mondays of the first and last week.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub grade: i32,
    pub language: Option<String>,
    pub channel: Option<String>,
}

/// Where a row's figures are of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    pub level: Level,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRow {
    pub area: Area,
    pub value: AreaValue,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorPage {
    pub rows: Vec<IndicatorRow>,
    pub next_page_token: String,
}

pub struct Indicators {
    repo: Arc<IndicatorRepo>,
}

/// The name of an area for people.
pub fn area_name(level: Level, code: &str, places: &HashMap<String, SchoolPlace>, teachers: &HashMap<String, String>) -> String {
    match level {
        Level::Country => "Kazakhstan".to_owned(),
        Level::Region => qashyq_catalogue::catalogue().region(code).map(|r| r.name_ru.clone()).unwrap_or_default(),
        Level::District => places.values().find(|p| p.district_id == code).map(|p| p.district_name.clone()).unwrap_or_default(),
        Level::School => places.get(code).map(|p| p.school_name.clone()).unwrap_or_default(),
        Level::Teacher => teachers.get(code).cloned().unwrap_or_default(),
    }
}

/// Refuses filters and levels an indicator is not broken down by.
fn check_breakdown(definition: &Definition, query: &IndicatorQuery) -> Result<(), ApiError> {
    let b = definition.breakdown;
    let name = definition.name;
    if !b.by_area && (query.level != Level::Country || query.area != AreaFilter::Country) {
        return Err(ApiError::invalid("level", format!("{name} is national: only the country, without a region, district or school")));
    }
    if query.level == Level::Teacher && !b.by_teacher {
        return Err(ApiError::invalid("level", format!("{name} is not counted per teacher")));
    }
    if query.level == Level::Teacher && !matches!(query.area, AreaFilter::School(_)) {
        return Err(ApiError::invalid("school_id", "is required for rows per teacher (a director's view of one school)"));
    }
    if !b.by_grade && (query.grade != 0 || query.language.is_some()) {
        return Err(ApiError::invalid(if query.grade != 0 { "grade" } else { "language" }, format!("{name} is not counted per grade or language")));
    }
    if !b.by_channel && query.channel.is_some() {
        return Err(ApiError::invalid("channel", format!("{name} is not counted per channel")));
    }
    Ok(())
}

impl Indicators {
    pub fn new(repo: Arc<IndicatorRepo>) -> Self {
        Self { repo }
    }

    /// The region an area filter lies in; an unknown district or school is the caller's mistake.
    async fn region_of(&self, area: &AreaFilter) -> Result<Option<String>, ApiError> {
        Ok(match area {
            AreaFilter::Country => None,
            AreaFilter::Region(code) => Some(code.clone()),
            AreaFilter::District(id) => {
                Some(self.repo.district_region(id).await?.ok_or_else(|| ApiError::invalid("district_id", "is not a district the directory announced"))?)
            }
            AreaFilter::School(id) => {
                Some(self.repo.school_region(id).await?.ok_or_else(|| ApiError::invalid("school_id", "is not a school the directory announced"))?)
            }
        })
    }

    /// The filter of the projections' SQL for a query.
    pub fn filter(query: &IndicatorQuery) -> Filter {
        let (region, district, school) = match &query.area {
            AreaFilter::Country => (None, None, None),
            AreaFilter::Region(code) => (Some(code.clone()), None, None),
            AreaFilter::District(id) => (None, Some(id.clone()), None),
            AreaFilter::School(id) => (None, None, Some(id.clone())),
        };
        Filter {
            from: query.from,
            to: query.to,
            region,
            district,
            school,
            grade: query.grade,
            language: query.language.clone(),
            channel: query.channel.clone(),
        }
    }

    pub async fn query(&self, caller: &Caller, query: &IndicatorQuery, page_size: u32, page_token: &str) -> Result<IndicatorPage, ApiError> {
        let definition = query.indicator.definition();
        check_breakdown(definition, query)?;
        // Read before the scope check: a fingerprint of the whole query binds the token to it.
        let fingerprint = serde_json::to_string(query).map_err(ApiError::internal)?;
        let after = match paging::decode_token::<(String, String, NaiveDate)>(page_token, "page.page_token")? {
            Some((of, area, week)) if of == fingerprint => Some((area, week)),
            Some(_) => return Err(ApiError::invalid("page.page_token", "belongs to another query")),
            None => None,
        };
        let region = self.region_of(&query.area).await?;
        caller.check_region(region.as_deref())?;
        // The region checked is also a filter of the statement, whatever else narrows it.
        let filter = Filter { region: region.clone(), ..Self::filter(query) };
        let counted = self.repo.count(query.indicator, &filter, qashyq_platform::clock::now()).await?;
        // The schools' places: to sum by area, or to name the area a country row was narrowed to.
        let places = if query.level == Level::Country && query.area == AreaFilter::Country { HashMap::new() } else { self.repo.places(&filter).await? };
        let values = aggregate::aggregate(definition, query.level, &counted, &places);
        let mut page: Vec<AreaValue> = values
            .into_iter()
            .filter(|v| after.as_ref().is_none_or(|(area, week)| (&v.area_code, v.week) > (area, *week)))
            .take(page_size as usize + 1)
            .collect();
        let next_page_token = if page.len() > page_size as usize {
            page.truncate(page_size as usize);
            let last = page.last().expect("a full page has a last row");
            paging::encode_token(&(fingerprint, last.area_code.clone(), last.week))
        } else {
            String::new()
        };
        let teachers = if query.level == Level::Teacher {
            let ids: Vec<String> = page.iter().map(|v| v.area_code.clone()).collect();
            self.repo.teacher_names(&ids).await?
        } else {
            HashMap::new()
        };
        // The country's row of a narrowed question is the sum of the area it was narrowed to.
        let narrowed = match (&query.area, query.level) {
            (AreaFilter::Region(code), Level::Country) => Some(area_name(Level::Region, code, &places, &teachers)),
            (AreaFilter::District(id), Level::Country) => Some(area_name(Level::District, id, &places, &teachers)),
            (AreaFilter::School(id), Level::Country) => Some(area_name(Level::School, id, &places, &teachers)),
            _ => None,
        };
        let rows = page
            .into_iter()
            .map(|value| {
                let name = narrowed.clone().unwrap_or_else(|| area_name(query.level, &value.area_code, &places, &teachers));
                IndicatorRow { area: Area { level: query.level, code: value.area_code.clone(), name }, value }
            })
            .collect();
        Ok(IndicatorPage { rows, next_page_token })
    }
}
