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
    lock_or_create_all(tx, &[(homework, pupil_id)]).await?.pop().ok_or(sqlx::Error::RowNotFound)
}

/// The submissions of `pairs` (homework, pupil), each created in state New if there is none,
/// locked for the rest of `tx` (in id order), in the order of `pairs`.
pub async fn lock_or_create_all(tx: &mut PgConnection, pairs: &[(&Homework, Uuid)]) -> Result<Vec<Submission>, sqlx::Error> {
    let ids: Vec<Uuid> = pairs.iter().map(|_| Uuid::now_v7()).collect();
    let homework: Vec<Uuid> = pairs.iter().map(|(h, _)| h.id).collect();
    let pupils: Vec<Uuid> = pairs.iter().map(|(_, p)| *p).collect();
    let schools: Vec<Uuid> = pairs.iter().map(|(h, _)| h.school_id).collect();
    let classes: Vec<Uuid> = pairs.iter().map(|(h, _)| h.class_id).collect();
    let teachers: Vec<Uuid> = pairs.iter().map(|(h, _)| h.teacher_id).collect();
    let subjects: Vec<&str> = pairs.iter().map(|(h, _)| h.subject_code.as_str()).collect();
    sqlx::query(
        "INSERT INTO submissions (submission_id, homework_id, pupil_id, school_id, class_id, teacher_id, subject_code, state) \
         SELECT s, h, p, sc, c, t, su, 'new' FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[]) AS x(s, h, p, sc, c, t, su) \
         ORDER BY h, p ON CONFLICT (homework_id, pupil_id) DO NOTHING",
    )
    .bind(&ids)
    .bind(&homework)
    .bind(&pupils)
    .bind(&schools)
    .bind(&classes)
    .bind(&teachers)
    .bind(&subjects)
    .execute(&mut *tx)
    .await?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM submissions WHERE (homework_id, pupil_id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[])) ORDER BY submission_id FOR UPDATE"
    ))
    .bind(&homework)
    .bind(&pupils)
    .fetch_all(&mut *tx)
    .await?;
    let found: Vec<Submission> = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    pairs.iter().map(|(h, p)| found.iter().find(|s| s.homework_id == h.id && s.pupil_id == *p).cloned().ok_or(sqlx::Error::RowNotFound)).collect()
}

/// Which of these request ids were already used by a change to a submission.
pub async fn seen_requests<'e>(db: impl PgExecutor<'e>, ids: &[Uuid]) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT request_id FROM submission_history WHERE request_id = ANY($1)").bind(ids).fetch_all(db).await
}

/// Writes many submissions' new states in one statement.
pub async fn update_all(tx: &mut PgConnection, submissions: &[&Submission]) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE submissions s SET state = u.state, attempts = u.attempts, turned_in_at = u.turned_in_at, late = u.late, history_length = u.history_length \
         FROM unnest($1::uuid[], $2::text[], $3::int[], $4::timestamptz[], $5::bool[], $6::bigint[]) AS u(id, state, attempts, turned_in_at, late, history_length) \
         WHERE s.submission_id = u.id",
    )
    .bind(submissions.iter().map(|s| s.id).collect::<Vec<_>>())
    .bind(submissions.iter().map(|s| s.state.as_str()).collect::<Vec<_>>())
    .bind(submissions.iter().map(|s| s.attempts).collect::<Vec<_>>())
    .bind(submissions.iter().map(|s| s.turned_in_at).collect::<Vec<_>>())
    .bind(submissions.iter().map(|s| s.late).collect::<Vec<_>>())
    .bind(submissions.iter().map(|s| s.history_length).collect::<Vec<_>>())
    .execute(tx)
    .await?;
    Ok(())
}

/// Stores many attempts (each with its submission and request id) in one statement.
pub async fn insert_attempts(tx: &mut PgConnection, attempts: &[(Uuid, &Attempt, Option<Uuid>)]) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO attempts (submission_id, number, channel, counted_at, entered_at, entered_by, proxy, body, attachment_ids, paper, late, request_id) \
         SELECT s, n, ch, co, en, eb, px, b, ARRAY(SELECT jsonb_array_elements_text(at)::uuid), pa, l, r \
         FROM unnest($1::uuid[], $2::int[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::jsonb[], $7::bool[], $8::text[], $9::jsonb[], $10::jsonb[], $11::bool[], $12::uuid[]) \
           AS x(s, n, ch, co, en, eb, px, b, at, pa, l, r)",
    )
    .bind(attempts.iter().map(|(s, _, _)| *s).collect::<Vec<_>>())
    .bind(attempts.iter().map(|(_, a, _)| a.number).collect::<Vec<_>>())
    .bind(attempts.iter().map(|(_, a, _)| a.channel.as_str()).collect::<Vec<_>>())
    .bind(attempts.iter().map(|(_, a, _)| a.counted_at).collect::<Vec<_>>())
    .bind(attempts.iter().map(|(_, a, _)| a.entered_at).collect::<Vec<_>>())
    .bind(attempts.iter().map(|(_, a, _)| serde_json::json!(a.entered_by)).collect::<Vec<_>>())
    .bind(attempts.iter().map(|(_, a, _)| a.proxy).collect::<Vec<_>>())
    .bind(attempts.iter().map(|(_, a, _)| a.text.as_str()).collect::<Vec<_>>())
    .bind(attempts.iter().map(|(_, a, _)| serde_json::json!(a.attachment_ids)).collect::<Vec<_>>())
    .bind(attempts.iter().map(|(_, a, _)| a.paper.as_ref().map(|p| serde_json::json!(p))).collect::<Vec<_>>())
    .bind(attempts.iter().map(|(_, a, _)| a.late).collect::<Vec<_>>())
    .bind(attempts.iter().map(|(_, _, r)| *r).collect::<Vec<_>>())
    .execute(tx)
    .await?;
    Ok(())
}

/// Appends many history entries (each with its submission and request id) in one statement.
pub async fn append_history_all(tx: &mut PgConnection, entries: &[(Uuid, &HistoryEntry, Option<Uuid>)]) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO submission_history (submission_id, sequence, kind, at, actor, principal, state_after, attempt, comment, assessment, proxy, request_id) \
         SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::timestamptz[], $5::jsonb[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[], $11::bool[], $12::uuid[])",
    )
    .bind(entries.iter().map(|(s, _, _)| *s).collect::<Vec<_>>())
    .bind(entries.iter().map(|(_, e, _)| e.sequence).collect::<Vec<_>>())
    .bind(entries.iter().map(|(_, e, _)| e.kind.as_str()).collect::<Vec<_>>())
    .bind(entries.iter().map(|(_, e, _)| e.at).collect::<Vec<_>>())
    .bind(entries.iter().map(|(_, e, _)| serde_json::json!(e.actor)).collect::<Vec<_>>())
    .bind(entries.iter().map(|(_, e, _)| e.principal.as_str()).collect::<Vec<_>>())
    .bind(entries.iter().map(|(_, e, _)| e.state_after.as_str()).collect::<Vec<_>>())
    .bind(entries.iter().map(|(_, e, _)| e.attempt).collect::<Vec<_>>())
    .bind(entries.iter().map(|(_, e, _)| e.comment.as_str()).collect::<Vec<_>>())
    .bind(entries.iter().map(|(_, e, _)| e.assessment.as_str()).collect::<Vec<_>>())
    .bind(entries.iter().map(|(_, e, _)| e.proxy).collect::<Vec<_>>())
    .bind(entries.iter().map(|(_, _, r)| *r).collect::<Vec<_>>())
    .execute(tx)
    .await?;
    Ok(())
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
    Ok(!seen_requests(db, &[request_id]).await?.is_empty())
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

pub async fn append_history(tx: &mut PgConnection, submission_id: Uuid, entry: &HistoryEntry, request_id: Option<Uuid>) -> Result<(), sqlx::Error> {
    append_history_all(tx, &[(submission_id, entry, request_id)]).await
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
