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

/// Where schools lie, read through a cache: a school's place is recorded once and never
/// changes, so a cached place never goes stale (only schools found are cached).
#[derive(Clone)]
pub struct SchoolRepo {
    pool: PgPool,
    places: std::sync::Arc<qashyq_platform::memo::Memo<Uuid, KnownSchool>>,
}

impl SchoolRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool, places: std::sync::Arc::new(qashyq_platform::memo::Memo::new(std::time::Duration::from_secs(3600), 100_000)) }
    }

    /// A school's place: cached once known (many misses of one school are one read); an unknown
    /// school is not cached, so its registration is seen as soon as it arrives.
    pub async fn get(&self, school_id: Uuid) -> Result<Option<KnownSchool>, sqlx::Error> {
        enum Miss {
            Unknown,
            Failed(sqlx::Error),
        }
        let filled = self
            .places
            .get_or_fill(school_id, || async {
                let row: Option<(String, Option<Uuid>)> = sqlx::query_as("SELECT region_code, district_id FROM school_places WHERE school_id = $1")
                    .bind(school_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(Miss::Failed)?;
                row.map(|(region_code, district_id)| KnownSchool { school_id, region_code, district_id }).ok_or(Miss::Unknown)
            })
            .await;
        match filled {
            Ok(known) => Ok(Some(known)),
            Err(Miss::Unknown) => Ok(None),
            Err(Miss::Failed(error)) => Err(error),
        }
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
