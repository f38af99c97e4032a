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

use chrono::NaiveDate;
use qashyq_catalogue::{Grade, Language};
use qashyq_platform::{ApiError, memo::Memo};
use tokio::sync::RwLock;

use crate::{
    assets::{AssetRepo, ScheduledAsset},
    domain::placement::{AirWindow, Airing, place},
    import::read_stored,
    repo::GridRepo,
};

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

    /// What airs on `date`, if a published grid covers it.
    pub async fn for_date(&self, date: NaiveDate) -> Result<Option<Arc<DayView>>, ApiError> {
        self.days.get_or_fill(date, || self.view_of(date)).await
    }

    async fn view_of(&self, date: NaiveDate) -> Result<Option<Arc<DayView>>, ApiError> {
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
    async fn version(&self, campaign: &str, version: i64) -> Result<Arc<PlacedCampaign>, ApiError> {
        let key = (campaign.to_owned(), version);
        if let Some(placed) = self.placed.read().await.get(&key) {
            return Ok(placed.clone());
        }
        // Called while filling a day's view, one caller at a time: one caller places a version.
        let stored = self.grids.load(campaign, version).await?;
        let imported = read_stored(&stored.documents)?;
        let airings = place(&imported.grid, &imported.campaign, &AirWindow::TV_LESSONS).map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
        let placed = Arc::new(PlacedCampaign::new(airings));
        self.placed.write().await.insert(key, placed.clone());
        Ok(placed)
    }
}
