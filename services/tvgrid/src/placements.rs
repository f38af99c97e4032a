//! Placed airings of stored grid versions, kept in memory: the grid of a day is every pupil's
//! morning read and must not cost a database round trip. A version never changes once stored,
//! so its placement is cached for good; which version covers a date is re-checked every
//! [`COVERING_TTL`], so an import on another replica shows within that time (at once on this one).

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::NaiveDate;
use qashyq_platform::ApiError;
use tokio::sync::RwLock;

use crate::{
    domain::placement::{AirWindow, Airing, place},
    import::read_request,
    repo::GridRepo,
};

pub const COVERING_TTL: Duration = Duration::from_secs(2);

/// One version of a campaign, placed into air time.
pub struct PlacedCampaign {
    pub campaign: String,
    pub version: i64,
    pub airings: Vec<Airing>,
    by_date: BTreeMap<NaiveDate, std::ops::Range<usize>>,
}

impl PlacedCampaign {
    fn new(campaign: String, version: i64, mut airings: Vec<Airing>) -> Self {
        airings.sort_by(|a, b| (a.date, &a.channel_id, a.starts).cmp(&(b.date, &b.channel_id, b.starts)));
        let mut by_date = BTreeMap::new();
        let mut start = 0;
        for (i, airing) in airings.iter().enumerate() {
            if i + 1 == airings.len() || airings[i + 1].date != airing.date {
                by_date.insert(airing.date, start..i + 1);
                start = i + 1;
            }
        }
        Self { campaign, version, airings, by_date }
    }

    /// The airings of one day, every channel.
    pub fn day(&self, date: NaiveDate) -> &[Airing] {
        self.by_date.get(&date).map_or(&[], |range| &self.airings[range.clone()])
    }
}

pub struct Placements {
    repo: Arc<GridRepo>,
    placed: RwLock<HashMap<(String, i64), Arc<PlacedCampaign>>>,
    covering: RwLock<HashMap<NaiveDate, (Option<(String, i64)>, Instant)>>,
}

impl Placements {
    pub fn new(repo: Arc<GridRepo>) -> Self {
        Self { repo, placed: RwLock::new(HashMap::new()), covering: RwLock::new(HashMap::new()) }
    }

    /// Forgets which version covers which date (after an import here).
    pub async fn forget_covering(&self) {
        self.covering.write().await.clear();
    }

    /// The placed version covering `date`, if any campaign does.
    pub async fn for_date(&self, date: NaiveDate) -> Result<Option<Arc<PlacedCampaign>>, ApiError> {
        let cached = self.covering.read().await.get(&date).filter(|(_, at)| at.elapsed() < COVERING_TTL).map(|(c, _)| c.clone());
        let covering = match cached {
            Some(covering) => covering,
            None => {
                let covering = self.repo.covering(date).await?;
                let mut map = self.covering.write().await;
                if map.len() > 10_000 {
                    map.clear();
                }
                map.insert(date, (covering.clone(), Instant::now()));
                covering
            }
        };
        match covering {
            Some((campaign, version)) => Ok(Some(self.version(&campaign, version).await?)),
            None => Ok(None),
        }
    }

    /// A placed version (0: the latest).
    pub async fn version(&self, campaign: &str, version: i64) -> Result<Arc<PlacedCampaign>, ApiError> {
        if version > 0
            && let Some(placed) = self.placed.read().await.get(&(campaign.to_owned(), version))
        {
            return Ok(placed.clone());
        }
        let stored = self.repo.load(campaign, version).await?;
        if let Some(placed) = self.placed.read().await.get(&(campaign.to_owned(), stored.version)) {
            return Ok(placed.clone());
        }
        let imported = read_request(&stored.request)?;
        let airings = place(&imported.grid, &imported.campaign, &AirWindow::TV_LESSONS).map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
        let placed = Arc::new(PlacedCampaign::new(campaign.to_owned(), stored.version, airings));
        self.placed.write().await.insert((campaign.to_owned(), stored.version), placed.clone());
        Ok(placed)
    }
}
