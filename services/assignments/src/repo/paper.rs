//! SQL of paper work: collection rounds and what is overdue for collection (seed 003).

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::domain::{
    paper::{CollectionRound, Overdue},
    submission::Collector,
};

pub async fn insert_round<'e>(db: impl PgExecutor<'e>, round: &CollectionRound) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO collection_rounds (round_id, school_id, class_id, collected_by_role, collected_by, collected_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (round_id) DO NOTHING",
    )
    .bind(round.id)
    .bind(round.school_id)
    .bind(round.class_id)
    .bind(round.collected_by_role.as_str())
    .bind(&round.collected_by)
    .bind(round.collected_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn round<'e>(db: impl PgExecutor<'e>, id: Uuid) -> Result<Option<CollectionRound>, sqlx::Error> {
    let row: Option<(Uuid, Uuid, String, String, DateTime<Utc>)> =
        sqlx::query_as("SELECT school_id, class_id, collected_by_role, collected_by, collected_at FROM collection_rounds WHERE round_id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(school_id, class_id, role, collected_by, collected_at)| CollectionRound {
        id,
        school_id,
        class_id,
        collected_by_role: Collector::parse(&role).unwrap_or(Collector::Teacher),
        collected_by,
        collected_at,
    }))
}

/// Paper work of a school overdue for collection at `now`: homework (not withdrawn, deadline in
/// the last 120 days and passed) of pupils learning on paper with nothing handed in, in classes
/// whose last collection round is older than `round_every` (or that never had one). Ordered by
/// deadline, homework, pupil; after the key of the previous page's last item.
pub async fn overdue<'e>(
    db: impl PgExecutor<'e>,
    school_id: Uuid,
    now: DateTime<Utc>,
    round_every: chrono::Duration,
    after: Option<(DateTime<Utc>, Uuid, Uuid)>,
    limit: u32,
) -> Result<Vec<Overdue>, sqlx::Error> {
    let (after_deadline, after_homework, after_pupil) = match after {
        Some((d, h, p)) => (Some(d), Some(h), Some(p)),
        None => (None, None, None),
    };
    let rows: Vec<(Uuid, Uuid, Uuid, String, DateTime<Utc>, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT p.class_id, p.pupil_id, h.homework_id, h.subject_code, h.deadline, r.last \
         FROM known_pupils p \
         JOIN homework h ON h.class_id = p.class_id AND h.withdrawn_at IS NULL AND h.deadline < $2 AND h.deadline > $2 - interval '120 days' \
         LEFT JOIN submissions s ON s.homework_id = h.homework_id AND s.pupil_id = p.pupil_id \
         LEFT JOIN LATERAL (SELECT max(collected_at) AS last FROM collection_rounds c WHERE c.class_id = p.class_id) r ON true \
         WHERE p.school_id = $1 AND p.delivery = 'paper' AND (s.state IS NULL OR s.state IN ('new', 'reclaimed')) \
           AND (r.last IS NULL OR r.last < $2 - $3 * interval '1 second') \
           AND ($4::timestamptz IS NULL OR (h.deadline, h.homework_id, p.pupil_id) > ($4, $5, $6)) \
         ORDER BY h.deadline, h.homework_id, p.pupil_id LIMIT $7",
    )
    .bind(school_id)
    .bind(now)
    .bind(round_every.num_seconds() as f64)
    .bind(after_deadline)
    .bind(after_homework)
    .bind(after_pupil)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(class_id, pupil_id, homework_id, subject_code, deadline, last_collected_at)| Overdue {
            class_id,
            pupil_id,
            homework_id,
            subject_code,
            deadline,
            last_collected_at,
        })
        .collect())
}
