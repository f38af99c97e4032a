//! SQL of summative marks.

use sqlx::{PgConnection, PgExecutor, Row, postgres::PgRow};
use uuid::Uuid;

use crate::domain::mark::{Mark, MarkKind};

const COLUMNS: &str =
    "mark_id, pupil_id, school_id, class_id, subject_code, kind, school_year, quarter, number, score, max_score, teacher_id, recorded_at, version";

/// The mark a write keyed `request_id` made, if it was made.
pub async fn written_by<'e>(db: impl PgExecutor<'e>, request_id: Uuid) -> Result<Option<Mark>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM marks WHERE mark_id = (SELECT mark_id FROM mark_writes WHERE request_id = $1)"))
        .bind(request_id)
        .fetch_optional(db)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// Records the mark, or corrects the one of the same work (a new version), remembering the
/// write's `request_id`; `None` when a write with that id was made meanwhile (a racing retry).
pub async fn upsert(tx: &mut PgConnection, mark: &Mark, request_id: Option<Uuid>) -> Result<Option<Mark>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "INSERT INTO marks ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1) \
         ON CONFLICT (pupil_id, subject_code, kind, school_year, quarter, number) DO UPDATE \
           SET score = EXCLUDED.score, max_score = EXCLUDED.max_score, teacher_id = EXCLUDED.teacher_id, recorded_at = EXCLUDED.recorded_at, \
               version = marks.version + 1 \
         RETURNING {COLUMNS}"
    ))
    .bind(mark.id)
    .bind(mark.pupil_id)
    .bind(mark.school_id)
    .bind(mark.class_id)
    .bind(&mark.subject_code)
    .bind(mark.kind.as_str())
    .bind(mark.school_year)
    .bind(mark.quarter)
    .bind(mark.number)
    .bind(mark.score)
    .bind(mark.max_score)
    .bind(mark.teacher_id)
    .bind(mark.recorded_at)
    .fetch_one(&mut *tx)
    .await?;
    let stored = from_row(&row)?;
    if let Some(request_id) = request_id {
        let remembered = sqlx::query("INSERT INTO mark_writes (request_id, mark_id) VALUES ($1, $2) ON CONFLICT (request_id) DO NOTHING")
            .bind(request_id)
            .bind(stored.id)
            .execute(&mut *tx)
            .await?;
        if remembered.rows_affected() == 0 {
            return Ok(None);
        }
    }
    Ok(Some(stored))
}

pub async fn find<'e>(db: impl PgExecutor<'e>, mark: &Mark) -> Result<Option<Mark>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM marks WHERE pupil_id = $1 AND subject_code = $2 AND kind = $3 AND school_year = $4 AND quarter = $5 AND number = $6"
    ))
    .bind(mark.pupil_id)
    .bind(&mark.subject_code)
    .bind(mark.kind.as_str())
    .bind(mark.school_year)
    .bind(mark.quarter)
    .bind(mark.number)
    .fetch_optional(db)
    .await?;
    row.map(|r| from_row(&r)).transpose()
}

pub async fn of_pupil<'e>(db: impl PgExecutor<'e>, pupil_id: Uuid, school_year: i32) -> Result<Vec<Mark>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM marks WHERE pupil_id = $1 AND school_year = $2 ORDER BY subject_code, CASE kind WHEN 'sor' THEN 0 ELSE 1 END, quarter, number LIMIT 1000"
    ))
    .bind(pupil_id)
    .bind(school_year)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

fn from_row(row: &PgRow) -> Result<Mark, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    Ok(Mark {
        id: row.try_get("mark_id")?,
        pupil_id: row.try_get("pupil_id")?,
        school_id: row.try_get("school_id")?,
        class_id: row.try_get("class_id")?,
        subject_code: row.try_get("subject_code")?,
        kind: MarkKind::parse(&kind).ok_or_else(|| sqlx::Error::Decode(format!("kind {kind:?}").into()))?,
        school_year: row.try_get("school_year")?,
        quarter: row.try_get("quarter")?,
        number: row.try_get("number")?,
        score: row.try_get("score")?,
        max_score: row.try_get("max_score")?,
        teacher_id: row.try_get("teacher_id")?,
        recorded_at: row.try_get("recorded_at")?,
        version: row.try_get("version")?,
    })
}
