//! SQL of grid imports (every version as sent) and their publications (R-TV-6).

use chrono::{DateTime, NaiveDate, Utc};
use prost::Message;
use qashyq_platform::{
    ApiError,
    error::quote,
    events::Outbox,
    time::{to_local_date, to_timestamp},
};
use qashyq_proto::tvgrid::v1::{GridChange, ImportGridRequest, Publication, ValidationReport};
use sqlx::PgPool;

use crate::publishing::Decision;

pub struct GridRepo {
    pool: PgPool,
    outbox: &'static Outbox,
}

/// What storing an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Stored as this new version.
    New(i64),
    /// The same documents are this version already; nothing was stored.
    Existing(i64),
}

/// One stored import.
pub struct StoredImport {
    pub version: i64,
    pub request: ImportGridRequest,
    pub report: ValidationReport,
}

impl GridRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool, outbox: &crate::OUTBOX }
    }

    /// Stores an import as the campaign's next version, with its GridImported event; documents
    /// identical to a version already stored (whoever imported them) are that version: nothing is
    /// stored and `report` becomes the stored one.
    pub async fn store(
        &self,
        campaign: &str,
        (first_day, last_day): (NaiveDate, NaiveDate),
        request: &ImportGridRequest,
        report: &mut ValidationReport,
    ) -> Result<Stored, ApiError> {
        let mut tx = self.pool.begin().await?;
        // Serialises imports of one campaign, so versions are gapless and unique.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('tvgrid.import.' || $1))").bind(campaign).execute(&mut *tx).await?;
        let stored: Vec<(i64, Vec<u8>, Vec<u8>)> = sqlx::query_as("SELECT version, request, report FROM grid_imports WHERE campaign = $1 ORDER BY version")
            .bind(campaign)
            .fetch_all(&mut *tx)
            .await?;
        let documents = ImportGridRequest { imported_by: String::new(), ..request.clone() };
        for (version, stored_request, stored_report) in stored {
            let stored_request = ImportGridRequest::decode(stored_request.as_slice()).map_err(ApiError::internal)?;
            if (ImportGridRequest { imported_by: String::new(), ..stored_request }) == documents {
                *report = ValidationReport::decode(stored_report.as_slice()).map_err(ApiError::internal)?;
                return Ok(Stored::Existing(version));
            }
        }
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
        report.imported_at = Some(to_timestamp(imported_at));
        let event = crate::events::grid_imported(campaign, version, report.findings.len(), &request.imported_by);
        self.outbox.enqueue(&mut tx, &format!("{campaign}/{version}"), &event).await?;
        tx.commit().await?;
        Ok(Stored::New(version))
    }

    /// The publication that airs on `date`: per campaign the newest publication in effect on that
    /// date, if its version's dates cover it; of several campaigns, the most recently published.
    pub async fn covering(&self, date: NaiveDate) -> Result<Option<Covering>, ApiError> {
        let row: Option<(String, i64, i64)> = sqlx::query_as(
            "SELECT campaign, version, publication FROM ( \
                SELECT DISTINCT ON (p.campaign) p.campaign, p.version, p.publication, p.published_at, i.first_day, i.last_day \
                FROM grid_publications p JOIN grid_imports i USING (campaign, version) \
                WHERE p.effective_from <= $1 ORDER BY p.campaign, p.publication DESC) in_effect \
             WHERE $1 BETWEEN first_day AND last_day ORDER BY published_at DESC LIMIT 1",
        )
        .bind(date)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(campaign, version, publication)| Covering { campaign, version, publication }))
    }

    /// The most recently published campaign.
    pub async fn latest_published_campaign(&self) -> Result<Option<String>, ApiError> {
        Ok(sqlx::query_scalar("SELECT campaign FROM grid_publications ORDER BY published_at DESC, publication DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The first and last day any publication of `campaign` airs.
    pub async fn published_dates(&self, campaign: &str) -> Result<Option<(NaiveDate, NaiveDate)>, ApiError> {
        let row: (Option<NaiveDate>, Option<NaiveDate>) = sqlx::query_as(
            "SELECT min(greatest(i.first_day, p.effective_from)), max(i.last_day) \
             FROM grid_publications p JOIN grid_imports i USING (campaign, version) WHERE p.campaign = $1",
        )
        .bind(campaign)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.0.zip(row.1))
    }

    /// Publishes a version (0: the latest imported) of `campaign`. `decide` sees the version in
    /// effect before (if any) and the one to publish, and returns the first day of effect and the
    /// changes, or refuses. Publishing the version already published, or one that airs the same,
    /// returns the publication in effect.
    pub async fn publish(
        &self,
        campaign: &str,
        version: i64,
        published_by: &str,
        decide: impl FnOnce(Option<&ImportGridRequest>, &ImportGridRequest) -> Result<Decision, ApiError>,
    ) -> Result<Publication, ApiError> {
        let mut tx = self.pool.begin().await?;
        // Serialises publications of one campaign: numbers are gapless, each sees the one before.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('tvgrid.publish.' || $1))").bind(campaign).execute(&mut *tx).await?;
        let new: Option<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT version, request FROM grid_imports WHERE campaign = $1 AND ($2 = 0 OR version = $2) ORDER BY version DESC LIMIT 1",
        )
        .bind(campaign)
        .bind(version)
        .fetch_optional(&mut *tx)
        .await?;
        let (version, new_request) = new.ok_or_else(|| not_found(campaign, version))?;
        let current: Option<PublicationRow> =
            sqlx::query_as(&format!("{PUBLICATION_COLUMNS} WHERE campaign = $1 ORDER BY publication DESC LIMIT 1"))
                .bind(campaign)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(current) = &current
            && current.version == version
        {
            return current.to_proto();
        }
        let old_request: Option<Vec<u8>> = match &current {
            Some(current) => Some(
                sqlx::query_scalar("SELECT request FROM grid_imports WHERE campaign = $1 AND version = $2")
                    .bind(campaign)
                    .bind(current.version)
                    .fetch_one(&mut *tx)
                    .await?,
            ),
            None => None,
        };
        let old_request = old_request.map(|bytes| ImportGridRequest::decode(bytes.as_slice())).transpose().map_err(ApiError::internal)?;
        let new_request = ImportGridRequest::decode(new_request.as_slice()).map_err(ApiError::internal)?;
        let (effective_from, changes) = match (decide(old_request.as_ref(), &new_request)?, &current) {
            (Decision::Publish(from, changes), _) => (from, changes),
            (Decision::Unchanged, Some(current)) => return current.to_proto(),
            (Decision::Unchanged, None) => return Err(ApiError::internal(anyhow::anyhow!("a first publication cannot be unchanged"))),
        };
        let number = current.as_ref().map_or(1, |c| c.publication + 1);
        let previous_version = current.as_ref().map_or(0, |c| c.version);
        let published_at: DateTime<Utc> = sqlx::query_scalar(
            "INSERT INTO grid_publications (campaign, publication, version, previous_version, effective_from, published_by, changes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING published_at",
        )
        .bind(campaign)
        .bind(number)
        .bind(version)
        .bind(previous_version)
        .bind(effective_from)
        .bind(published_by)
        .bind(ChangeList { changes: changes.clone() }.encode_to_vec())
        .fetch_one(&mut *tx)
        .await?;
        let publication = Publication {
            campaign: campaign.to_owned(),
            publication: number,
            version,
            previous_version,
            effective_from: Some(to_local_date(effective_from)),
            changes,
            published_by: published_by.to_owned(),
            published_at: Some(to_timestamp(published_at)),
        };
        let event = crate::events::grid_published(&publication);
        self.outbox.enqueue(&mut tx, &format!("{campaign}/p{number}"), &event).await?;
        tx.commit().await?;
        Ok(publication)
    }

    /// Every publication of a campaign, newest first.
    pub async fn publications(&self, campaign: &str) -> Result<Vec<Publication>, ApiError> {
        let rows: Vec<PublicationRow> = sqlx::query_as(&format!("{PUBLICATION_COLUMNS} WHERE campaign = $1 ORDER BY publication DESC"))
            .bind(campaign)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(PublicationRow::to_proto).collect()
    }

    /// Returns a stored version (0: the latest).
    pub async fn load(&self, campaign: &str, version: i64) -> Result<StoredImport, ApiError> {
        type Row = (i64, Vec<u8>, Vec<u8>, DateTime<Utc>, String);
        let row: Option<Row> = sqlx::query_as(
            "SELECT version, request, report, imported_at, imported_by FROM grid_imports \
             WHERE campaign = $1 AND ($2 = 0 OR version = $2) ORDER BY version DESC LIMIT 1",
        )
        .bind(campaign)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        let (version, request, report, imported_at, imported_by) = row.ok_or_else(|| not_found(campaign, version))?;
        let mut report = ValidationReport::decode(report.as_slice()).map_err(ApiError::internal)?;
        report.imported_at = Some(to_timestamp(imported_at));
        report.imported_by = imported_by;
        Ok(StoredImport { version, request: ImportGridRequest::decode(request.as_slice()).map_err(ApiError::internal)?, report })
    }
}

fn not_found(campaign: &str, version: i64) -> ApiError {
    ApiError::NotFound(if version == 0 { format!("grid of campaign {}", quote(&campaign)) } else { format!("version {version} of campaign {}", quote(&campaign)) })
}

/// The publication airing on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Covering {
    pub campaign: String,
    pub version: i64,
    pub publication: i64,
}

/// How a publication's changes are stored.
#[derive(Clone, PartialEq, prost::Message)]
struct ChangeList {
    #[prost(message, repeated, tag = "1")]
    changes: Vec<GridChange>,
}

const PUBLICATION_COLUMNS: &str =
    "SELECT campaign, publication, version, previous_version, effective_from, published_by, published_at, changes FROM grid_publications";

#[derive(sqlx::FromRow)]
struct PublicationRow {
    campaign: String,
    publication: i64,
    version: i64,
    previous_version: i64,
    effective_from: NaiveDate,
    published_by: String,
    published_at: DateTime<Utc>,
    changes: Vec<u8>,
}

impl PublicationRow {
    fn to_proto(&self) -> Result<Publication, ApiError> {
        Ok(Publication {
            campaign: self.campaign.clone(),
            publication: self.publication,
            version: self.version,
            previous_version: self.previous_version,
            effective_from: Some(to_local_date(self.effective_from)),
            changes: ChangeList::decode(self.changes.as_slice()).map_err(ApiError::internal)?.changes,
            published_by: self.published_by.clone(),
            published_at: Some(to_timestamp(self.published_at)),
        })
    }
}
