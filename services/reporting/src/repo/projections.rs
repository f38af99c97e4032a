//! Applying facts to the projections, each in the consumer's transaction (its inbox row commits
//! with it). Every statement is an upsert that gives the same rows whatever order the facts
//! arrive in, except where a counter is bumped exactly once per first sighting.

use sqlx::PgConnection;

use chrono::{DateTime, Utc};

use crate::domain::{
    facts::{Attempt, Fact, Feedback, Homework, SessionChange, TvAsset},
    latency, week,
};

/// The counting block of an instant, over the zones of the catalogue's regions.
fn block(at: DateTime<Utc>) -> DateTime<Utc> {
    static ZONES: std::sync::OnceLock<Vec<chrono_tz::Tz>> = std::sync::OnceLock::new();
    let zones = ZONES.get_or_init(|| {
        let mut zones: Vec<chrono_tz::Tz> = super::catalogue_zones().into_iter().map(|(_, zone)| zone).collect();
        zones.sort_by_key(|z| z.name());
        zones.dedup();
        zones
    });
    week::block_of(at, zones)
}

/// The projections' tables, emptied before a rebuild (kept reports and the event log stay).
pub const TABLES: &[&str] = &[
    "districts",
    "schools",
    "classes",
    "teachers",
    "pupils",
    "timetable_states",
    "homework",
    "submissions",
    "submission_blocks",
    "work_blocks",
    "paper_work",
    "feedback_attempts",
    "feedback_blocks",
    "absences",
    "tv_assets",
    "proctoring_sessions",
];

pub async fn apply(tx: &mut PgConnection, fact: &Fact) -> Result<(), sqlx::Error> {
    match fact {
        Fact::School(s) => {
            sqlx::query(
                "INSERT INTO schools (school_id, region_code, district_id, name, connectivity, learning_mode) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (school_id) DO UPDATE SET region_code = EXCLUDED.region_code, district_id = EXCLUDED.district_id, name = EXCLUDED.name, \
                 connectivity = EXCLUDED.connectivity, learning_mode = EXCLUDED.learning_mode",
            )
            .bind(&s.id)
            .bind(&s.region_code)
            .bind(&s.district_id)
            .bind(&s.name)
            .bind(&s.connectivity)
            .bind(&s.learning_mode)
            .execute(tx)
            .await?;
        }
        Fact::District(d) => {
            sqlx::query("INSERT INTO districts (district_id, region_code, name) VALUES ($1, $2, $3) ON CONFLICT (district_id) DO UPDATE SET region_code = EXCLUDED.region_code, name = EXCLUDED.name")
                .bind(&d.id)
                .bind(&d.region_code)
                .bind(&d.name)
                .execute(tx)
                .await?;
        }
        Fact::Class(c) => {
            sqlx::query(
                "INSERT INTO classes (class_id, school_id, grade, language, weekly_lessons) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (class_id) DO UPDATE SET school_id = EXCLUDED.school_id, grade = EXCLUDED.grade, language = EXCLUDED.language, weekly_lessons = EXCLUDED.weekly_lessons",
            )
            .bind(&c.id)
            .bind(&c.school_id)
            .bind(c.grade)
            .bind(&c.language)
            .bind(c.weekly_lessons)
            .execute(tx)
            .await?;
        }
        Fact::Teacher(t) => {
            sqlx::query("INSERT INTO teachers (teacher_id, school_id, full_name) VALUES ($1, $2, $3) ON CONFLICT (teacher_id) DO UPDATE SET school_id = EXCLUDED.school_id, full_name = EXCLUDED.full_name")
                .bind(&t.id)
                .bind(&t.school_id)
                .bind(&t.full_name)
                .execute(tx)
                .await?;
        }
        Fact::Pupil(p) => {
            sqlx::query(
                "INSERT INTO pupils (pupil_id, school_id, class_id, delivery) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (pupil_id) DO UPDATE SET school_id = EXCLUDED.school_id, class_id = EXCLUDED.class_id, delivery = EXCLUDED.delivery",
            )
            .bind(&p.id)
            .bind(&p.school_id)
            .bind(&p.class_id)
            .bind(&p.delivery)
            .execute(tx)
            .await?;
        }
        Fact::Timetable(t) => {
            sqlx::query("INSERT INTO timetable_states (school_id, version, aligned, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .bind(&t.school_id)
                .bind(t.version)
                .bind(t.aligned)
                .bind(t.at)
                .execute(tx)
                .await?;
        }
        Fact::HomeworkPosted(h) => homework_posted(tx, h).await?,
        Fact::HomeworkChanged(h) => {
            // Before the post arrived: a row the post completes (version 0 is "not posted yet").
            let changed = sqlx::query(
                "INSERT INTO homework (homework_id, school_id, class_id, teacher_id, lesson_kind, deadline, version) VALUES ($1, $2, $3, '', '', $4, $5) \
                 ON CONFLICT (homework_id) DO UPDATE SET deadline = EXCLUDED.deadline, version = EXCLUDED.version WHERE homework.version < EXCLUDED.version",
            )
            .bind(&h.id)
            .bind(&h.school_id)
            .bind(&h.class_id)
            .bind(h.deadline)
            .bind(h.version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 1 {
                deadline_moved(tx, &h.id, block(h.deadline)).await?;
            }
        }
        Fact::HomeworkWithdrawn { id, .. } => homework_withdrawn(tx, id).await?,
        Fact::Attempt(a) => attempt(tx, a).await?,
        Fact::Feedback(f) => feedback(tx, f).await?,
        Fact::Absence(a) => {
            sqlx::query("INSERT INTO absences (absence_id, class_id, date) VALUES ($1, $2, $3) ON CONFLICT (absence_id) DO UPDATE SET date = EXCLUDED.date")
                .bind(&a.id)
                .bind(&a.class_id)
                .bind(a.date)
                .execute(tx)
                .await?;
        }
        Fact::AbsenceWithdrawn(a) => {
            sqlx::query("INSERT INTO absences (absence_id, class_id, date, withdrawn) VALUES ($1, $2, NULL, true) ON CONFLICT (absence_id) DO UPDATE SET withdrawn = true")
                .bind(&a.id)
                .bind(&a.class_id)
                .execute(tx)
                .await?;
        }
        Fact::TvAsset(asset) => tv_asset(tx, asset).await?,
        Fact::Session(change) => session(tx, change).await?,
    }
    Ok(())
}

async fn homework_posted(tx: &mut PgConnection, h: &Homework) -> Result<(), sqlx::Error> {
    // A change or withdrawal seen first left a row of version 0 or with a later deadline: the
    // post fills in who and after what lesson, and its deadline only where none is newer.
    sqlx::query(
        "INSERT INTO homework (homework_id, school_id, class_id, teacher_id, lesson_kind, deadline, version) VALUES ($1, $2, $3, $4, $5, $6, 1) \
         ON CONFLICT (homework_id) DO UPDATE SET teacher_id = EXCLUDED.teacher_id, lesson_kind = EXCLUDED.lesson_kind, \
         deadline = CASE WHEN homework.version = 0 THEN EXCLUDED.deadline ELSE homework.deadline END, version = greatest(homework.version, 1)",
    )
    .bind(&h.id)
    .bind(&h.school_id)
    .bind(&h.class_id)
    .bind(&h.teacher_id)
    .bind(&h.lesson_kind)
    .bind(h.deadline)
    .execute(tx)
    .await?;
    Ok(())
}

/// The work handed in against a homework whose deadline moved counts in the week of its new
/// deadline, as the homework does: its counts move from the old block to the new one.
async fn deadline_moved(tx: &mut PgConnection, homework_id: &str, to: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH old AS (SELECT class_id, deadline_block, channel, count(*) AS n, count(*) FILTER (WHERE NOT late) AS ok FROM submissions \
                      WHERE homework_id = $1 AND deadline_block <> $2 GROUP BY 1, 2, 3), \
         taken AS (UPDATE submission_blocks r SET handed_in = r.handed_in - o.n, on_time = r.on_time - o.ok FROM old o \
                   WHERE r.class_id = o.class_id AND r.deadline_block = o.deadline_block AND r.channel = o.channel), \
         given AS (INSERT INTO submission_blocks (class_id, deadline_block, channel, handed_in, on_time) \
                   SELECT class_id, $2, channel, sum(n), sum(ok) FROM old GROUP BY class_id, channel \
                   ON CONFLICT (class_id, deadline_block, channel) DO UPDATE SET handed_in = submission_blocks.handed_in + EXCLUDED.handed_in, \
                   on_time = submission_blocks.on_time + EXCLUDED.on_time) \
         UPDATE submissions SET deadline_block = $2 WHERE homework_id = $1 AND deadline_block <> $2",
    )
    .bind(homework_id)
    .bind(to)
    .execute(tx)
    .await?;
    Ok(())
}

/// Withdrawn homework is due from nobody: its work leaves the submission counts (it is not in
/// the denominator either); the attempts and feedback it had stay in the teachers' activity.
async fn homework_withdrawn(tx: &mut PgConnection, id: &str) -> Result<(), sqlx::Error> {
    let newly = sqlx::query(
        "INSERT INTO homework (homework_id, school_id, class_id, teacher_id, lesson_kind, deadline, version, withdrawn) VALUES ($1, '', '', '', '', '-infinity', 0, true) \
         ON CONFLICT (homework_id) DO UPDATE SET withdrawn = true WHERE NOT homework.withdrawn",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if newly == 0 {
        return Ok(());
    }
    sqlx::query(
        "WITH gone AS (DELETE FROM submissions WHERE homework_id = $1 RETURNING class_id, deadline_block, channel, late), \
         counted AS (SELECT class_id, deadline_block, channel, count(*) AS n, count(*) FILTER (WHERE NOT late) AS ok FROM gone GROUP BY 1, 2, 3) \
         UPDATE submission_blocks r SET handed_in = r.handed_in - c.n, on_time = r.on_time - c.ok FROM counted c \
         WHERE r.class_id = c.class_id AND r.deadline_block = c.deadline_block AND r.channel = c.channel",
    )
    .bind(id)
    .execute(tx)
    .await?;
    Ok(())
}

async fn attempt(tx: &mut PgConnection, a: &Attempt) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO work_blocks (class_id, teacher_id, block, attempts) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (class_id, teacher_id, block) DO UPDATE SET attempts = work_blocks.attempts + 1",
    )
    .bind(&a.class_id)
    .bind(&a.teacher_id)
    .bind(block(a.counted_at))
    .execute(&mut *tx)
    .await?;
    // The first attempt of a pupil at a homework is the piece of work the rates count.
    let first = sqlx::query(
        "INSERT INTO submissions (homework_id, pupil_id, class_id, channel, counted_at, deadline, late, deadline_block) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE NOT EXISTS (SELECT 1 FROM homework WHERE homework_id = $1 AND withdrawn) \
         ON CONFLICT (homework_id, pupil_id) DO NOTHING",
    )
    .bind(&a.homework_id)
    .bind(&a.pupil_id)
    .bind(&a.class_id)
    .bind(&a.channel)
    .bind(a.counted_at)
    .bind(a.deadline)
    .bind(a.late)
    .bind(block(a.deadline))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if first == 1 {
        sqlx::query(
            "INSERT INTO submission_blocks (class_id, deadline_block, channel, handed_in, on_time) VALUES ($1, $2, $3, 1, $4) \
             ON CONFLICT (class_id, deadline_block, channel) DO UPDATE SET handed_in = submission_blocks.handed_in + 1, on_time = submission_blocks.on_time + EXCLUDED.on_time",
        )
        .bind(&a.class_id)
        .bind(block(a.deadline))
        .bind(&a.channel)
        .bind(i64::from(!a.late))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO paper_work (homework_id, handed_in) SELECT $1, 1 WHERE EXISTS (SELECT 1 FROM pupils WHERE pupil_id = $2 AND delivery = 'paper') \
             ON CONFLICT (homework_id) DO UPDATE SET handed_in = paper_work.handed_in + 1",
        )
        .bind(&a.homework_id)
        .bind(&a.pupil_id)
        .execute(tx)
        .await?;
    }
    Ok(())
}

async fn feedback(tx: &mut PgConnection, f: &Feedback) -> Result<(), sqlx::Error> {
    let first = sqlx::query("INSERT INTO feedback_attempts (submission_id, attempt) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(&f.submission_id)
        .bind(f.attempt)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    sqlx::query(
        "INSERT INTO work_blocks (class_id, teacher_id, block, feedbacks) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (class_id, teacher_id, block) DO UPDATE SET feedbacks = work_blocks.feedbacks + 1",
    )
    .bind(&f.class_id)
    .bind(&f.teacher_id)
    .bind(block(f.given_at))
    .execute(&mut *tx)
    .await?;
    if !first {
        return Ok(());
    }
    let bucket = latency::bucket((f.given_at - f.attempt_counted_at).num_seconds());
    sqlx::query(
        "INSERT INTO feedback_blocks (class_id, teacher_id, given_block, latency_bucket, feedbacks) VALUES ($1, $2, $3, $4, 1) \
         ON CONFLICT (class_id, teacher_id, given_block, latency_bucket) DO UPDATE SET feedbacks = feedback_blocks.feedbacks + 1",
    )
    .bind(&f.class_id)
    .bind(&f.teacher_id)
    .bind(block(f.given_at))
    .bind(bucket)
    .execute(tx)
    .await?;
    Ok(())
}

async fn tv_asset(tx: &mut PgConnection, asset: &TvAsset) -> Result<(), sqlx::Error> {
    let query = match &asset.lesson {
        None => sqlx::query("INSERT INTO tv_assets (event_kind, asset_id, at, grade, language) VALUES ('approved', $1, $2, 0, '') ON CONFLICT DO NOTHING")
            .bind(&asset.asset_id)
            .bind(asset.at),
        // A lesson's day is an Almaty date (the grid's zone): kept as its midnight there.
        Some(lesson) => sqlx::query(
            "INSERT INTO tv_assets (event_kind, asset_id, at, grade, language) VALUES ('scheduled', $1, $2::date::timestamp AT TIME ZONE 'Asia/Almaty', $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(&asset.asset_id)
        .bind(lesson.date)
        .bind(lesson.grade)
        .bind(&lesson.language),
    };
    query.execute(tx).await?;
    Ok(())
}

async fn session(tx: &mut PgConnection, change: &SessionChange) -> Result<(), sqlx::Error> {
    let verdict = change.verdict();
    sqlx::query(
        "INSERT INTO proctoring_sessions (session_id, scheduled_start, verdict, verdict_at, version) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (session_id) DO UPDATE SET scheduled_start = CASE WHEN EXCLUDED.version > proctoring_sessions.version \
             THEN coalesce(EXCLUDED.scheduled_start, proctoring_sessions.scheduled_start) ELSE coalesce(proctoring_sessions.scheduled_start, EXCLUDED.scheduled_start) END, \
         verdict = CASE WHEN EXCLUDED.version > proctoring_sessions.version THEN EXCLUDED.verdict ELSE proctoring_sessions.verdict END, \
         verdict_at = CASE WHEN EXCLUDED.version > proctoring_sessions.version THEN EXCLUDED.verdict_at ELSE proctoring_sessions.verdict_at END, \
         version = greatest(EXCLUDED.version, proctoring_sessions.version)",
    )
    .bind(&change.session_id)
    .bind(change.scheduled_start)
    .bind(verdict)
    .bind(verdict.map(|_| change.at))
    .bind(change.version)
    .execute(tx)
    .await?;
    Ok(())
}
