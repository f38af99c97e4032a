//! SQL of grid imports.

use chrono::{DateTime, NaiveDate, Utc};
use prost::Message;
use qashyq_platform::{ApiError, events::Outbox};
use qashyq_proto::tvgrid::v1::{GridImported, ImportGridRequest, ValidationReport};
use sqlx::PgPool;

pub struct GridRepo {
    pool: PgPool,
    outbox: Outbox,
}

/// One stored import.
pub struct StoredImport {
    pub version: i64,
    pub request: ImportGridRequest,
    pub report: ValidationReport,
}

impl GridRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool, outbox: Outbox::new("tvgrid") }
    }

    /// Stores an import as the campaign's next version, with its GridImported event.
    pub async fn store(
        &self,
        campaign: &str,
        (first_day, last_day): (NaiveDate, NaiveDate),
        request: &ImportGridRequest,
        report: &mut ValidationReport,
    ) -> Result<i64, ApiError> {
        let mut tx = self.pool.begin().await?;
        // Serialises imports of one campaign, so versions are gapless and unique.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('tvgrid.import.' || $1))").bind(campaign).execute(&mut *tx).await?;
        let version: i64 = sqlx::query_scalar("SELECT coalesce(max(version), 0) + 1 FROM grid_imports WHERE campaign = $1")
            .bind(campaign)
            .fetch_one(&mut *tx)
            .await?;
        report.version = version;
        let imported_at: DateTime<Utc> = sqlx::query_scalar(
            "INSERT INTO grid_imports (campaign, version, imported_by, request, report, first_day, last_day) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING imported_at",
        )
        .bind(campaign)
        .bind(version)
        .bind(&request.imported_by)
        .bind(request.encode_to_vec())
        .bind(report.encode_to_vec())
        .bind(first_day)
        .bind(last_day)
        .fetch_one(&mut *tx)
        .await?;
        report.imported_at = Some(qashyq_platform::time::to_timestamp(imported_at));
        let event = GridImported {
            campaign: campaign.to_owned(),
            version,
            findings: report.findings.len() as i32,
            imported_by: request.imported_by.clone(),
        };
        self.outbox.enqueue(&mut tx, &format!("{campaign}/{version}"), &event).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// The latest version of the most recently imported campaign covering `date`.
    pub async fn covering(&self, date: NaiveDate) -> Result<Option<(String, i64)>, ApiError> {
        Ok(sqlx::query_as(
            "SELECT campaign, version FROM grid_imports WHERE $1 BETWEEN first_day AND last_day \
             ORDER BY imported_at DESC, version DESC LIMIT 1",
        )
        .bind(date)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The most recently imported campaign.
    pub async fn latest_campaign(&self) -> Result<Option<String>, ApiError> {
        Ok(sqlx::query_scalar("SELECT campaign FROM grid_imports ORDER BY imported_at DESC, version DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Returns a stored version (0: the latest).
    pub async fn load(&self, campaign: &str, version: i64) -> Result<StoredImport, ApiError> {
        let row: Option<(i64, Vec<u8>, Vec<u8>, DateTime<Utc>, String)> = sqlx::query_as(
            "SELECT version, request, report, imported_at, imported_by FROM grid_imports \
             WHERE campaign = $1 AND ($2 = 0 OR version = $2) ORDER BY version DESC LIMIT 1",
        )
        .bind(campaign)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        let (version, request, report, imported_at, imported_by) = row.ok_or_else(|| {
            ApiError::NotFound(if version == 0 { format!("grid of campaign {campaign:?}") } else { format!("version {version} of campaign {campaign:?}") })
        })?;
        let mut report = ValidationReport::decode(report.as_slice()).map_err(ApiError::internal)?;
        report.imported_at = Some(qashyq_platform::time::to_timestamp(imported_at));
        report.imported_by = imported_by;
        Ok(StoredImport { version, request: ImportGridRequest::decode(request.as_slice()).map_err(ApiError::internal)?, report })
    }
}
