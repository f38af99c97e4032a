//! SQL of TV-lesson assets and of which asset airs in which lesson (R-TV-3, R-TV-5).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use prost::Message;
use qashyq_catalogue::{Grade, Language};
use qashyq_platform::events::{Event, Outbox};
use sqlx::{PgPool, types::Json};
use uuid::Uuid;

use super::legacy;
use crate::{
    domain::{
        assets::{Approval, AssetPlan, LessonAsset, LessonKey, ScheduledAsset},
        lesson_plan::Segment,
    },
    error::TvGridError,
};

pub struct AssetRepo {
    pool: PgPool,
    outbox: &'static Outbox,
}

#[derive(sqlx::FromRow)]
struct AssetRow {
    asset_id: Uuid,
    language: String,
    grade: i16,
    subject_code: String,
    topic: String,
    teacher_name: String,
    closing_message: Option<String>,
    media_ref: Option<String>,
    segments: Option<Json<Vec<Segment>>>,
    registered_by: String,
    registered_at: DateTime<Utc>,
    approved_by: Option<String>,
    approved_at: Option<DateTime<Utc>>,
}

impl AssetRow {
    fn asset(self) -> Result<LessonAsset, TvGridError> {
        let id = self.asset_id;
        let (Some(closing_message), Some(media_ref), Some(segments)) = (self.closing_message, self.media_ref, self.segments) else {
            return Err(TvGridError::Corrupt(format!("asset {id} is in the old encoding and was not converted")));
        };
        let (language, grade) = stored_class(&self.language, self.grade)?;
        let approval = match (self.approved_by, self.approved_at) {
            (Some(by), Some(at)) => Some(Approval { by, at }),
            _ => None,
        };
        Ok(LessonAsset {
            id,
            plan: AssetPlan {
                language,
                grade,
                subject_code: self.subject_code,
                topic: self.topic,
                teacher_name: self.teacher_name,
                closing_message,
                media_ref,
                segments: segments.0,
            },
            registered_by: self.registered_by,
            registered_at: self.registered_at,
            approval,
        })
    }
}

const ASSET_COLUMNS: &str = "asset_id, language, grade, subject_code, topic, teacher_name, closing_message, media_ref, segments, \
                             registered_by, registered_at, approved_by, approved_at";

impl AssetRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool, outbox: &crate::OUTBOX }
    }

    /// Stores a checked asset, pending approval.
    pub async fn register(&self, plan: &AssetPlan, registered_by: &str) -> Result<LessonAsset, TvGridError> {
        let row: AssetRow = sqlx::query_as(&format!(
            "INSERT INTO lesson_assets (asset_id, language, grade, subject_code, topic, teacher_name, closing_message, media_ref, segments, registered_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {ASSET_COLUMNS}"
        ))
        .bind(Uuid::now_v7())
        .bind(plan.language.code())
        .bind(i16::from(plan.grade.value()))
        .bind(&plan.subject_code)
        .bind(&plan.topic)
        .bind(&plan.teacher_name)
        .bind(&plan.closing_message)
        .bind(&plan.media_ref)
        .bind(Json(&plan.segments))
        .bind(registered_by)
        .fetch_one(&self.pool)
        .await?;
        row.asset()
    }

    pub async fn get(&self, asset_id: Uuid) -> Result<Option<LessonAsset>, TvGridError> {
        let row: Option<AssetRow> =
            sqlx::query_as(&format!("SELECT {ASSET_COLUMNS} FROM lesson_assets WHERE asset_id = $1")).bind(asset_id).fetch_optional(&self.pool).await?;
        row.map(AssetRow::asset).transpose()
    }

    /// Approves an asset once, with the event it is handed; approving it again keeps the first
    /// approval and writes nothing.
    pub async fn approve(&self, asset_id: Uuid, approved_by: &str, approved: &impl Event) -> Result<LessonAsset, TvGridError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<AssetRow> = sqlx::query_as(&format!(
            "UPDATE lesson_assets SET approved_by = $2, approved_at = now() \
             WHERE asset_id = $1 AND approved_at IS NULL RETURNING {ASSET_COLUMNS}"
        ))
        .bind(asset_id)
        .bind(approved_by)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return self.get(asset_id).await?.ok_or(TvGridError::AssetNotFound(asset_id));
        };
        self.outbox.enqueue(&mut tx, &asset_id.to_string(), approved).await?;
        tx.commit().await?;
        row.asset()
    }

    /// Puts an asset on a lesson, replacing the one it had, with the event `announce` makes of the
    /// replaced asset (none when the lesson already had this one); returns the replaced asset.
    pub async fn schedule<E: Event>(
        &self,
        lesson: LessonKey,
        asset_id: Uuid,
        scheduled_by: &str,
        announce: impl FnOnce(Option<Uuid>) -> E,
    ) -> Result<Option<Uuid>, TvGridError> {
        let mut tx = self.pool.begin().await?;
        let previous: Option<Uuid> =
            sqlx::query_scalar("SELECT asset_id FROM scheduled_lessons WHERE air_date = $1 AND language = $2 AND grade = $3 AND lesson_of_day = $4 FOR UPDATE")
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
            let subject = format!("{}/{}/{}/{}", lesson.date, lesson.language.code(), lesson.grade.value(), lesson.lesson_of_day);
            self.outbox.enqueue(&mut tx, &subject, &announce(previous)).await?;
        }
        tx.commit().await?;
        Ok(previous)
    }

    /// The assets scheduled on a date, by language, grade and lesson.
    pub async fn scheduled_on(&self, date: NaiveDate) -> Result<HashMap<(Language, Grade, u32), ScheduledAsset>, TvGridError> {
        let rows: Vec<(String, i16, i32, Uuid, String, String, String)> = sqlx::query_as(
            "SELECT s.language, s.grade, s.lesson_of_day, a.asset_id, a.subject_code, a.topic, a.teacher_name \
             FROM scheduled_lessons s JOIN lesson_assets a USING (asset_id) WHERE s.air_date = $1",
        )
        .bind(date)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(language, grade, lesson, asset_id, subject, topic, teacher_name)| {
                let (language, grade) = stored_class(&language, grade)?;
                Ok(((language, grade, stored_lesson(lesson)?), ScheduledAsset { asset_id, subject, topic, teacher_name }))
            })
            .collect()
    }

    /// Every lesson an asset is scheduled in.
    pub async fn lessons_of(&self, asset_id: Uuid) -> Result<Vec<LessonKey>, TvGridError> {
        let rows: Vec<(NaiveDate, String, i16, i32)> =
            sqlx::query_as("SELECT air_date, language, grade, lesson_of_day FROM scheduled_lessons WHERE asset_id = $1 ORDER BY air_date, lesson_of_day")
                .bind(asset_id)
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(date, language, grade, lesson)| {
                let (language, grade) = stored_class(&language, grade)?;
                Ok(LessonKey { date, language, grade, lesson_of_day: stored_lesson(lesson)? })
            })
            .collect()
    }

    /// Converts plans stored before migration 5 (encoded API messages) into the service's own
    /// columns, once: each row in its own transaction, locked; one that cannot be decoded is left
    /// as it is and logged (reading it then says so).
    pub async fn convert_legacy(&self) -> Result<usize, TvGridError> {
        let mut converted = 0;
        let ids: Vec<Uuid> = sqlx::query_scalar("SELECT asset_id FROM lesson_assets WHERE legacy_plan IS NOT NULL").fetch_all(&self.pool).await?;
        for asset_id in ids {
            let mut tx = self.pool.begin().await?;
            let bytes: Option<Option<Vec<u8>>> =
                sqlx::query_scalar("SELECT legacy_plan FROM lesson_assets WHERE asset_id = $1 FOR UPDATE").bind(asset_id).fetch_optional(&mut *tx).await?;
            let Some(Some(bytes)) = bytes else { continue };
            let plan = match legacy::LessonAssetPlan::decode(bytes.as_slice()) {
                Ok(plan) => plan,
                Err(error) => {
                    tracing::error!(%asset_id, %error, "a stored asset plan cannot be decoded; left unconverted");
                    continue;
                }
            };
            let segments: Vec<Segment> = plan.segments.into_iter().map(legacy::segment).collect();
            sqlx::query("UPDATE lesson_assets SET closing_message = $2, media_ref = $3, segments = $4, legacy_plan = NULL WHERE asset_id = $1")
                .bind(asset_id)
                .bind(&plan.closing_message)
                .bind(&plan.media_ref)
                .bind(Json(&segments))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            converted += 1;
        }
        if converted > 0 {
            tracing::info!(rows = converted, "lesson asset plans of the old encoding converted");
        }
        Ok(converted)
    }
}

/// Reads a stored language and grade; the table's checks make a failure a bug.
fn stored_class(language: &str, grade: i16) -> Result<(Language, Grade), TvGridError> {
    let parsed: Language = language.parse().map_err(|_| TvGridError::Corrupt(format!("stored language {language:?}")))?;
    let grade = Grade::new(grade.into()).ok_or_else(|| TvGridError::Corrupt(format!("stored grade {grade}")))?;
    Ok((parsed, grade))
}

fn stored_lesson(lesson: i32) -> Result<u32, TvGridError> {
    u32::try_from(lesson).map_err(|_| TvGridError::Corrupt(format!("stored lesson {lesson}")))
}
