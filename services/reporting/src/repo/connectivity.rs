//! Schools by connectivity, counted from the schools the directory announced (the `schools`
//! projection, one row per school).

use sqlx::PgPool;

use crate::domain::connectivity::{Connectivity, RegionCode};

pub struct ConnectivityRepo {
    pool: PgPool,
}

impl ConnectivityRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Schools per (region, class), of one region or of all.
    pub async fn counts(&self, region: Option<&RegionCode>) -> Result<Vec<(RegionCode, Connectivity, i64)>, sqlx::Error> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT region_code, connectivity, count(*) FROM schools \
             WHERE ($1::text IS NULL OR region_code = $1) GROUP BY region_code, connectivity ORDER BY region_code",
        )
        .bind(region.map(|r| r.0.as_str()))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(region, connectivity, n)| (RegionCode(region), Connectivity::read(&connectivity), n)).collect())
    }
}
