//! SQL of TV-lesson assets and of which asset airs in which lesson (R-TV-3, R-TV-5).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use prost::Message;
use qashyq_catalogue::{Grade, Language};
use qashyq_platform::{
    ApiError,
    events::Outbox,
    time::to_timestamp,
};
use qashyq_proto::tvgrid::v1::{AssetStatus, LessonAsset};
use sqlx::PgPool;
use uuid::Uuid;

/// A lesson of the grid: a grade's n-th TV lesson of a date in a language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LessonKey {
    pub date: NaiveDate,
    pub language: Language,
    pub grade: Grade,
    pub lesson_of_day: u32,
}

/// What an airing shows of its scheduled asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledAsset {
    pub asset_id: Uuid,
    pub subject: String,
    pub topic: String,
    pub teacher_name: String,
}

pub struct AssetRepo {
    pool: PgPool,
    outbox: &'static Outbox,
}

#[derive(sqlx::FromRow)]
struct AssetRow {
    asset_id: Uuid,
    plan: Vec<u8>,
    registered_by: String,
    registered_at: DateTime<Utc>,
    approved_by: Option<String>,
    approved_at: Option<DateTime<Utc>>,
}

impl AssetRow {
    fn to_proto(&self) -> Result<LessonAsset, ApiError> {
        let mut asset = LessonAsset::decode(self.plan.as_slice()).map_err(ApiError::internal)?;
        asset.asset_id = self.asset_id.to_string();
        asset.registered_by = self.registered_by.clone();
        asset.registered_at = Some(to_timestamp(self.registered_at));
        asset.approved_by = self.approved_by.clone().unwrap_or_default();
        asset.approved_at = self.approved_at.map(to_timestamp);
        asset.status = if self.approved_at.is_some() { AssetStatus::Approved } else { AssetStatus::PendingApproval } as i32;
        Ok(asset)
    }
}

const ASSET_COLUMNS: &str = "asset_id, plan, registered_by, registered_at, approved_by, approved_at";

impl AssetRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool, outbox: &crate::OUTBOX }
    }

    /// Stores a checked asset, pending approval. `asset` carries the normalised plan.
    pub async fn register(&self, asset: &LessonAsset, language: Language, grade: Grade, registered_by: &str) -> Result<LessonAsset, ApiError> {
        let plan = LessonAsset { asset_id: String::new(), status: 0, registered_by: String::new(), ..asset.clone() };
        let row: AssetRow = sqlx::query_as(&format!(
            "INSERT INTO lesson_assets (asset_id, language, grade, subject_code, topic, teacher_name, plan, registered_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {ASSET_COLUMNS}"
        ))
        .bind(Uuid::now_v7())
        .bind(language.code())
        .bind(i16::from(grade.value()))
        .bind(&asset.subject_code)
        .bind(&asset.topic)
        .bind(&asset.teacher_name)
        .bind(plan.encode_to_vec())
        .bind(registered_by)
        .fetch_one(&self.pool)
        .await?;
        row.to_proto()
    }

    pub async fn get(&self, asset_id: Uuid) -> Result<Option<LessonAsset>, ApiError> {
        let row: Option<AssetRow> = sqlx::query_as(&format!("SELECT {ASSET_COLUMNS} FROM lesson_assets WHERE asset_id = $1"))
            .bind(asset_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(AssetRow::to_proto).transpose()
    }

    /// Approves an asset once; approving it again keeps the first approval and emits nothing.
    pub async fn approve(&self, asset_id: Uuid, approved_by: &str) -> Result<LessonAsset, ApiError> {
        let mut tx = self.pool.begin().await?;
        let approved: Option<AssetRow> = sqlx::query_as(&format!(
            "UPDATE lesson_assets SET approved_by = $2, approved_at = now() \
             WHERE asset_id = $1 AND approved_at IS NULL RETURNING {ASSET_COLUMNS}"
        ))
        .bind(asset_id)
        .bind(approved_by)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = approved else {
            tx.rollback().await?;
            return self.get(asset_id).await?.ok_or_else(|| ApiError::NotFound(format!("asset {asset_id}")));
        };
        let event = crate::events::lesson_asset_approved(asset_id, approved_by);
        self.outbox.enqueue(&mut tx, &asset_id.to_string(), &event).await?;
        tx.commit().await?;
        row.to_proto()
    }

    /// Puts an asset on a lesson, replacing the one it had; returns the replaced asset.
    pub async fn schedule(&self, lesson: LessonKey, asset_id: Uuid, scheduled_by: &str) -> Result<Option<Uuid>, ApiError> {
        let mut tx = self.pool.begin().await?;
        let previous: Option<Uuid> = sqlx::query_scalar(
            "SELECT asset_id FROM scheduled_lessons WHERE air_date = $1 AND language = $2 AND grade = $3 AND lesson_of_day = $4 FOR UPDATE",
        )
        .bind(lesson.date)
        .bind(lesson.language.code())
        .bind(i16::from(lesson.grade.value()))
        .bind(lesson.lesson_of_day as i32)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO scheduled_lessons (air_date, language, grade, lesson_of_day, asset_id, scheduled_by) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (air_date, language, grade, lesson_of_day) \
             DO UPDATE SET asset_id = EXCLUDED.asset_id, scheduled_by = EXCLUDED.scheduled_by, scheduled_at = now()",
        )
        .bind(lesson.date)
        .bind(lesson.language.code())
        .bind(i16::from(lesson.grade.value()))
        .bind(lesson.lesson_of_day as i32)
        .bind(asset_id)
        .bind(scheduled_by)
        .execute(&mut *tx)
        .await?;
        if previous != Some(asset_id) {
            let event = crate::events::lesson_asset_scheduled(&lesson, asset_id, previous, scheduled_by);
            let subject = format!("{}/{}/{}/{}", lesson.date, lesson.language.code(), lesson.grade.value(), lesson.lesson_of_day);
            self.outbox.enqueue(&mut tx, &subject, &event).await?;
        }
        tx.commit().await?;
        Ok(previous)
    }

    /// The assets scheduled on a date, by language, grade and lesson.
    pub async fn scheduled_on(&self, date: NaiveDate) -> Result<HashMap<(Language, Grade, u32), ScheduledAsset>, ApiError> {
        let rows: Vec<(String, i16, i32, Uuid, String, String, String)> = sqlx::query_as(
            "SELECT s.language, s.grade, s.lesson_of_day, a.asset_id, a.subject_code, a.topic, a.teacher_name \
             FROM scheduled_lessons s JOIN lesson_assets a USING (asset_id) WHERE s.air_date = $1",
        )
        .bind(date)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(language, grade, lesson, asset_id, subject, topic, teacher_name)| {
                let key = stored_key(&language, grade, lesson)?;
                Ok((key, ScheduledAsset { asset_id, subject, topic, teacher_name }))
            })
            .collect()
    }

    /// Every lesson an asset is scheduled in.
    pub async fn lessons_of(&self, asset_id: Uuid) -> Result<Vec<LessonKey>, ApiError> {
        let rows: Vec<(NaiveDate, String, i16, i32)> = sqlx::query_as(
            "SELECT air_date, language, grade, lesson_of_day FROM scheduled_lessons WHERE asset_id = $1 ORDER BY air_date, lesson_of_day",
        )
        .bind(asset_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(date, language, grade, lesson)| {
                let (language, grade, lesson_of_day) = stored_key(&language, grade, lesson)?;
                Ok(LessonKey { date, language, grade, lesson_of_day })
            })
            .collect()
    }
}

/// Reads a stored lesson key; the table's checks make a failure a bug, reported as internal.
fn stored_key(language: &str, grade: i16, lesson: i32) -> Result<(Language, Grade, u32), ApiError> {
    let language: Language = language.parse().map_err(|_| ApiError::internal(anyhow::anyhow!("stored language {language:?}")))?;
    let grade = Grade::new(grade.into()).ok_or_else(|| ApiError::internal(anyhow::anyhow!("stored grade {grade}")))?;
    let lesson = u32::try_from(lesson).map_err(ApiError::internal)?;
    Ok((language, grade, lesson))
}
