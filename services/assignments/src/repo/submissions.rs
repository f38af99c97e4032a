//! SQL of submissions: the current state, attempts and the history.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, Row, postgres::PgRow};
use uuid::Uuid;

use crate::domain::{
    homework::Homework,
    submission::{Actor, Attempt, Channel, HistoryEntry, PaperCustody, Queued, State, Submission},
};

const COLUMNS: &str = "submission_id, homework_id, pupil_id, school_id, class_id, teacher_id, subject_code, state, attempts, turned_in_at, late, \
                       extended_until, assessment, history_length";

/// The pupil's submission of `homework`, created in state New if there is none, locked for the
/// rest of `tx`: changes to one submission take turns, so none is lost.
pub async fn lock_or_create(tx: &mut PgConnection, homework: &Homework, pupil_id: Uuid) -> Result<Submission, sqlx::Error> {
    sqlx::query(
        "INSERT INTO submissions (submission_id, homework_id, pupil_id, school_id, class_id, teacher_id, subject_code, state) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'new') ON CONFLICT (homework_id, pupil_id) DO NOTHING",
    )
    .bind(Uuid::now_v7())
    .bind(homework.id)
    .bind(pupil_id)
    .bind(homework.school_id)
    .bind(homework.class_id)
    .bind(homework.teacher_id)
    .bind(&homework.subject_code)
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM submissions WHERE homework_id = $1 AND pupil_id = $2 FOR UPDATE"))
        .bind(homework.id)
        .bind(pupil_id)
        .fetch_one(&mut *tx)
        .await?;
    from_row(&row)
}

pub async fn find<'e>(db: impl PgExecutor<'e>, homework_id: Uuid, pupil_id: Uuid) -> Result<Option<Submission>, sqlx::Error> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM submissions WHERE homework_id = $1 AND pupil_id = $2"))
        .bind(homework_id)
        .bind(pupil_id)
        .fetch_optional(db)
        .await?;
    row.map(|r| from_row(&r)).transpose()
}

/// Whether a change keyed `request_id` was already made to a submission.
pub async fn seen_request<'e>(db: impl PgExecutor<'e>, request_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM submission_history WHERE request_id = $1)").bind(request_id).fetch_one(db).await
}

/// Writes the submission's new state.
pub async fn update(tx: &mut PgConnection, submission: &Submission) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE submissions SET state = $2, attempts = $3, turned_in_at = $4, late = $5, extended_until = $6, assessment = $7, history_length = $8 \
         WHERE submission_id = $1",
    )
    .bind(submission.id)
    .bind(submission.state.as_str())
    .bind(submission.attempts)
    .bind(submission.turned_in_at)
    .bind(submission.late)
    .bind(submission.extended_until)
    .bind(&submission.assessment)
    .bind(submission.history_length)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn insert_attempt(tx: &mut PgConnection, submission_id: Uuid, attempt: &Attempt, request_id: Option<Uuid>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO attempts (submission_id, number, channel, counted_at, entered_at, entered_by, proxy, body, attachment_ids, paper, late, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(submission_id)
    .bind(attempt.number)
    .bind(attempt.channel.as_str())
    .bind(attempt.counted_at)
    .bind(attempt.entered_at)
    .bind(sqlx::types::Json(&attempt.entered_by))
    .bind(attempt.proxy)
    .bind(&attempt.text)
    .bind(&attempt.attachment_ids)
    .bind(attempt.paper.as_ref().map(sqlx::types::Json))
    .bind(attempt.late)
    .bind(request_id)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn append_history(tx: &mut PgConnection, submission_id: Uuid, entry: &HistoryEntry, request_id: Option<Uuid>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO submission_history (submission_id, sequence, kind, at, actor, principal, state_after, attempt, comment, assessment, proxy, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(submission_id)
    .bind(entry.sequence)
    .bind(&entry.kind)
    .bind(entry.at)
    .bind(sqlx::types::Json(&entry.actor))
    .bind(&entry.principal)
    .bind(entry.state_after.as_str())
    .bind(entry.attempt)
    .bind(&entry.comment)
    .bind(&entry.assessment)
    .bind(entry.proxy)
    .bind(request_id)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn attempts<'e>(db: impl PgExecutor<'e>, submission_id: Uuid) -> Result<Vec<Attempt>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT number, channel, counted_at, entered_at, entered_by, proxy, body, attachment_ids, paper, late FROM attempts \
         WHERE submission_id = $1 ORDER BY number LIMIT 1000",
    )
    .bind(submission_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            let channel: String = row.try_get("channel")?;
            let entered_by: sqlx::types::Json<Actor> = row.try_get("entered_by")?;
            let paper: Option<sqlx::types::Json<PaperCustody>> = row.try_get("paper")?;
            Ok(Attempt {
                number: row.try_get("number")?,
                channel: Channel::parse(&channel).ok_or_else(|| sqlx::Error::Decode(format!("channel {channel:?}").into()))?,
                counted_at: row.try_get("counted_at")?,
                entered_at: row.try_get("entered_at")?,
                entered_by: entered_by.0,
                proxy: row.try_get("proxy")?,
                text: row.try_get("body")?,
                attachment_ids: row.try_get("attachment_ids")?,
                paper: paper.map(|p| p.0),
                late: row.try_get("late")?,
            })
        })
        .collect()
}

pub async fn history<'e>(db: impl PgExecutor<'e>, submission_id: Uuid) -> Result<Vec<HistoryEntry>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT sequence, kind, at, actor, principal, state_after, attempt, comment, assessment, proxy FROM submission_history \
         WHERE submission_id = $1 ORDER BY sequence LIMIT 5000",
    )
    .bind(submission_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            let actor: sqlx::types::Json<Actor> = row.try_get("actor")?;
            Ok(HistoryEntry {
                sequence: row.try_get("sequence")?,
                kind: row.try_get("kind")?,
                at: row.try_get("at")?,
                actor: actor.0,
                principal: row.try_get("principal")?,
                state_after: state(row.try_get("state_after")?)?,
                attempt: row.try_get("attempt")?,
                comment: row.try_get("comment")?,
                assessment: row.try_get("assessment")?,
                proxy: row.try_get("proxy")?,
            })
        })
        .collect()
}

/// A teacher's work turned in and unchecked, oldest first, after the key `(turned_in_at,
/// submission_id)` of the previous page's last item.
pub async fn teacher_queue<'e>(
    db: impl PgExecutor<'e>,
    teacher_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u32,
) -> Result<Vec<Queued>, sqlx::Error> {
    let (after_at, after_id) = after.unzip();
    let rows: Vec<(Uuid, Uuid, Uuid, Uuid, String, i32, DateTime<Utc>, bool)> = sqlx::query_as(
        "SELECT submission_id, homework_id, pupil_id, class_id, subject_code, attempts, turned_in_at, late FROM submissions \
         WHERE teacher_id = $1 AND state = 'turned_in' AND ($2::timestamptz IS NULL OR (turned_in_at, submission_id) > ($2, $3)) \
         ORDER BY turned_in_at, submission_id LIMIT $4",
    )
    .bind(teacher_id)
    .bind(after_at)
    .bind(after_id)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(submission_id, homework_id, pupil_id, class_id, subject_code, attempt, turned_in_at, late)| Queued {
            submission_id,
            homework_id,
            pupil_id,
            class_id,
            subject_code,
            attempt,
            turned_in_at,
            late,
        })
        .collect())
}

/// The pupil's submissions of these homework.
pub async fn of_pupil<'e>(db: impl PgExecutor<'e>, pupil_id: Uuid, homework_ids: &[Uuid]) -> Result<Vec<Submission>, sqlx::Error> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM submissions WHERE pupil_id = $1 AND homework_id = ANY($2)"))
        .bind(pupil_id)
        .bind(homework_ids)
        .fetch_all(db)
        .await?;
    rows.iter().map(from_row).collect()
}

fn state(raw: String) -> Result<State, sqlx::Error> {
    State::parse(&raw).ok_or_else(|| sqlx::Error::Decode(format!("state {raw:?}").into()))
}

fn from_row(row: &PgRow) -> Result<Submission, sqlx::Error> {
    Ok(Submission {
        id: row.try_get("submission_id")?,
        homework_id: row.try_get("homework_id")?,
        pupil_id: row.try_get("pupil_id")?,
        school_id: row.try_get("school_id")?,
        class_id: row.try_get("class_id")?,
        teacher_id: row.try_get("teacher_id")?,
        subject_code: row.try_get("subject_code")?,
        state: state(row.try_get("state")?)?,
        attempts: row.try_get("attempts")?,
        turned_in_at: row.try_get("turned_in_at")?,
        late: row.try_get("late")?,
        extended_until: row.try_get("extended_until")?,
        assessment: row.try_get("assessment")?,
        history_length: row.try_get("history_length")?,
    })
}
