//! SQL of the directory as this service knows it: classes, teachers and pupils learnt from the
//! schedule service's events (never its tables).

use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownClass {
    pub class_id: Uuid,
    pub school_id: Uuid,
    pub grade: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownTeacher {
    pub teacher_id: Uuid,
    pub school_id: Uuid,
    pub subjects: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownPupil {
    pub pupil_id: Uuid,
    pub school_id: Uuid,
    pub class_id: Uuid,
    pub full_name: String,
    /// "broadband", "tv_only", "paper".
    pub delivery: String,
}

pub async fn record_class(tx: &mut PgConnection, class: &KnownClass) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO known_classes (class_id, school_id, grade) VALUES ($1, $2, $3) ON CONFLICT (class_id) DO NOTHING")
        .bind(class.class_id)
        .bind(class.school_id)
        .bind(i32::from(class.grade))
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn record_teacher(tx: &mut PgConnection, teacher: &KnownTeacher) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO known_teachers (teacher_id, school_id, subjects) VALUES ($1, $2, $3) ON CONFLICT (teacher_id) DO NOTHING")
        .bind(teacher.teacher_id)
        .bind(teacher.school_id)
        .bind(&teacher.subjects)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn record_pupil(tx: &mut PgConnection, pupil: &KnownPupil) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO known_pupils (pupil_id, school_id, class_id, full_name, delivery) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (pupil_id) DO NOTHING")
        .bind(pupil.pupil_id)
        .bind(pupil.school_id)
        .bind(pupil.class_id)
        .bind(&pupil.full_name)
        .bind(&pupil.delivery)
        .execute(tx)
        .await?;
    Ok(())
}

/// The class, locked for the rest of `tx` when `lock` (posts to one class take turns, so two
/// cannot both pass the daily norm).
pub async fn class<'e>(db: impl PgExecutor<'e>, class_id: Uuid, lock: bool) -> Result<Option<KnownClass>, sqlx::Error> {
    let sql = if lock {
        "SELECT school_id, grade FROM known_classes WHERE class_id = $1 FOR UPDATE"
    } else {
        "SELECT school_id, grade FROM known_classes WHERE class_id = $1"
    };
    let row: Option<(Uuid, i32)> = sqlx::query_as(sql).bind(class_id).fetch_optional(db).await?;
    Ok(row.map(|(school_id, grade)| KnownClass { class_id, school_id, grade: u8::try_from(grade).unwrap_or(0) }))
}

pub async fn teacher<'e>(db: impl PgExecutor<'e>, teacher_id: Uuid) -> Result<Option<KnownTeacher>, sqlx::Error> {
    let row: Option<(Uuid, Vec<String>)> =
        sqlx::query_as("SELECT school_id, subjects FROM known_teachers WHERE teacher_id = $1").bind(teacher_id).fetch_optional(db).await?;
    Ok(row.map(|(school_id, subjects)| KnownTeacher { teacher_id, school_id, subjects }))
}

pub async fn pupil<'e>(db: impl PgExecutor<'e>, pupil_id: Uuid) -> Result<Option<KnownPupil>, sqlx::Error> {
    let row: Option<(Uuid, Uuid, String, String)> =
        sqlx::query_as("SELECT school_id, class_id, full_name, delivery FROM known_pupils WHERE pupil_id = $1").bind(pupil_id).fetch_optional(db).await?;
    Ok(row.map(|(school_id, class_id, full_name, delivery)| KnownPupil { pupil_id, school_id, class_id, full_name, delivery }))
}

/// The pupils of these ids that are known.
pub async fn pupils<'e>(db: impl PgExecutor<'e>, ids: &[Uuid]) -> Result<Vec<KnownPupil>, sqlx::Error> {
    let rows: Vec<(Uuid, Uuid, Uuid, String, String)> =
        sqlx::query_as("SELECT pupil_id, school_id, class_id, full_name, delivery FROM known_pupils WHERE pupil_id = ANY($1)").bind(ids).fetch_all(db).await?;
    Ok(rows.into_iter().map(|(pupil_id, school_id, class_id, full_name, delivery)| KnownPupil { pupil_id, school_id, class_id, full_name, delivery }).collect())
}

/// A class's pupils, by name; only those learning on paper when `paper_only`.
pub async fn class_pupils<'e>(db: impl PgExecutor<'e>, class_id: Uuid, paper_only: bool) -> Result<Vec<KnownPupil>, sqlx::Error> {
    let rows: Vec<(Uuid, Uuid, String, String)> = sqlx::query_as(
        "SELECT pupil_id, school_id, full_name, delivery FROM known_pupils WHERE class_id = $1 AND (NOT $2 OR delivery = 'paper') ORDER BY full_name, pupil_id",
    )
    .bind(class_id)
    .bind(paper_only)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(pupil_id, school_id, full_name, delivery)| KnownPupil { pupil_id, school_id, class_id, full_name, delivery }).collect())
}

/// One teacher giving a class its lessons of a subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Teaching {
    pub class_id: Uuid,
    pub subject_code: String,
    pub teacher_id: Uuid,
}

/// Replaces the school's teaching by that of its timetable `version`, unless a newer version's
/// was recorded (events may arrive out of order).
pub async fn record_teaching(tx: &mut PgConnection, school_id: Uuid, version: i64, teaching: &[Teaching]) -> Result<(), sqlx::Error> {
    let newer = sqlx::query(
        "INSERT INTO timetable_versions (school_id, version) VALUES ($1, $2) \
         ON CONFLICT (school_id) DO UPDATE SET version = EXCLUDED.version WHERE timetable_versions.version < EXCLUDED.version",
    )
    .bind(school_id)
    .bind(version)
    .execute(&mut *tx)
    .await?;
    if newer.rows_affected() == 0 {
        return Ok(());
    }
    sqlx::query("DELETE FROM class_teaching WHERE school_id = $1").bind(school_id).execute(&mut *tx).await?;
    let classes: Vec<Uuid> = teaching.iter().map(|t| t.class_id).collect();
    let subjects: Vec<&str> = teaching.iter().map(|t| t.subject_code.as_str()).collect();
    let teachers: Vec<Uuid> = teaching.iter().map(|t| t.teacher_id).collect();
    sqlx::query(
        "INSERT INTO class_teaching (school_id, class_id, subject_code, teacher_id) \
         SELECT $1, c, s, t FROM unnest($2::uuid[], $3::text[], $4::uuid[]) AS x(c, s, t) ON CONFLICT DO NOTHING",
    )
    .bind(school_id)
    .bind(&classes)
    .bind(&subjects)
    .bind(&teachers)
    .execute(tx)
    .await?;
    Ok(())
}

/// The teachers who give the class its lessons of the subject (none: not known from a timetable).
pub async fn teachers_of<'e>(db: impl PgExecutor<'e>, class_id: Uuid, subject_code: &str) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT teacher_id FROM class_teaching WHERE class_id = $1 AND subject_code = $2").bind(class_id).bind(subject_code).fetch_all(db).await
}
