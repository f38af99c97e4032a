//! SQL of the school directory.

use chrono::{DateTime, Utc};
use qashyq_platform::events::Outbox;
use qashyq_proto::schedule::v1::SchoolRegistered;
use sqlx::{PgPool, Row, postgres::PgRow};
use uuid::Uuid;

use crate::{
    domain::school::{Connectivity, LearningMode, NewSchool, School},
    error::ScheduleError,
    grpc::convert,
};

#[derive(Clone)]
pub struct SchoolRepo {
    pool: PgPool,
    outbox: Outbox,
}

/// Position after which the next page starts: (name, id).
pub type SchoolCursor = (String, Uuid);

impl SchoolRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool, outbox: Outbox::new("schedule") }
    }

    /// Stores the school and its SchoolRegistered event in one transaction.
    pub async fn register(&self, new: NewSchool) -> Result<School, ScheduleError> {
        let id = Uuid::now_v7();
        let mut tx = self.pool.begin().await?;
        let registered_at: Option<DateTime<Utc>> = sqlx::query_scalar(
            "INSERT INTO schools (school_id, region_code, name, connectivity, learning_mode, ungraded_rural) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (region_code, name) DO NOTHING RETURNING registered_at",
        )
        .bind(id)
        .bind(&new.region_code)
        .bind(&new.name)
        .bind(new.connectivity.as_str())
        .bind(new.learning_mode.as_str())
        .bind(new.ungraded_rural)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(registered_at) = registered_at else {
            return Err(ScheduleError::DuplicateSchool { region_code: new.region_code, name: new.name });
        };
        let school = School {
            id,
            region_code: new.region_code,
            name: new.name,
            connectivity: new.connectivity,
            learning_mode: new.learning_mode,
            ungraded_rural: new.ungraded_rural,
            registered_at,
        };
        let event = SchoolRegistered { school: Some(convert::school_to_proto(&school)) };
        self.outbox.enqueue(&mut tx, &school.id.to_string(), &event).await?;
        tx.commit().await?;
        Ok(school)
    }

    pub async fn get(&self, id: Uuid) -> Result<School, ScheduleError> {
        sqlx::query("SELECT * FROM schools WHERE school_id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| school_from_row(&row))
            .transpose()?
            .ok_or(ScheduleError::SchoolNotFound(id))
    }

    /// Lists schools by name, optionally of one region, after `cursor`; fetches one extra row
    /// to know whether another page follows.
    pub async fn list(&self, region_code: Option<&str>, after: Option<SchoolCursor>, limit: u32) -> Result<(Vec<School>, bool), ScheduleError> {
        let (after_name, after_id) = after.unzip();
        let rows = sqlx::query(
            "SELECT * FROM schools \
             WHERE ($1::text IS NULL OR region_code = $1) \
               AND ($2::text IS NULL OR (name, school_id) > ($2, $3)) \
             ORDER BY name, school_id LIMIT $4",
        )
        .bind(region_code)
        .bind(after_name)
        .bind(after_id)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let more = rows.len() > limit as usize;
        let schools = rows.iter().take(limit as usize).map(school_from_row).collect::<Result<_, _>>()?;
        Ok((schools, more))
    }
}

fn school_from_row(row: &PgRow) -> Result<School, ScheduleError> {
    let connectivity: String = row.try_get("connectivity")?;
    let learning_mode: String = row.try_get("learning_mode")?;
    Ok(School {
        id: row.try_get("school_id")?,
        region_code: row.try_get("region_code")?,
        name: row.try_get("name")?,
        connectivity: Connectivity::parse(&connectivity)
            .ok_or_else(|| sqlx::Error::Decode(format!("connectivity {connectivity:?}").into()))?,
        learning_mode: LearningMode::parse(&learning_mode)
            .ok_or_else(|| sqlx::Error::Decode(format!("learning_mode {learning_mode:?}").into()))?,
        ungraded_rural: row.try_get("ungraded_rural")?,
        registered_at: row.try_get("registered_at")?,
    })
}
