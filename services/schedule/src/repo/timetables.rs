//! SQL of classes, teachers and timetable versions (R-REF-1, R-SCH-6).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use prost::Message;
use qashyq_catalogue::{Grade, Language};
use qashyq_platform::{ApiError, events::Event};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{
    OUTBOX,
    domain::timetable::{Class, Day, Lesson, Shift, Span, Teacher, Timetable, TimetableVersion},
};

#[derive(Clone)]
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

/// How timetable lessons were stored before they had their own rows (migration 7): an encoded
/// list of the API's `Lesson` as it was then. Frozen here, so that versions stored then can still
/// be read whatever the API becomes.
pub mod legacy {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct LessonList {
        #[prost(message, repeated, tag = "1")]
        pub lessons: Vec<Lesson>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Lesson {
        #[prost(string, tag = "1")]
        pub class_id: String,
        /// "mon" … "fri".
        #[prost(string, tag = "2")]
        pub weekday: String,
        /// "HH:MM".
        #[prost(string, tag = "3")]
        pub starts: String,
        #[prost(int32, tag = "4")]
        pub minutes: i32,
        #[prost(string, tag = "5")]
        pub subject: String,
        #[prost(string, tag = "6")]
        pub teacher_id: String,
    }
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

/// Inserts a class with the event it is handed (ClassRegistered) inside `tx`; false, and nothing
/// written, when the school already has a class of that grade and letter.
pub async fn insert_class(tx: &mut PgConnection, id: Uuid, school_id: Uuid, letter: &str, class: &Class, registered: &impl Event) -> Result<bool, ApiError> {
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
        return Ok(false);
    }
    OUTBOX.enqueue(tx, &id.to_string(), registered).await?;
    Ok(true)
}

/// Inserts a teacher with the event it is handed (TeacherRegistered) inside `tx`.
pub async fn insert_teacher(
    tx: &mut PgConnection,
    id: Uuid,
    school_id: Uuid,
    full_name: &str,
    teacher: &Teacher,
    registered: &impl Event,
) -> Result<(), ApiError> {
    let (subjects, shift) = (&teacher.subjects, teacher.shift);
    sqlx::query("INSERT INTO teachers (teacher_id, school_id, full_name, subjects, shift) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(school_id)
        .bind(full_name)
        .bind(subjects)
        .bind(shift.map(|s| i16::from(s.number())))
        .execute(&mut *tx)
        .await?;
    OUTBOX.enqueue(tx, &id.to_string(), registered).await?;
    Ok(())
}

const CLASS_COLUMNS: &str = "class_id, school_id, grade, letter, language, shift, weekly_load";

impl TimetableRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Stores a class with the event it is handed (ClassRegistered) in one transaction.
    pub async fn register_class(&self, id: Uuid, school_id: Uuid, letter: &str, class: &Class, registered: &impl Event) -> Result<(), ApiError> {
        let mut tx = self.pool.begin().await?;
        if !insert_class(&mut tx, id, school_id, letter, class, registered).await? {
            return Err(ApiError::AlreadyExists(format!("class {}{letter} already exists in school {school_id}", class.grade.value())));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Stores a teacher with the event it is handed (TeacherRegistered) in one transaction.
    pub async fn register_teacher(&self, id: Uuid, school_id: Uuid, full_name: &str, teacher: &Teacher, registered: &impl Event) -> Result<(), ApiError> {
        let mut tx = self.pool.begin().await?;
        insert_teacher(&mut tx, id, school_id, full_name, teacher, registered).await?;
        tx.commit().await?;
        Ok(())
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

    /// Stores the school's next timetable version with the event `changed` makes of its number
    /// and of the classes whose lessons differ from the version before (TimetableChanged).
    pub async fn store<E: Event>(
        &self,
        school_id: Uuid,
        week_of: NaiveDate,
        created_by: &str,
        timetable: &Timetable,
        classes: &[String],
        changed: impl FnOnce(i64, Vec<String>) -> E,
    ) -> Result<TimetableVersion, ApiError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('schedule.timetable.' || $1::text))").bind(school_id).execute(&mut *tx).await?;
        let previous: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM timetables WHERE school_id = $1").bind(school_id).fetch_one(&mut *tx).await?;
        let (version, before) = match previous {
            Some(version) => (version + 1, lessons_of(&mut tx, school_id, version).await?),
            None => (1, Vec::new()),
        };
        let of_class = |list: &[Lesson], class: &str| list.iter().filter(|l| l.class_id == class).cloned().collect::<Vec<_>>();
        let affected: Vec<String> = classes.iter().filter(|c| of_class(&before, c) != of_class(&timetable.lessons, c)).cloned().collect();
        let created_at: DateTime<Utc> =
            sqlx::query_scalar("INSERT INTO timetables (school_id, version, week_of, created_by) VALUES ($1, $2, $3, $4) RETURNING created_at")
                .bind(school_id)
                .bind(version)
                .bind(week_of)
                .bind(created_by)
                .fetch_one(&mut *tx)
                .await?;
        insert_lessons(&mut tx, school_id, version, &timetable.lessons).await?;
        OUTBOX.enqueue(&mut tx, &school_id.to_string(), &changed(version, affected)).await?;
        tx.commit().await?;
        Ok(TimetableVersion { version, week_of, created_by: created_by.to_owned(), created_at, timetable: timetable.clone() })
    }

    /// A school's timetable (version 0: the current one), if it has any.
    pub async fn timetable(&self, school_id: Uuid, version: i64) -> Result<Option<TimetableVersion>, ApiError> {
        let mut connection = self.pool.acquire().await?;
        let row: Option<(i64, NaiveDate, String, DateTime<Utc>, bool)> = sqlx::query_as(
            "SELECT version, week_of, created_by, created_at, legacy_lessons IS NOT NULL FROM timetables \
             WHERE school_id = $1 AND ($2 = 0 OR version = $2) ORDER BY version DESC LIMIT 1",
        )
        .bind(school_id)
        .bind(version)
        .fetch_optional(&mut *connection)
        .await?;
        let Some((version, week_of, created_by, created_at, unconverted)) = row else { return Ok(None) };
        if unconverted {
            return Err(ApiError::internal(anyhow::anyhow!(
                "timetable {school_id} version {version} is stored in the old encoding and could not be converted"
            )));
        }
        let lessons = lessons_of(&mut connection, school_id, version).await?;
        Ok(Some(TimetableVersion { version, week_of, created_by, created_at, timetable: Timetable { lessons } }))
    }

    /// Converts the lessons of versions stored before migration 7 into rows, once (each version
    /// in its own transaction, its row locked, so replicas starting together convert it once).
    pub async fn convert_legacy_lessons(&self) -> Result<usize, ApiError> {
        let pending: Vec<(Uuid, i64)> =
            sqlx::query_as("SELECT school_id, version FROM timetables WHERE legacy_lessons IS NOT NULL").fetch_all(&self.pool).await?;
        let mut converted = 0;
        for (school_id, version) in pending {
            let mut tx = self.pool.begin().await?;
            let bytes: Option<Option<Vec<u8>>> = sqlx::query_scalar("SELECT legacy_lessons FROM timetables WHERE school_id = $1 AND version = $2 FOR UPDATE")
                .bind(school_id)
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(Some(bytes)) = bytes else { continue };
            let lessons = match legacy::LessonList::decode(bytes.as_slice())
                .map_err(ApiError::internal)
                .and_then(|list| list.lessons.into_iter().map(from_legacy).collect::<Result<Vec<_>, _>>())
            {
                Ok(lessons) => lessons,
                Err(error) => {
                    // Kept as it is for a person to look at; reading this version says so.
                    tracing::error!(%school_id, version, %error, "a stored timetable cannot be converted; left unconverted");
                    continue;
                }
            };
            insert_lessons(&mut tx, school_id, version, &lessons).await?;
            sqlx::query("UPDATE timetables SET legacy_lessons = NULL WHERE school_id = $1 AND version = $2")
                .bind(school_id)
                .bind(version)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            converted += 1;
        }
        if converted > 0 {
            tracing::info!(versions = converted, "timetable lessons of earlier versions converted into rows");
        }
        Ok(converted)
    }
}

fn from_legacy(lesson: legacy::Lesson) -> Result<Lesson, ApiError> {
    let bad = |what: &str| ApiError::internal(anyhow::anyhow!("a stored lesson has a bad {what}"));
    let day = Day::parse(&lesson.weekday).ok_or_else(|| bad("weekday"))?;
    let start = crate::domain::timetable::parse_hhmm(&lesson.starts).ok_or_else(|| bad("start"))?;
    let minutes = u16::try_from(lesson.minutes).map_err(|_| bad("length"))?;
    Ok(Lesson { class_id: lesson.class_id, day, span: Span::new(start, minutes), subject: lesson.subject, teacher_id: lesson.teacher_id })
}

async fn insert_lessons(tx: &mut PgConnection, school_id: Uuid, version: i64, lessons: &[Lesson]) -> Result<(), sqlx::Error> {
    let positions: Vec<i32> = (0..lessons.len()).map(|i| i32::try_from(i).unwrap_or(i32::MAX)).collect();
    let classes: Vec<&str> = lessons.iter().map(|l| l.class_id.as_str()).collect();
    let days: Vec<&str> = lessons.iter().map(|l| l.day.code()).collect();
    let starts: Vec<i16> = lessons.iter().map(|l| i16::try_from(l.span.start).unwrap_or(i16::MAX)).collect();
    let minutes: Vec<i16> = lessons.iter().map(|l| i16::try_from(l.span.minutes()).unwrap_or(i16::MAX)).collect();
    let subjects: Vec<&str> = lessons.iter().map(|l| l.subject.as_str()).collect();
    let teachers: Vec<&str> = lessons.iter().map(|l| l.teacher_id.as_str()).collect();
    sqlx::query(
        "INSERT INTO timetable_lessons (school_id, version, position, class_id, weekday, starts_minute, minutes, subject, teacher_id) \
         SELECT $1, $2, * FROM unnest($3::int[], $4::text[], $5::text[], $6::smallint[], $7::smallint[], $8::text[], $9::text[])",
    )
    .bind(school_id)
    .bind(version)
    .bind(&positions)
    .bind(&classes)
    .bind(&days)
    .bind(&starts)
    .bind(&minutes)
    .bind(&subjects)
    .bind(&teachers)
    .execute(tx)
    .await?;
    Ok(())
}

async fn lessons_of(connection: &mut PgConnection, school_id: Uuid, version: i64) -> Result<Vec<Lesson>, ApiError> {
    let rows: Vec<(String, String, i16, i16, String, String)> = sqlx::query_as(
        "SELECT class_id, weekday, starts_minute, minutes, subject, teacher_id FROM timetable_lessons \
         WHERE school_id = $1 AND version = $2 ORDER BY position",
    )
    .bind(school_id)
    .bind(version)
    .fetch_all(connection)
    .await?;
    rows.into_iter()
        .map(|(class_id, weekday, start, minutes, subject, teacher_id)| {
            let day = Day::parse(&weekday).ok_or_else(|| ApiError::internal(anyhow::anyhow!("stored weekday {weekday:?}")))?;
            let (start, minutes) = (u16::try_from(start).map_err(ApiError::internal)?, u16::try_from(minutes).map_err(ApiError::internal)?);
            Ok(Lesson { class_id, day, span: Span::new(start, minutes), subject, teacher_id })
        })
        .collect()
}
