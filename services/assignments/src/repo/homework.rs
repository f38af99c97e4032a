//! SQL of homework and its versions.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgExecutor, Row, postgres::PgRow};
use uuid::Uuid;

use crate::domain::homework::{Homework, HomeworkFile, LessonKind, LessonRef};

const COLUMNS: &str = "homework_id, school_id, class_id, teacher_id, subject_code, lesson_kind, tasks, resource_links, deadline, posted_at, \
                       lesson, files, expected_minutes, version, withdrawn_at, deadline_date";

/// Stores new homework; false, and nothing written, when homework with its id exists (a keyed
/// write repeated).
pub async fn insert(tx: &mut PgConnection, homework: &Homework) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO homework (homework_id, school_id, class_id, teacher_id, subject_code, lesson_kind, tasks, resource_links, deadline, posted_at, \
                               lesson, files, expected_minutes, version, withdrawn_at, deadline_date) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT (homework_id) DO NOTHING",
    )
    .bind(homework.id)
    .bind(homework.school_id)
    .bind(homework.class_id)
    .bind(homework.teacher_id)
    .bind(&homework.subject_code)
    .bind(homework.lesson_kind.as_str())
    .bind(&homework.tasks)
    .bind(&homework.resource_links)
    .bind(homework.deadline)
    .bind(homework.posted_at)
    .bind(sqlx::types::Json(&homework.lesson))
    .bind(sqlx::types::Json(&homework.files))
    .bind(homework.expected_minutes)
    .bind(homework.version)
    .bind(homework.withdrawn_at)
    .bind(homework.deadline_date)
    .execute(tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Replaces `previous` by `next` (its next version), keeping `previous` in the versions table;
/// false when another change got there first.
pub async fn replace(tx: &mut PgConnection, previous: &Homework, next: &Homework, by: &str) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE homework SET tasks = $3, resource_links = $4, deadline = $5, files = $6, expected_minutes = $7, version = $8, withdrawn_at = $9, \
                             deadline_date = $10 \
         WHERE homework_id = $1 AND version = $2",
    )
    .bind(next.id)
    .bind(previous.version)
    .bind(&next.tasks)
    .bind(&next.resource_links)
    .bind(next.deadline)
    .bind(sqlx::types::Json(&next.files))
    .bind(next.expected_minutes)
    .bind(next.version)
    .bind(next.withdrawn_at)
    .bind(next.deadline_date)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    let snapshot = serde_json::json!({
        "tasks": previous.tasks, "resource_links": previous.resource_links, "deadline": previous.deadline,
        "files": previous.files, "expected_minutes": previous.expected_minutes,
    });
    sqlx::query("INSERT INTO homework_versions (homework_id, version, snapshot, replaced_at, replaced_by) VALUES ($1, $2, $3, now(), $4)")
        .bind(previous.id)
        .bind(previous.version)
        .bind(snapshot)
        .bind(by)
        .execute(tx)
        .await?;
    Ok(true)
}

/// Holds the homework for the rest of `tx`: shared by the changes of its submissions (which do
/// not wait for each other), exclusive for the deadline job and a withdrawal, so the job judges
/// only committed work and no work is taken for homework being withdrawn.
pub async fn hold(tx: &mut PgConnection, id: Uuid, exclusive: bool) -> Result<(), sqlx::Error> {
    if !exclusive {
        return hold_shared_all(tx, &[id]).await;
    }
    sqlx::query(&format!("SELECT pg_advisory_xact_lock({})", hold_key("$1::uuid"))).bind(id).execute(tx).await?;
    Ok(())
}

/// The advisory lock key of a homework id (an SQL expression of `id`): one for every holder.
fn hold_key(id: &str) -> String {
    format!("hashtextextended({id}::text, 11)")
}

/// Marks the late flag of the homework's handed-in work anew against its (or each pupil's
/// extended) deadline, after the deadline moved.
pub async fn reflag_late(tx: &mut PgConnection, id: Uuid, deadline: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE submissions SET late = turned_in_at > greatest(coalesce(extended_until, $2), $2) WHERE homework_id = $1 AND turned_in_at IS NOT NULL")
        .bind(id)
        .bind(deadline)
        .execute(tx)
        .await?;
    Ok(())
}

/// Holds many homework shared, in id order (so two batches never wait for each other in a
/// circle).
pub async fn hold_shared_all(tx: &mut PgConnection, ids: &[Uuid]) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("SELECT pg_advisory_xact_lock_shared({}) FROM (SELECT DISTINCT h FROM unnest($1::uuid[]) h ORDER BY h) o", hold_key("h")))
        .bind(ids)
        .execute(tx)
        .await?;
    Ok(())
}

/// The homework of these ids that exist.
pub async fn find_all<'e>(db: impl PgExecutor<'e>, ids: &[Uuid]) -> Result<Vec<Homework>, sqlx::Error> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM homework WHERE homework_id = ANY($1)")).bind(ids).fetch_all(db).await?;
    rows.iter().map(from_row).collect()
}

pub async fn find<'e>(db: impl PgExecutor<'e>, id: Uuid) -> Result<Option<Homework>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM homework WHERE homework_id = $1")).bind(id).fetch_optional(db).await?;
    row.map(|r| from_row(&r)).transpose()
}

/// Minutes of the class's homework (not withdrawn) due on a local date, but `except`.
pub async fn minutes_due(tx: &mut PgConnection, class_id: Uuid, date: NaiveDate, except: Uuid) -> Result<i32, sqlx::Error> {
    let minutes: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(expected_minutes), 0) FROM homework \
         WHERE class_id = $1 AND deadline_date = $2 AND withdrawn_at IS NULL AND homework_id <> $3",
    )
    .bind(class_id)
    .bind(date)
    .bind(except)
    .fetch_one(tx)
    .await?;
    Ok(i32::try_from(minutes).unwrap_or(i32::MAX))
}

/// A class's homework due on local dates in [from, to), by deadline.
pub async fn of_class<'e>(
    db: impl PgExecutor<'e>,
    class_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    include_withdrawn: bool,
) -> Result<Vec<Homework>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM homework WHERE class_id = $1 AND deadline_date >= $2 AND deadline_date < $3 AND ($4 OR withdrawn_at IS NULL) \
         ORDER BY deadline, homework_id LIMIT 1000"
    ))
    .bind(class_id)
    .bind(from)
    .bind(to)
    .bind(include_withdrawn)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

/// A class's homework not withdrawn with deadlines in [from, to), by deadline.
pub async fn due_between<'e>(db: impl PgExecutor<'e>, class_id: Uuid, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Homework>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM homework WHERE class_id = $1 AND deadline >= $2 AND deadline < $3 AND withdrawn_at IS NULL \
         ORDER BY deadline, homework_id LIMIT 500"
    ))
    .bind(class_id)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

pub fn from_row(row: &PgRow) -> Result<Homework, sqlx::Error> {
    let kind: String = row.try_get("lesson_kind")?;
    let lesson: Option<sqlx::types::Json<LessonRef>> = row.try_get("lesson")?;
    let files: sqlx::types::Json<Vec<HomeworkFile>> = row.try_get("files")?;
    let deadline: DateTime<Utc> = row.try_get("deadline")?;
    Ok(Homework {
        id: row.try_get("homework_id")?,
        school_id: row.try_get("school_id")?,
        class_id: row.try_get("class_id")?,
        teacher_id: row.try_get("teacher_id")?,
        subject_code: row.try_get("subject_code")?,
        lesson_kind: LessonKind::parse(&kind).ok_or_else(|| sqlx::Error::Decode(format!("lesson_kind {kind:?}").into()))?,
        tasks: row.try_get("tasks")?,
        resource_links: row.try_get("resource_links")?,
        deadline,
        deadline_date: row.try_get("deadline_date")?,
        posted_at: row.try_get("posted_at")?,
        lesson: lesson.map(|l| l.0),
        files: files.0,
        expected_minutes: row.try_get("expected_minutes")?,
        version: row.try_get("version")?,
        withdrawn_at: row.try_get("withdrawn_at")?,
    })
}
