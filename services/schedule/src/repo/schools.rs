//! SQL of the school directory.

use chrono::{DateTime, Utc};
use qashyq_platform::{ApiError, events::Event, principal::Scope};
use sqlx::{PgPool, Row, postgres::PgRow};
use uuid::Uuid;

use crate::{
    OUTBOX,
    domain::school::{Connectivity, District, LearningMode, NewSchool, School},
    error::ScheduleError,
};

#[derive(Clone)]
pub struct SchoolRepo {
    pool: PgPool,
}

/// Position after which the next page starts: (name, id).
pub type SchoolCursor = (String, Uuid);

impl SchoolRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Stores the school with the event `registered` makes of it (SchoolRegistered) in one
    /// transaction.
    pub async fn register<E: Event>(&self, new: NewSchool, registered: impl FnOnce(&School) -> E) -> Result<School, ScheduleError> {
        let id = Uuid::now_v7();
        let mut tx = self.pool.begin().await?;
        if let Some(district_id) = new.district_id {
            let region: Option<String> =
                sqlx::query_scalar("SELECT region_code FROM districts WHERE district_id = $1").bind(district_id).fetch_optional(&mut *tx).await?;
            match region {
                Some(region) if region == new.region_code => {}
                Some(region) => {
                    let message = format!("district {district_id} lies in {region}, not in {}", new.region_code);
                    return Err(ScheduleError::Invalid(ApiError::invalid("district_id", message)));
                }
                None => {
                    return Err(ScheduleError::Invalid(ApiError::invalid("district_id", format!("no district {district_id}"))));
                }
            }
        }
        let registered_at: Option<DateTime<Utc>> = sqlx::query_scalar(
            "INSERT INTO schools (school_id, region_code, name, connectivity, learning_mode, ungraded_rural, district_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (region_code, name) DO NOTHING RETURNING registered_at",
        )
        .bind(id)
        .bind(&new.region_code)
        .bind(&new.name)
        .bind(new.connectivity.as_str())
        .bind(new.learning_mode.as_str())
        .bind(new.ungraded_rural)
        .bind(new.district_id)
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
            district_id: new.district_id,
        };
        OUTBOX.enqueue(&mut tx, &school.id.to_string(), &registered(&school)).await?;
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

    /// The school a write points at, or INVALID_ARGUMENT on `school_id` when there is none (the
    /// README's rule for "not found").
    pub async fn existing(&self, id: Uuid) -> Result<School, ApiError> {
        match self.get(id).await {
            Ok(school) => Ok(school),
            Err(ScheduleError::SchoolNotFound(_)) => Err(ApiError::invalid("school_id", format!("no school {id}"))),
            Err(other) => Err(other.into()),
        }
    }

    /// The school a call reads, or NOT_FOUND when there is none.
    pub async fn found(&self, id: Uuid) -> Result<School, ApiError> {
        Ok(self.get(id).await?)
    }

    /// Lists schools by name, optionally of one region and district, and of those a scope
    /// reaches (none: every school), after `cursor`; fetches one extra row to know whether
    /// another page follows.
    pub async fn list(
        &self,
        region_code: Option<&str>,
        district_id: Option<Uuid>,
        scope: Option<&Scope>,
        after: Option<SchoolCursor>,
        limit: u32,
    ) -> Result<(Vec<School>, bool), ScheduleError> {
        let (after_name, after_id) = after.unzip();
        let rows = sqlx::query(
            "SELECT * FROM schools \
             WHERE ($1::text IS NULL OR region_code = $1) \
               AND ($2::text IS NULL OR (name, school_id) > ($2, $3)) \
               AND ($5::uuid IS NULL OR district_id = $5) \
               AND ($6 OR region_code = ANY($7) OR district_id = ANY($8) OR school_id = ANY($9)) \
             ORDER BY name, school_id LIMIT $4",
        )
        .bind(region_code)
        .bind(after_name)
        .bind(after_id)
        .bind(i64::from(limit) + 1)
        .bind(district_id)
        .bind(scope.is_none())
        .bind(scope.map(|s| s.regions.clone()).unwrap_or_default())
        .bind(scope.map(|s| s.districts.clone()).unwrap_or_default())
        .bind(scope.map(|s| s.schools.clone()).unwrap_or_default())
        .fetch_all(&self.pool)
        .await?;
        let more = rows.len() > limit as usize;
        let schools = rows.iter().take(limit as usize).map(school_from_row).collect::<Result<_, _>>()?;
        Ok((schools, more))
    }
}

impl SchoolRepo {
    /// Stores a district with the event it is handed (DistrictRegistered) in one transaction.
    pub async fn register_district(&self, district: &District, registered: &impl Event) -> Result<(), ScheduleError> {
        let (region_code, name) = (&district.region_code, &district.name);
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query("INSERT INTO districts (district_id, region_code, name) VALUES ($1, $2, $3) ON CONFLICT (region_code, name) DO NOTHING")
            .bind(district.id)
            .bind(region_code)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        if inserted.rows_affected() == 0 {
            return Err(ScheduleError::DuplicateDistrict { region_code: region_code.to_owned(), name: name.to_owned() });
        }
        OUTBOX.enqueue(&mut tx, &district.id.to_string(), registered).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The districts of a region, by name.
    pub async fn districts(&self, region_code: &str) -> Result<Vec<District>, ScheduleError> {
        let rows: Vec<(Uuid, String, String)> =
            sqlx::query_as("SELECT district_id, region_code, name FROM districts WHERE region_code = $1 ORDER BY name, district_id")
                .bind(region_code)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(id, region_code, name)| District { id, region_code, name }).collect())
    }
}

fn school_from_row(row: &PgRow) -> Result<School, ScheduleError> {
    let connectivity: String = row.try_get("connectivity")?;
    let learning_mode: String = row.try_get("learning_mode")?;
    Ok(School {
        id: row.try_get("school_id")?,
        region_code: row.try_get("region_code")?,
        name: row.try_get("name")?,
        connectivity: Connectivity::parse(&connectivity).ok_or_else(|| sqlx::Error::Decode(format!("connectivity {connectivity:?}").into()))?,
        learning_mode: LearningMode::parse(&learning_mode).ok_or_else(|| sqlx::Error::Decode(format!("learning_mode {learning_mode:?}").into()))?,
        ungraded_rural: row.try_get("ungraded_rural")?,
        registered_at: row.try_get("registered_at")?,
        district_id: row.try_get("district_id")?,
    })
}
