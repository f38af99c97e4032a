//! A campaign's grid: importing its documents as a new version (R-TV-4), reading a version's
//! report and figures (R-TV-8), publishing a version (R-TV-6) and exporting what airs (R-TV-7).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use qashyq_catalogue::{Grade, Language};

use super::airings::{DayView, Placements};
use crate::{
    domain::{
        documents::{GridDocuments, ImportedGrid},
        export::{Programme, ical, xmltv},
        figures::CampaignFigures,
        placement::{AirWindow, Airing, place},
        publication::{Publication, decide},
        validation::ValidationReport,
    },
    error::TvGridError,
    events,
    repo::{GridRepo, Stored},
};

/// An import's outcome: the version the documents are, and their report.
pub struct Imported {
    pub campaign: String,
    pub version: i64,
    /// The same documents were imported before as this version; nothing was stored.
    pub already_imported: bool,
    pub report: ValidationReport,
    /// Who imported the version first, and when.
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

/// A stored version's validation report, with who imported it when.
pub struct StoredReport {
    pub version: i64,
    pub report: ValidationReport,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

/// An exported document.
pub struct Export {
    pub file_name: String,
    pub content: String,
}

pub struct GridApp {
    grids: Arc<GridRepo>,
    airings: Arc<Placements>,
}

impl GridApp {
    pub fn new(grids: Arc<GridRepo>, airings: Arc<Placements>) -> Self {
        Self { grids, airings }
    }

    /// Imports a campaign's documents as its next version (the same documents again are the
    /// version they were), with its GridImported event. A grid whose lessons do not fit the air
    /// window on every day of its campaign is refused (R-TV-2).
    pub async fn import(&self, imported: ImportedGrid, documents: GridDocuments, imported_by: &str) -> Result<Imported, TvGridError> {
        place(&imported.grid, &imported.campaign, &AirWindow::TV_LESSONS).map_err(TvGridError::DoesNotAir)?;
        let report = imported.report();
        let campaign = imported.campaign.name.clone();
        let findings = report.findings.len();
        let outcome = self.grids.store(&documents, imported_by, |version| events::grid_imported(&campaign, version, findings, imported_by)).await?;
        let (version, already_imported) = match outcome.stored {
            Stored::New(version) => (version, false),
            Stored::Existing(version) => (version, true),
        };
        tracing::info!(%campaign, version, already_imported, findings, "grid imported");
        // The same documents give the same report: the one just made is the stored version's.
        Ok(Imported { campaign, version, already_imported, report, imported_by: outcome.imported_by, imported_at: outcome.imported_at })
    }

    /// A stored version's report (0: the latest), read again from its documents.
    pub async fn report(&self, campaign: &str, version: i64) -> Result<StoredReport, TvGridError> {
        let stored = self.grids.load(campaign, version).await?;
        let report = stored.read()?.report();
        Ok(StoredReport { version: stored.version, report, imported_by: stored.imported_by, imported_at: stored.imported_at })
    }

    /// A stored version's figures (0: the latest), with the version.
    pub async fn figures(&self, campaign: &str, version: i64) -> Result<(i64, CampaignFigures), TvGridError> {
        let stored = self.grids.load(campaign, version).await?;
        Ok((stored.version, stored.read()?.figures()))
    }

    /// Publishes a version (0: the latest) of a campaign, in effect from the first day nothing
    /// has aired (R-TV-6), with its GridPublished event.
    pub async fn publish(&self, campaign: &str, version: i64, published_by: &str) -> Result<Publication, TvGridError> {
        let now = qashyq_platform::clock::now();
        let publication = self.grids.publish(campaign, version, published_by, |old, new| decide(old, new, now), events::grid_published).await?;
        self.airings.forget_days().await;
        tracing::info!(publication = publication.publication, version = publication.version, changes = publication.changes.len(), "grid published");
        Ok(publication)
    }

    /// Every publication of a campaign, newest first.
    pub async fn publications(&self, campaign: &str) -> Result<Vec<Publication>, TvGridError> {
        self.grids.publications(campaign).await
    }

    /// The XMLTV document of some channels' days (R-TV-7).
    pub async fn export_xmltv(&self, channels: &[String], first: NaiveDate, last: NaiveDate) -> Result<Export, TvGridError> {
        let views = self.airings.days(first, last).await?;
        let programmes: Vec<Programme<'_>> =
            views.iter().flat_map(|view| view.airings().iter().filter(|a| channels.contains(&a.channel_id)).map(|a| programme(view, a))).collect();
        let ids: Vec<&str> = channels.iter().map(String::as_str).collect();
        Ok(Export { file_name: format!("{}_{first}_{last}.xml", ids.join("+")), content: xmltv::render(&programmes, &ids) })
    }

    /// A grade's lessons of a campaign (`None`: the one published last) as iCalendar (R-TV-7).
    pub async fn export_icalendar(&self, campaign: Option<String>, language: Language, grade: Grade) -> Result<Export, TvGridError> {
        let campaign = match campaign {
            Some(name) => name,
            None => self.grids.latest_published_campaign().await?.ok_or(TvGridError::NothingPublished)?,
        };
        let (first, last) = self.grids.published_dates(&campaign).await?.ok_or_else(|| TvGridError::NotPublished(campaign.clone()))?;
        // Day by day: each day airs from the publication in effect on it (R-TV-6).
        let views: Vec<Arc<DayView>> = self.airings.days(first, last).await?.into_iter().filter(|view| view.campaign == campaign).collect();
        let programmes: Vec<Programme<'_>> = views.iter().flat_map(|view| view.airings().iter().map(|a| programme(view, a))).collect();
        let content = ical::render(&programmes, language, grade, qashyq_platform::clock::now());
        Ok(Export { file_name: format!("{campaign}_{}_grade{}.ics", language.code(), grade.value()), content })
    }
}

/// An airing as exported, with what its scheduled asset shows.
fn programme<'a>(view: &'a DayView, airing: &'a Airing) -> Programme<'a> {
    let asset = view.asset_of(airing);
    Programme {
        airing,
        publication: view.publication,
        topic: asset.map_or("", |a| a.topic.as_str()),
        teacher_name: asset.map_or("", |a| a.teacher_name.as_str()),
    }
}
