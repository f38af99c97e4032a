//! SQL of grid imports (every version's documents, as the service's own JSON) and their
//! publications (R-TV-6, with their changes as the service's own JSON).

use chrono::{DateTime, NaiveDate, Utc};
use prost::Message;
use qashyq_platform::events::{Event, Outbox};
use sqlx::PgPool;

use super::legacy;
use crate::{
    domain::{
        documents::{GridDocuments, ImportedGrid},
        publication::{ChangeRecord, DecideError, Decision, Publication},
    },
    error::TvGridError,
};

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

/// The version an import is, and who imported it when (the first importer, for documents
/// imported before).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOutcome {
    pub stored: Stored,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

/// One stored import.
pub struct StoredImport {
    pub version: i64,
    pub documents: GridDocuments,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

impl StoredImport {
    /// Reads the stored documents (they were checked when imported: a failure is the service's).
    pub fn read(&self) -> Result<ImportedGrid, TvGridError> {
        self.documents.read().map_err(|errors| TvGridError::Corrupt(format!("version {} of the campaign: {} errors", self.version, errors.len())))
    }
}

impl GridRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool, outbox: &crate::OUTBOX }
    }

    /// Stores an import as the campaign's next version, with the event `announce` makes of the
    /// version number; documents identical to a version already stored (whoever imported them)
    /// are that version: nothing is stored and nothing announced.
    pub async fn store<E: Event>(&self, documents: &GridDocuments, imported_by: &str, announce: impl FnOnce(i64) -> E) -> Result<StoreOutcome, TvGridError> {
        let campaign = documents.campaign.name.as_str();
        let mut tx = self.pool.begin().await?;
        // Serialises imports of one campaign, so versions are gapless and unique.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('tvgrid.import.' || $1))").bind(campaign).execute(&mut *tx).await?;
        let existing: Option<(i64, String, DateTime<Utc>)> =
            sqlx::query_as("SELECT version, imported_by, imported_at FROM grid_imports WHERE campaign = $1 AND documents = $2 ORDER BY version LIMIT 1")
                .bind(campaign)
                .bind(sqlx::types::Json(documents))
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((version, imported_by, imported_at)) = existing {
            return Ok(StoreOutcome { stored: Stored::Existing(version), imported_by, imported_at });
        }
        let version: i64 =
            sqlx::query_scalar("SELECT coalesce(max(version), 0) + 1 FROM grid_imports WHERE campaign = $1").bind(campaign).fetch_one(&mut *tx).await?;
        let imported_at: DateTime<Utc> = sqlx::query_scalar(
            "INSERT INTO grid_imports (campaign, version, imported_by, documents, first_day, last_day) VALUES ($1, $2, $3, $4, $5, $6) RETURNING imported_at",
        )
        .bind(campaign)
        .bind(version)
        .bind(imported_by)
        .bind(sqlx::types::Json(documents))
        .bind(documents.campaign.first_day)
        .bind(documents.campaign.last_day)
        .fetch_one(&mut *tx)
        .await?;
        self.outbox.enqueue(&mut tx, &format!("{campaign}/{version}"), &announce(version)).await?;
        tx.commit().await?;
        Ok(StoreOutcome { stored: Stored::New(version), imported_by: imported_by.to_owned(), imported_at })
    }

    /// The publication that airs on `date`: per campaign the newest publication in effect on that
    /// date, if its version's dates cover it; of several campaigns, the most recently published.
    pub async fn covering(&self, date: NaiveDate) -> Result<Option<Covering>, TvGridError> {
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
    pub async fn latest_published_campaign(&self) -> Result<Option<String>, TvGridError> {
        Ok(sqlx::query_scalar("SELECT campaign FROM grid_publications ORDER BY published_at DESC, publication DESC LIMIT 1").fetch_optional(&self.pool).await?)
    }

    /// The first and last day any publication of `campaign` airs.
    pub async fn published_dates(&self, campaign: &str) -> Result<Option<(NaiveDate, NaiveDate)>, TvGridError> {
        let row: (Option<NaiveDate>, Option<NaiveDate>) = sqlx::query_as(
            "SELECT min(greatest(i.first_day, p.effective_from)), max(i.last_day) \
             FROM grid_publications p JOIN grid_imports i USING (campaign, version) WHERE p.campaign = $1",
        )
        .bind(campaign)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.0.zip(row.1))
    }

    /// Publishes a version (0: the latest imported) of `campaign`. `decide` sees the documents
    /// in effect before (if any) and those to publish, and returns the first day of effect and
    /// the changes, or refuses; the new publication is stored with the event `announce` makes of
    /// it. Publishing the version already published, or one that airs the same, returns the
    /// publication in effect and announces nothing.
    pub async fn publish<E: Event>(
        &self,
        campaign: &str,
        version: i64,
        published_by: &str,
        decide: impl FnOnce(Option<&GridDocuments>, &GridDocuments) -> Result<Decision, DecideError>,
        announce: impl FnOnce(&Publication) -> E,
    ) -> Result<Publication, TvGridError> {
        let mut tx = self.pool.begin().await?;
        // Serialises publications of one campaign: numbers are gapless, each sees the one before.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('tvgrid.publish.' || $1))").bind(campaign).execute(&mut *tx).await?;
        let new: Option<(i64, sqlx::types::Json<GridDocuments>)> =
            sqlx::query_as("SELECT version, documents FROM grid_imports WHERE campaign = $1 AND ($2 = 0 OR version = $2) ORDER BY version DESC LIMIT 1")
                .bind(campaign)
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
        let (version, new_documents) = new.ok_or_else(|| not_found(campaign, version))?;
        let current: Option<PublicationRow> = sqlx::query_as(&format!("{PUBLICATION_COLUMNS} WHERE campaign = $1 ORDER BY publication DESC LIMIT 1"))
            .bind(campaign)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(current) = &current
            && current.version == version
        {
            return current.record();
        }
        let old_documents: Option<sqlx::types::Json<GridDocuments>> = match &current {
            Some(current) => Some(
                sqlx::query_scalar("SELECT documents FROM grid_imports WHERE campaign = $1 AND version = $2")
                    .bind(campaign)
                    .bind(current.version)
                    .fetch_one(&mut *tx)
                    .await?,
            ),
            None => None,
        };
        let (effective_from, changes) = match (decide(old_documents.as_ref().map(|d| &d.0), &new_documents.0)?, &current) {
            (Decision::Publish(from, changes), _) => (from, changes),
            (Decision::Unchanged, Some(current)) => return current.record(),
            (Decision::Unchanged, None) => return Err(TvGridError::Corrupt(format!("a first publication of {campaign} cannot be unchanged"))),
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
        .bind(sqlx::types::Json(&changes))
        .fetch_one(&mut *tx)
        .await?;
        let publication = Publication {
            campaign: campaign.to_owned(),
            publication: number,
            version,
            previous_version,
            effective_from,
            changes,
            published_by: published_by.to_owned(),
            published_at,
        };
        self.outbox.enqueue(&mut tx, &format!("{campaign}/p{number}"), &announce(&publication)).await?;
        tx.commit().await?;
        Ok(publication)
    }

    /// Every publication of a campaign, newest first.
    pub async fn publications(&self, campaign: &str) -> Result<Vec<Publication>, TvGridError> {
        let rows: Vec<PublicationRow> =
            sqlx::query_as(&format!("{PUBLICATION_COLUMNS} WHERE campaign = $1 ORDER BY publication DESC")).bind(campaign).fetch_all(&self.pool).await?;
        rows.iter().map(PublicationRow::record).collect()
    }

    /// Returns a stored version (0: the latest).
    pub async fn load(&self, campaign: &str, version: i64) -> Result<StoredImport, TvGridError> {
        type Row = (i64, Option<sqlx::types::Json<GridDocuments>>, DateTime<Utc>, String);
        let row: Option<Row> = sqlx::query_as(
            "SELECT version, documents, imported_at, imported_by FROM grid_imports \
             WHERE campaign = $1 AND ($2 = 0 OR version = $2) ORDER BY version DESC LIMIT 1",
        )
        .bind(campaign)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        let (version, documents, imported_at, imported_by) = row.ok_or_else(|| not_found(campaign, version))?;
        let documents =
            documents.ok_or_else(|| TvGridError::Corrupt(format!("version {version} of {campaign} is in the old encoding and was not converted")))?;
        Ok(StoredImport { version, documents: documents.0, imported_by, imported_at })
    }

    /// Converts imports and publications stored before migration 4 (encoded API messages) into
    /// the service's own JSON, once: each row in its own transaction, locked; one that cannot be
    /// decoded is left as it is and logged (reading it then says so).
    pub async fn convert_legacy(&self) -> Result<usize, TvGridError> {
        let mut converted = 0;
        let imports: Vec<(String, i64)> = sqlx::query_as("SELECT campaign, version FROM grid_imports WHERE documents IS NULL").fetch_all(&self.pool).await?;
        for (campaign, version) in imports {
            let mut tx = self.pool.begin().await?;
            let bytes: Option<Option<Vec<u8>>> =
                sqlx::query_scalar("SELECT legacy_request FROM grid_imports WHERE campaign = $1 AND version = $2 AND documents IS NULL FOR UPDATE")
                    .bind(&campaign)
                    .bind(version)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(Some(bytes)) = bytes else { continue };
            let documents = match legacy::ImportGridRequest::decode(bytes.as_slice()) {
                Ok(request) => legacy::documents(request),
                Err(error) => {
                    tracing::error!(%campaign, version, %error, "a stored import cannot be decoded; left unconverted");
                    continue;
                }
            };
            sqlx::query("UPDATE grid_imports SET documents = $3, legacy_request = NULL, legacy_report = NULL WHERE campaign = $1 AND version = $2")
                .bind(&campaign)
                .bind(version)
                .bind(sqlx::types::Json(&documents))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            converted += 1;
        }
        let publications: Vec<(String, i64)> =
            sqlx::query_as("SELECT campaign, publication FROM grid_publications WHERE changes IS NULL").fetch_all(&self.pool).await?;
        for (campaign, publication) in publications {
            let mut tx = self.pool.begin().await?;
            let bytes: Option<Option<Vec<u8>>> =
                sqlx::query_scalar("SELECT legacy_changes FROM grid_publications WHERE campaign = $1 AND publication = $2 AND changes IS NULL FOR UPDATE")
                    .bind(&campaign)
                    .bind(publication)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(Some(bytes)) = bytes else { continue };
            let changes: Vec<ChangeRecord> = match legacy::ChangeList::decode(bytes.as_slice()) {
                Ok(list) => list.changes.into_iter().map(legacy::change).collect(),
                Err(error) => {
                    tracing::error!(%campaign, publication, %error, "stored publication changes cannot be decoded; left unconverted");
                    continue;
                }
            };
            sqlx::query("UPDATE grid_publications SET changes = $3, legacy_changes = NULL WHERE campaign = $1 AND publication = $2")
                .bind(&campaign)
                .bind(publication)
                .bind(sqlx::types::Json(&changes))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            converted += 1;
        }
        if converted > 0 {
            tracing::info!(rows = converted, "grid imports and publications of the old encoding converted");
        }
        Ok(converted)
    }
}

fn not_found(campaign: &str, version: i64) -> TvGridError {
    TvGridError::GridNotFound { campaign: campaign.to_owned(), version }
}

/// The publication airing on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Covering {
    pub campaign: String,
    pub version: i64,
    pub publication: i64,
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
    changes: Option<sqlx::types::Json<Vec<ChangeRecord>>>,
}

impl PublicationRow {
    fn record(&self) -> Result<Publication, TvGridError> {
        let changes = self.changes.as_ref().ok_or_else(|| {
            TvGridError::Corrupt(format!("publication {} of {} is in the old encoding and was not converted", self.publication, self.campaign))
        })?;
        Ok(Publication {
            campaign: self.campaign.clone(),
            publication: self.publication,
            version: self.version,
            previous_version: self.previous_version,
            effective_from: self.effective_from,
            changes: changes.0.clone(),
            published_by: self.published_by.clone(),
            published_at: self.published_at,
        })
    }
}
