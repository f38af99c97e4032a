//! SQL of homework.

use qashyq_platform::events::{Event, Outbox};
use sqlx::{PgPool, Row, postgres::PgRow};
use uuid::Uuid;

use crate::{
    OUTBOX,
    domain::homework::{Homework, LessonKind},
    error::AssignmentsError,
};

pub struct HomeworkRepo {
    pool: PgPool,
    outbox: &'static Outbox,
}

impl HomeworkRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool, outbox: &OUTBOX }
    }

    /// Stores the homework and its event (HomeworkPosted, R-AS-8) in one transaction; false,
    /// and nothing written, when a homework with its id exists (a keyed write repeated).
    pub async fn insert(&self, homework: &Homework, posted: &impl Event) -> Result<bool, AssignmentsError> {
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO homework (homework_id, school_id, class_id, teacher_id, subject_code, lesson_kind, tasks, resource_links, deadline, posted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (homework_id) DO NOTHING",
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
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(false);
        }
        self.outbox.enqueue(&mut tx, &homework.id.to_string(), posted).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn find(&self, id: Uuid) -> Result<Option<Homework>, AssignmentsError> {
        let row = sqlx::query("SELECT * FROM homework WHERE homework_id = $1").bind(id).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| homework_from_row(&r)).transpose()?)
    }

    pub async fn get(&self, id: Uuid) -> Result<Homework, AssignmentsError> {
        let row = sqlx::query("SELECT * FROM homework WHERE homework_id = $1").bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| homework_from_row(&r)).transpose()?.ok_or(AssignmentsError::HomeworkNotFound(id))
    }
}

fn homework_from_row(row: &PgRow) -> Result<Homework, sqlx::Error> {
    let kind: String = row.try_get("lesson_kind")?;
    Ok(Homework {
        id: row.try_get("homework_id")?,
        school_id: row.try_get("school_id")?,
        class_id: row.try_get("class_id")?,
        teacher_id: row.try_get("teacher_id")?,
        subject_code: row.try_get("subject_code")?,
        lesson_kind: LessonKind::parse(&kind).ok_or_else(|| sqlx::Error::Decode(format!("lesson_kind {kind:?}").into()))?,
        tasks: row.try_get("tasks")?,
        resource_links: row.try_get("resource_links")?,
        deadline: row.try_get("deadline")?,
        posted_at: row.try_get("posted_at")?,
    })
}
