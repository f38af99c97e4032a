//! SQL of classes, teachers and timetable versions (R-REF-1, R-SCH-6).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use prost::Message;
use qashyq_catalogue::{Grade, Language};
use qashyq_platform::{
    ApiError,
    time::{to_local_date, to_timestamp},
};
use qashyq_proto::schedule::v1 as pb;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{
    OUTBOX,
    domain::timetable::{Class, Shift, Teacher},
    events,
    grpc::convert,
};

pub struct TimetableRepo {
    pool: PgPool,
}

/// A class as stored, with its school.
#[derive(Debug, Clone)]
pub struct StoredClass {
    pub school_id: Uuid,
    pub letter: String,
    pub class: Class,
}

/// How a timetable's lessons are stored.
#[derive(Clone, PartialEq, prost::Message)]
struct LessonList {
    #[prost(message, repeated, tag = "1")]
    lessons: Vec<pb::Lesson>,
}

type ClassRow = (Uuid, Uuid, i16, String, String, i16, sqlx::types::Json<BTreeMap<String, u8>>);

fn class_from_row((class_id, school_id, grade, letter, language, shift, load): ClassRow) -> Result<StoredClass, ApiError> {
    let bad = |what: String| ApiError::internal(anyhow::anyhow!("stored class {class_id}: {what}"));
    Ok(StoredClass {
        school_id,
        letter,
        class: Class {
            id: class_id.to_string(),
            grade: Grade::new(grade.into()).ok_or_else(|| bad(format!("grade {grade}")))?,
            language: language.parse::<Language>().map_err(|_| bad(format!("language {language}")))?,
            shift: shift_of(shift),
            weekly_load: load.0,
        },
    })
}

fn shift_of(stored: i16) -> Shift {
    if stored == 2 { Shift::Second } else { Shift::First }
}

/// Inserts a class with its ClassRegistered event inside `tx`; `None` when the school already
/// has a class of that grade and letter.
pub async fn insert_class(tx: &mut PgConnection, school_id: Uuid, letter: &str, class: &Class) -> Result<Option<Uuid>, ApiError> {
    let id = Uuid::now_v7();
    let inserted = sqlx::query(
        "INSERT INTO classes (class_id, school_id, grade, letter, language, shift, weekly_load) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (school_id, grade, letter) DO NOTHING",
    )
    .bind(id)
    .bind(school_id)
    .bind(i16::from(class.grade.value()))
    .bind(letter)
    .bind(class.language.code())
    .bind(i16::from(class.shift.number()))
    .bind(sqlx::types::Json(&class.weekly_load))
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(None);
    }
    let event = events::class_registered(id, school_id, letter, class);
    OUTBOX.enqueue(tx, &id.to_string(), &event).await?;
    Ok(Some(id))
}

/// Inserts a teacher with its TeacherRegistered event inside `tx`.
pub async fn insert_teacher(
    tx: &mut PgConnection,
    school_id: Uuid,
    full_name: &str,
    subjects: &[String],
    shift: Option<Shift>,
) -> Result<pb::SchoolTeacher, ApiError> {
    let id = Uuid::now_v7();
    sqlx::query("INSERT INTO teachers (teacher_id, school_id, full_name, subjects, shift) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(school_id)
        .bind(full_name)
        .bind(subjects)
        .bind(shift.map(|s| i16::from(s.number())))
        .execute(&mut *tx)
        .await?;
    let teacher = Teacher { id: id.to_string(), subjects: subjects.to_vec(), shift };
    OUTBOX.enqueue(tx, &teacher.id, &events::teacher_registered(school_id, full_name, &teacher)).await?;
    let teacher = convert::teacher_to_proto(school_id, full_name, &teacher);
    Ok(teacher)
}

const CLASS_COLUMNS: &str = "class_id, school_id, grade, letter, language, shift, weekly_load";

impl TimetableRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Stores a class and its ClassRegistered event in one transaction.
    pub async fn register_class(&self, school_id: Uuid, letter: &str, class: &Class) -> Result<Uuid, ApiError> {
        let mut tx = self.pool.begin().await?;
        let id = insert_class(&mut tx, school_id, letter, class)
            .await?
            .ok_or_else(|| ApiError::AlreadyExists(format!("class {}{letter} already exists in school {school_id}", class.grade.value())))?;
        tx.commit().await?;
        Ok(id)
    }

    /// Stores a teacher and its TeacherRegistered event in one transaction.
    pub async fn register_teacher(&self, school_id: Uuid, full_name: &str, subjects: &[String], shift: Option<Shift>) -> Result<pb::SchoolTeacher, ApiError> {
        let mut tx = self.pool.begin().await?;
        let teacher = insert_teacher(&mut tx, school_id, full_name, subjects, shift).await?;
        tx.commit().await?;
        Ok(teacher)
    }

    pub async fn classes(&self, school_id: Uuid) -> Result<Vec<StoredClass>, ApiError> {
        let rows: Vec<ClassRow> = sqlx::query_as(&format!("SELECT {CLASS_COLUMNS} FROM classes WHERE school_id = $1 ORDER BY grade, letter"))
            .bind(school_id)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(class_from_row).collect()
    }

    pub async fn class(&self, class_id: Uuid) -> Result<Option<StoredClass>, ApiError> {
        let row: Option<ClassRow> =
            sqlx::query_as(&format!("SELECT {CLASS_COLUMNS} FROM classes WHERE class_id = $1")).bind(class_id).fetch_optional(&self.pool).await?;
        row.map(class_from_row).transpose()
    }

    /// The class a write points at, or INVALID_ARGUMENT on `field` when there is none (the
    /// README's rule for "not found").
    pub async fn existing_class(&self, field: &str, class_id: Uuid) -> Result<StoredClass, ApiError> {
        self.class(class_id).await?.ok_or_else(|| ApiError::invalid(field, format!("no class {class_id}")))
    }

    /// The class a call reads or changes, or NOT_FOUND when there is none.
    pub async fn found_class(&self, class_id: Uuid) -> Result<StoredClass, ApiError> {
        self.class(class_id).await?.ok_or_else(|| ApiError::NotFound(format!("class {class_id}")))
    }

    pub async fn teachers(&self, school_id: Uuid) -> Result<Vec<Teacher>, ApiError> {
        let rows: Vec<(Uuid, Vec<String>, Option<i16>)> =
            sqlx::query_as("SELECT teacher_id, subjects, shift FROM teachers WHERE school_id = $1 ORDER BY teacher_id")
                .bind(school_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(id, subjects, shift)| Teacher { id: id.to_string(), subjects, shift: shift.map(shift_of) }).collect())
    }

    /// Stores the school's next timetable version and its TimetableChanged event, which names
    /// the classes whose lessons differ from the version before.
    pub async fn store(
        &self,
        school_id: Uuid,
        week_of: NaiveDate,
        created_by: &str,
        lessons: Vec<pb::Lesson>,
        classes: &[String],
    ) -> Result<pb::Timetable, ApiError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('schedule.timetable.' || $1::text))").bind(school_id).execute(&mut *tx).await?;
        let previous: Option<(i64, Vec<u8>)> = sqlx::query_as("SELECT version, lessons FROM timetables WHERE school_id = $1 ORDER BY version DESC LIMIT 1")
            .bind(school_id)
            .fetch_optional(&mut *tx)
            .await?;
        let (version, before) = match previous {
            Some((version, bytes)) => (version + 1, LessonList::decode(bytes.as_slice()).map_err(ApiError::internal)?.lessons),
            None => (1, Vec::new()),
        };
        let of_class = |list: &[pb::Lesson], class: &str| list.iter().filter(|l| l.class_id == class).cloned().collect::<Vec<_>>();
        let affected: Vec<String> = classes.iter().filter(|c| of_class(&before, c) != of_class(&lessons, c)).cloned().collect();
        let created_at: DateTime<Utc> =
            sqlx::query_scalar("INSERT INTO timetables (school_id, version, week_of, created_by, lessons) VALUES ($1, $2, $3, $4, $5) RETURNING created_at")
                .bind(school_id)
                .bind(version)
                .bind(week_of)
                .bind(created_by)
                .bind(LessonList { lessons: lessons.clone() }.encode_to_vec())
                .fetch_one(&mut *tx)
                .await?;
        let event = events::timetable_changed(school_id, version, affected, week_of);
        OUTBOX.enqueue(&mut tx, &school_id.to_string(), &event).await?;
        tx.commit().await?;
        Ok(pb::Timetable {
            school_id: school_id.to_string(),
            version,
            week_of: Some(to_local_date(week_of)),
            lessons,
            created_by: created_by.to_owned(),
            created_at: Some(to_timestamp(created_at)),
        })
    }

    /// A school's timetable (version 0: the current one), if it has any.
    pub async fn timetable(&self, school_id: Uuid, version: i64) -> Result<Option<pb::Timetable>, ApiError> {
        type Row = (i64, NaiveDate, String, DateTime<Utc>, Vec<u8>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT version, week_of, created_by, created_at, lessons FROM timetables \
             WHERE school_id = $1 AND ($2 = 0 OR version = $2) ORDER BY version DESC LIMIT 1",
        )
        .bind(school_id)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(version, week_of, created_by, created_at, lessons)| {
            Ok(pb::Timetable {
                school_id: school_id.to_string(),
                version,
                week_of: Some(to_local_date(week_of)),
                lessons: LessonList::decode(lessons.as_slice()).map_err(ApiError::internal)?.lessons,
                created_by,
                created_at: Some(to_timestamp(created_at)),
            })
        })
        .transpose()
    }
}
