//! SQL of absences and video conferences.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgExecutor, Row, postgres::PgRow};
use uuid::Uuid;

use crate::domain::absence::{Absence, AbsenceReason, Conference, PupilAtDeadline};

const COLUMNS: &str = "absence_id, pupil_id, school_id, class_id, reason, homework_id, conference_id, date, marked_at, withdrawn_at";

/// Marks the absence unless one for the same pupil and homework (or conference) exists: true
/// when this call marked it. Two replicas running the same job cannot both mark it.
pub async fn mark(tx: &mut PgConnection, absence: &Absence) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(&format!("INSERT INTO absences ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL) ON CONFLICT DO NOTHING"))
        .bind(absence.id)
        .bind(absence.pupil_id)
        .bind(absence.school_id)
        .bind(absence.class_id)
        .bind(absence.reason.as_str())
        .bind(absence.homework_id)
        .bind(absence.conference_id)
        .bind(absence.date)
        .bind(absence.marked_at)
        .execute(tx)
        .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Withdraws the pupil's standing absence for the homework, returning it; `None` when there is
/// none.
pub async fn withdraw(tx: &mut PgConnection, pupil_id: Uuid, homework_id: Uuid, at: DateTime<Utc>) -> Result<Option<Absence>, sqlx::Error> {
    let row =
        sqlx::query(&format!("UPDATE absences SET withdrawn_at = $3 WHERE pupil_id = $1 AND homework_id = $2 AND withdrawn_at IS NULL RETURNING {COLUMNS}"))
            .bind(pupil_id)
            .bind(homework_id)
            .bind(at)
            .fetch_optional(tx)
            .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// Withdraws every standing deadline absence of the homework (withdrawn, or its deadline moved
/// ahead), returning them.
pub async fn withdraw_all(tx: &mut PgConnection, homework_id: Uuid, at: DateTime<Utc>) -> Result<Vec<Absence>, sqlx::Error> {
    let rows = sqlx::query(&format!("UPDATE absences SET withdrawn_at = $2 WHERE homework_id = $1 AND withdrawn_at IS NULL RETURNING {COLUMNS}"))
        .bind(homework_id)
        .bind(at)
        .fetch_all(tx)
        .await?;
    rows.iter().map(from_row).collect()
}

/// What the deadline job needs of each pupil of the class (or of one pupil).
pub async fn pupils_at_deadline(tx: &mut PgConnection, homework_id: Uuid, class_id: Uuid, only: Option<Uuid>) -> Result<Vec<PupilAtDeadline>, sqlx::Error> {
    let rows: Vec<(Uuid, Option<DateTime<Utc>>, Option<String>, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT p.pupil_id, s.extended_until, s.state, \
                (SELECT min(a.counted_at) FROM attempts a WHERE a.submission_id = s.submission_id) \
         FROM known_pupils p LEFT JOIN submissions s ON s.homework_id = $1 AND s.pupil_id = p.pupil_id \
         WHERE p.class_id = $2 AND ($3::uuid IS NULL OR p.pupil_id = $3)",
    )
    .bind(homework_id)
    .bind(class_id)
    .bind(only)
    .fetch_all(tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(pupil_id, extended_until, state, first_counted_at)| PupilAtDeadline {
            pupil_id,
            extended_until,
            excused: state.as_deref() == Some("excused"),
            first_counted_at,
        })
        .collect())
}

pub async fn of_pupil<'e>(db: impl PgExecutor<'e>, pupil_id: Uuid, from: NaiveDate, to: NaiveDate) -> Result<Vec<Absence>, sqlx::Error> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM absences WHERE pupil_id = $1 AND date >= $2 AND date < $3 ORDER BY date, marked_at LIMIT 2000"))
        .bind(pupil_id)
        .bind(from)
        .bind(to)
        .fetch_all(db)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Stores the conference; false when one with its id exists (a keyed write repeated).
pub async fn insert_conference(tx: &mut PgConnection, conference: &Conference) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO conferences (conference_id, school_id, class_id, teacher_id, subject_code, held_at, present) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (conference_id) DO NOTHING",
    )
    .bind(conference.id)
    .bind(conference.school_id)
    .bind(conference.class_id)
    .bind(conference.teacher_id)
    .bind(&conference.subject_code)
    .bind(conference.held_at)
    .bind(&conference.present)
    .execute(tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

pub async fn conference<'e>(db: impl PgExecutor<'e>, id: Uuid) -> Result<Option<Conference>, sqlx::Error> {
    let row: Option<(Uuid, Uuid, Uuid, String, DateTime<Utc>, Vec<Uuid>)> =
        sqlx::query_as("SELECT school_id, class_id, teacher_id, subject_code, held_at, present FROM conferences WHERE conference_id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(school_id, class_id, teacher_id, subject_code, held_at, present)| Conference {
        id,
        school_id,
        class_id,
        teacher_id,
        subject_code,
        held_at,
        present,
    }))
}

fn from_row(row: &PgRow) -> Result<Absence, sqlx::Error> {
    let reason: String = row.try_get("reason")?;
    Ok(Absence {
        id: row.try_get("absence_id")?,
        pupil_id: row.try_get("pupil_id")?,
        school_id: row.try_get("school_id")?,
        class_id: row.try_get("class_id")?,
        reason: AbsenceReason::parse(&reason).ok_or_else(|| sqlx::Error::Decode(format!("reason {reason:?}").into()))?,
        homework_id: row.try_get("homework_id")?,
        conference_id: row.try_get("conference_id")?,
        date: row.try_get("date")?,
        marked_at: row.try_get("marked_at")?,
        withdrawn_at: row.try_get("withdrawn_at")?,
    })
}
