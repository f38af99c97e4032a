//! SQL of the schools this service knows of (from the directory's events).

use qashyq_platform::principal::SchoolPlace;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A school's place, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownSchool {
    pub school_id: Uuid,
    pub region_code: String,
    pub district_id: Option<Uuid>,
}

impl KnownSchool {
    pub fn place(&self) -> SchoolPlace<'_> {
        SchoolPlace { school_id: self.school_id, district_id: self.district_id, region_code: &self.region_code }
    }
}

#[derive(Clone)]
pub struct SchoolRepo {
    pool: PgPool,
}

impl SchoolRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub async fn get(&self, school_id: Uuid) -> Result<Option<KnownSchool>, sqlx::Error> {
        let row: Option<(String, Option<Uuid>)> =
            sqlx::query_as("SELECT region_code, district_id FROM school_places WHERE school_id = $1").bind(school_id).fetch_optional(&self.pool).await?;
        Ok(row.map(|(region_code, district_id)| KnownSchool { school_id, region_code, district_id }))
    }
}

/// Records a school's place inside the consumed event's transaction (once; a redelivery or a
/// replay changes nothing).
pub async fn record(tx: &mut PgConnection, school: &KnownSchool) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO school_places (school_id, region_code, district_id) VALUES ($1, $2, $3) ON CONFLICT (school_id) DO NOTHING")
        .bind(school.school_id)
        .bind(&school.region_code)
        .bind(school.district_id)
        .execute(tx)
        .await?;
    Ok(())
}
