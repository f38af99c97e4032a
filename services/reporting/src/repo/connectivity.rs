//! The schools-by-connectivity projection: one row per school keeps it exact and rebuildable;
//! the report aggregates it.

use sqlx::{PgConnection, PgPool};

use crate::domain::connectivity::{Connectivity, CountedSchool, RegionCode};

pub struct ConnectivityRepo {
    pool: PgPool,
}

impl ConnectivityRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Counts a school (again: the latest announcement of it wins), in the consumer's transaction.
    pub async fn count(tx: &mut PgConnection, school: &CountedSchool) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO school_connectivity (school_id, region_code, connectivity) VALUES ($1, $2, $3) \
             ON CONFLICT (school_id) DO UPDATE SET region_code = EXCLUDED.region_code, connectivity = EXCLUDED.connectivity",
        )
        .bind(school.id.0.to_string())
        .bind(&school.region.0)
        .bind(school.connectivity.as_str())
        .execute(tx)
        .await?;
        Ok(())
    }

    /// Schools per (region, class), of one region or of all.
    pub async fn counts(&self, region: Option<&RegionCode>) -> Result<Vec<(RegionCode, Connectivity, i64)>, sqlx::Error> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT region_code, connectivity, count(*) FROM school_connectivity \
             WHERE ($1::text IS NULL OR region_code = $1) GROUP BY region_code, connectivity ORDER BY region_code",
        )
        .bind(region.map(|r| r.0.as_str()))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(region, connectivity, n)| (RegionCode(region), Connectivity::read(&connectivity), n)).collect())
    }
}
