//! Placed airings of published grid versions, kept in memory: the grid of a day is every
//! pupil's morning read and must not cost a database round trip. A version never changes once
//! stored, so its placement is cached for good; what airs on a date (the publication in effect
//! and the assets scheduled in its lessons) is re-read every [`DAY_TTL`], so a publication or a
//! scheduled asset on another replica shows within that time, and at once on this one.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::Duration,
};

use chrono::{DateTime, NaiveDate, Utc};
use qashyq_catalogue::{Grade, Language, Medium};
use qashyq_platform::memo::Memo;
use tokio::sync::RwLock;
use uuid::Uuid;

use crate::{
    domain::{
        assets::{LessonKey, ScheduledAsset},
        placement::{AirWindow, Airing, place},
    },
    error::TvGridError,
    repo::{AssetRepo, GridRepo},
};

/// Which airings of a day a caller asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AiringQuery {
    /// A grade's TV lessons in a language (what a class watches).
    Grade { date: NaiveDate, language: Language, grade: Grade },
    /// Everything a channel airs.
    Channel { date: NaiveDate, channel_id: String },
    /// What a channel airs at an instant (`None`: now, on the service's clock).
    ChannelAt { channel_id: String, at: Option<DateTime<Utc>> },
    /// The TV and radio airings of one lesson.
    Lesson(LessonKey),
    /// The airings of one lesson that show an asset.
    AssetIn { lesson: LessonKey, asset_id: Uuid },
}

impl AiringQuery {
    /// The broadcast day asked about: national TV airs at the same instant everywhere, on the
    /// broadcaster's (Almaty's) calendar.
    pub fn date(&self) -> NaiveDate {
        match self {
            AiringQuery::Grade { date, .. } | AiringQuery::Channel { date, .. } => *date,
            AiringQuery::ChannelAt { at, .. } => at.unwrap_or_else(qashyq_platform::clock::now).with_timezone(&qashyq_catalogue::BROADCAST_ZONE).date_naive(),
            AiringQuery::Lesson(lesson) | AiringQuery::AssetIn { lesson, .. } => lesson.date,
        }
    }

    fn keeps(&self, view: &DayView, airing: &Airing) -> bool {
        match self {
            AiringQuery::Grade { language, grade, .. } => airing.language == *language && airing.grade == *grade && airing.medium == Medium::Tv,
            AiringQuery::Channel { channel_id, .. } => airing.channel_id == *channel_id,
            AiringQuery::ChannelAt { channel_id, at } => {
                let at = at.unwrap_or_else(qashyq_platform::clock::now);
                airing.channel_id == *channel_id && airing.starts <= at && at < airing.ends
            }
            AiringQuery::Lesson(lesson) => lesson.airs_in(airing),
            AiringQuery::AssetIn { lesson, asset_id } => lesson.airs_in(airing) && view.asset_of(airing).is_some_and(|a| a.asset_id == *asset_id),
        }
    }
}

/// The airings a query found, in the day they are of.
pub struct DayAirings {
    pub view: Arc<DayView>,
    query: AiringQuery,
}

impl DayAirings {
    pub fn iter(&self) -> impl Iterator<Item = &Airing> {
        self.view.airings().iter().filter(|a| self.query.keeps(&self.view, a))
    }
}

pub const DAY_TTL: Duration = Duration::from_secs(2);

/// Dates kept at most; a full cache is emptied (dates asked for are few: a campaign's days).
const MAX_CACHED_DAYS: usize = 10_000;

/// One version of a campaign, placed into air time.
pub struct PlacedCampaign {
    airings: Vec<Airing>,
    by_date: BTreeMap<NaiveDate, std::ops::Range<usize>>,
}

impl PlacedCampaign {
    fn new(mut airings: Vec<Airing>) -> Self {
        airings.sort_by(|a, b| (a.date, &a.channel_id, a.starts).cmp(&(b.date, &b.channel_id, b.starts)));
        let mut by_date = BTreeMap::new();
        let mut start = 0;
        for (i, airing) in airings.iter().enumerate() {
            if i + 1 == airings.len() || airings[i + 1].date != airing.date {
                by_date.insert(airing.date, start..i + 1);
                start = i + 1;
            }
        }
        Self { airings, by_date }
    }

    /// The airings of one day, every channel.
    pub fn day(&self, date: NaiveDate) -> &[Airing] {
        self.by_date.get(&date).map_or(&[], |range| &self.airings[range.clone()])
    }
}

/// What airs on one date: the publication in effect, its airings and their assets.
pub struct DayView {
    pub date: NaiveDate,
    pub campaign: String,
    pub version: i64,
    pub publication: i64,
    placed: Arc<PlacedCampaign>,
    assets: HashMap<(Language, Grade, u32), ScheduledAsset>,
}

impl DayView {
    /// Every airing of the date, by channel and time.
    pub fn airings(&self) -> &[Airing] {
        self.placed.day(self.date)
    }

    /// The asset scheduled in an airing's lesson, if it is still of the lesson's subject (a later
    /// publication may have put another subject there).
    pub fn asset_of(&self, airing: &Airing) -> Option<&ScheduledAsset> {
        self.assets.get(&(airing.language, airing.grade, airing.lesson_of_day)).filter(|a| a.subject == airing.subject)
    }
}

pub struct Placements {
    grids: Arc<GridRepo>,
    assets: Arc<AssetRepo>,
    placed: RwLock<HashMap<(String, i64), Arc<PlacedCampaign>>>,
    /// What airs on a date. A burst of concurrent misses (every caller at start, or when a day's
    /// view expires under load) builds a view once: placing a campaign per concurrent caller was
    /// what drove tvgrid's peak RSS to ~90 MiB under 64 callers.
    days: Memo<NaiveDate, Option<Arc<DayView>>>,
}

impl Placements {
    pub fn new(grids: Arc<GridRepo>, assets: Arc<AssetRepo>) -> Self {
        Self { grids, assets, placed: RwLock::new(HashMap::new()), days: Memo::new(DAY_TTL, MAX_CACHED_DAYS) }
    }

    /// Forgets what airs on every date (after a publication here).
    pub async fn forget_days(&self) {
        self.days.clear().await;
    }

    /// Forgets what airs on one date (after an asset was scheduled here).
    pub async fn forget_day(&self, date: NaiveDate) {
        self.days.remove(&date).await;
    }

    /// What airs on each day of a range (days no published grid covers are left out).
    pub async fn days(&self, first: NaiveDate, last: NaiveDate) -> Result<Vec<Arc<DayView>>, TvGridError> {
        let mut views = Vec::new();
        for date in first.iter_days().take_while(|d| *d <= last) {
            views.extend(self.for_date(date).await?);
        }
        Ok(views)
    }

    /// The airings a query asks for, with the day they are of; `None` when no published grid
    /// covers the day.
    pub async fn find(&self, mut query: AiringQuery) -> Result<Option<DayAirings>, TvGridError> {
        if let AiringQuery::ChannelAt { at: at @ None, .. } = &mut query {
            *at = Some(qashyq_platform::clock::now());
        }
        Ok(self.for_date(query.date()).await?.map(|view| DayAirings { view, query }))
    }

    /// What airs on `date`, if a published grid covers it.
    pub async fn for_date(&self, date: NaiveDate) -> Result<Option<Arc<DayView>>, TvGridError> {
        self.days.get_or_fill(date, || self.view_of(date)).await
    }

    async fn view_of(&self, date: NaiveDate) -> Result<Option<Arc<DayView>>, TvGridError> {
        let view = match self.grids.covering(date).await? {
            Some(covering) => Some(Arc::new(DayView {
                date,
                placed: self.version(&covering.campaign, covering.version).await?,
                assets: self.assets.scheduled_on(date).await?,
                campaign: covering.campaign,
                version: covering.version,
                publication: covering.publication,
            })),
            None => None,
        };
        Ok(view)
    }

    /// A stored version, placed (once per version: a version never changes).
    async fn version(&self, campaign: &str, version: i64) -> Result<Arc<PlacedCampaign>, TvGridError> {
        let key = (campaign.to_owned(), version);
        if let Some(placed) = self.placed.read().await.get(&key) {
            return Ok(placed.clone());
        }
        // Called while filling a day's view, one caller at a time: one caller places a version.
        let stored = self.grids.load(campaign, version).await?;
        let imported = stored.read()?;
        let airings = place(&imported.grid, &imported.campaign, &AirWindow::TV_LESSONS)
            .map_err(|e| TvGridError::Corrupt(format!("version {version} of {campaign} does not place: {e}")))?;
        let placed = Arc::new(PlacedCampaign::new(airings));
        self.placed.write().await.insert(key, placed.clone());
        Ok(placed)
    }
}
