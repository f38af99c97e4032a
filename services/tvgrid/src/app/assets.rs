//! TV-lesson assets: registering one with a checked plan (R-TV-3), approving it, and putting an
//! approved one on a lesson of the published grid (R-TV-5).

use std::sync::Arc;

use uuid::Uuid;

use super::airings::{AiringQuery, DayAirings, Placements};
use crate::{
    domain::assets::{AssetPlan, LessonAsset, LessonKey, may_schedule},
    error::TvGridError,
    events,
    repo::AssetRepo,
};

/// What scheduling did: the asset the lesson had before, and the lesson's airings now.
pub struct Scheduled {
    pub previous: Option<Uuid>,
    pub airings: Option<DayAirings>,
}

pub struct AssetApp {
    assets: Arc<AssetRepo>,
    airings: Arc<Placements>,
}

impl AssetApp {
    pub fn new(assets: Arc<AssetRepo>, airings: Arc<Placements>) -> Self {
        Self { assets, airings }
    }

    /// Stores an asset whose plan was checked, pending approval.
    pub async fn register(&self, plan: &AssetPlan, registered_by: &str) -> Result<LessonAsset, TvGridError> {
        let asset = self.assets.register(plan, registered_by).await?;
        tracing::info!(asset_id = %asset.id, subject = %asset.plan.subject_code, grade = asset.plan.grade.value(), "lesson asset registered");
        Ok(asset)
    }

    /// Approves an asset, once (LessonAssetApproved); approving it again returns the first approval.
    pub async fn approve(&self, asset_id: Uuid, approved_by: &str) -> Result<LessonAsset, TvGridError> {
        let asset = self.assets.approve(asset_id, approved_by, &events::lesson_asset_approved(asset_id, approved_by)).await?;
        tracing::info!(%asset_id, approved_by = asset.approval.as_ref().map(|a| a.by.as_str()), "lesson asset approved");
        Ok(asset)
    }

    pub async fn get(&self, asset_id: Uuid) -> Result<LessonAsset, TvGridError> {
        self.assets.get(asset_id).await?.ok_or(TvGridError::AssetNotFound(asset_id))
    }

    /// Puts an approved asset on a lesson that has not begun airing (LessonAssetScheduled).
    pub async fn schedule(&self, asset_id: Uuid, lesson: LessonKey, scheduled_by: &str) -> Result<Scheduled, TvGridError> {
        let asset = self.assets.get(asset_id).await?.ok_or(TvGridError::UnknownAsset(asset_id))?;
        let view = self.airings.for_date(lesson.date).await?;
        may_schedule(&asset, &lesson, view.as_deref().map(|v| v.airings()), qashyq_platform::clock::now())?;
        let previous =
            self.assets.schedule(lesson, asset_id, scheduled_by, |previous| events::lesson_asset_scheduled(&lesson, asset_id, previous, scheduled_by)).await?;
        self.airings.forget_day(lesson.date).await;
        tracing::info!(%asset_id, date = %lesson.date, grade = lesson.grade.value(), lesson_of_day = lesson.lesson_of_day, "lesson asset scheduled");
        Ok(Scheduled { previous, airings: self.airings.find(AiringQuery::Lesson(lesson)).await? })
    }

    /// Every airing that shows an asset, by time.
    pub async fn repeats(&self, asset_id: Uuid) -> Result<Vec<DayAirings>, TvGridError> {
        self.get(asset_id).await?;
        let mut found = Vec::new();
        for lesson in self.assets.lessons_of(asset_id).await? {
            found.extend(self.airings.find(AiringQuery::AssetIn { lesson, asset_id }).await?);
        }
        Ok(found)
    }
}
