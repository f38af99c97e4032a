//! Errors of the TV grid service and their translation into the platform's `ApiError`, in one
//! place: an unknown id of the resource a call is about is `NOT_FOUND`; an unknown id in a
//! reference field of a write, or a request the rules refuse, is `INVALID_ARGUMENT` naming the
//! field; what only time can change (a lesson already on air) is `FAILED_PRECONDITION`.

use qashyq_platform::{ApiError, FieldViolation, error::quote};
use uuid::Uuid;

use crate::domain::{
    assets::ScheduleRefused,
    placement::PlacementError,
    publication::{DecideError, PublishError},
};

#[derive(Debug, thiserror::Error)]
pub enum TvGridError {
    /// A campaign's version (0: any version) that was never imported.
    #[error("version {version} of campaign {campaign:?}")]
    GridNotFound { campaign: String, version: i64 },
    #[error("no campaign is published")]
    NothingPublished,
    #[error("campaign {0:?} is not published")]
    NotPublished(String),
    #[error("asset {0}")]
    AssetNotFound(Uuid),
    /// An asset named by a write about something else (a lesson to schedule it in).
    #[error("no asset {0}")]
    UnknownAsset(Uuid),
    /// A grid whose lessons do not fit the air window on some day of its campaign (R-TV-2).
    #[error(transparent)]
    DoesNotAir(PlacementError),
    #[error(transparent)]
    Schedule(#[from] ScheduleRefused),
    #[error(transparent)]
    Publish(#[from] DecideError),
    /// An export larger than one answer carries.
    #[error("the document is {size} bytes, more than the {limit} one answer carries")]
    ExportTooLarge { size: usize, limit: usize },
    /// Stored data that does not read: the service's fault, never the caller's.
    #[error("stored data does not read: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<TvGridError> for ApiError {
    fn from(error: TvGridError) -> Self {
        match error {
            TvGridError::GridNotFound { campaign, version: 0 } => ApiError::NotFound(format!("grid of campaign {}", quote(&campaign))),
            TvGridError::GridNotFound { campaign, version } => ApiError::NotFound(format!("version {version} of campaign {}", quote(&campaign))),
            TvGridError::NothingPublished => ApiError::NotFound("any published campaign".to_owned()),
            TvGridError::NotPublished(campaign) => ApiError::NotFound(format!("a publication of campaign {}", quote(&campaign))),
            TvGridError::AssetNotFound(id) => ApiError::NotFound(format!("asset {id}")),
            TvGridError::UnknownAsset(id) => ApiError::invalid("asset_id", format!("no asset {id}")),
            TvGridError::DoesNotAir(PlacementError::DayOverflow { language, weekday, lessons, slots, .. }) => {
                ApiError::invalid("grid", format!("{language} lessons on {weekday} need {lessons} ten-minute slots; 09:00–15:00 has {slots}"))
            }
            TvGridError::DoesNotAir(other) => ApiError::invalid("campaign", other.to_string()),
            TvGridError::Schedule(ScheduleRefused::DoesNotFit(found)) => {
                ApiError::InvalidArgument(found.into_iter().map(|d| FieldViolation::new(d.field, d.message)).collect())
            }
            TvGridError::Schedule(refused @ ScheduleRefused::AlreadyAiring(_)) => ApiError::FailedPrecondition(refused.to_string()),
            TvGridError::Publish(DecideError::Refused(refused @ PublishError::CampaignOver { .. })) => ApiError::FailedPrecondition(refused.to_string()),
            TvGridError::Publish(unreadable @ DecideError::Unreadable(_)) => ApiError::internal(unreadable),
            too_large @ TvGridError::ExportTooLarge { .. } => ApiError::invalid("last_day", format!("{too_large}: narrow the range or call StreamXmltv")),
            TvGridError::Corrupt(what) => ApiError::internal(anyhow::anyhow!("stored data does not read: {what}")),
            TvGridError::Database(db) => ApiError::from(db),
        }
    }
}

impl From<TvGridError> for tonic::Status {
    fn from(error: TvGridError) -> Self {
        ApiError::from(error).into()
    }
}
