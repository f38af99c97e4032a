//! The command line: `qashyq-tvgrid` serves the TV grid; `qashyq-tvgrid import --dir DIR
//! [--publish]` imports a campaign's documents through the API (the gateway with an API key, or
//! the service directly) and, when asked, publishes the new version. The TOML transcriptions of a
//! campaign's documents (`data/<year>/`) become an import request here: what the command sends,
//! and what the tests and demo data use.

use std::path::Path;

use clap::{Parser, Subcommand};
use qashyq_platform::{grpc::client::BearerKey, time::to_local_date as local_date};
use qashyq_proto::{
    common::v1 as common,
    tvgrid::v1::{self as pb, PublishGridRequest, tv_grid_service_client::TvGridServiceClient},
};
use tonic::transport::Channel;

use crate::domain::{
    placement::Campaign,
    sources::{SourceRows, rows_from_toml, spring_2020},
};

/// An unknown code goes as LANGUAGE_UNSPECIFIED; the import names the row.
fn language(code: &str) -> i32 {
    code.parse().map_or(common::Language::Unspecified as i32, qashyq_platform::language::to_proto)
}

fn as_i32(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// Builds the request from the four documents' texts.
pub fn request_from_texts(grid: &str, aired: &str, hours: &str, campaign: &str, imported_by: &str) -> anyhow::Result<pb::ImportGridRequest> {
    let rows: SourceRows =
        rows_from_toml(grid, aired, hours).map_err(|errors| anyhow::anyhow!(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")))?;
    let campaign = Campaign::read(campaign)?;
    Ok(pb::ImportGridRequest {
        campaign: Some(pb::Campaign {
            name: campaign.name.clone(),
            first_day: Some(local_date(campaign.first_day)),
            last_day: Some(local_date(campaign.last_day)),
            holidays: campaign.holidays.iter().copied().map(local_date).collect(),
            planned_lessons: campaign.planned_lessons.unwrap_or(0) as i32,
            planned_lessons_per_grade: campaign.planned_lessons_per_grade.iter().map(|n| *n as i32).collect(),
        }),
        grid: rows
            .grid
            .into_iter()
            .map(|r| pb::GridDay { language: language(&r.language), grade: as_i32(r.grade), weekday: r.weekday, subjects: r.subjects })
            .collect(),
        aired_subjects: rows
            .aired
            .into_iter()
            .map(|r| pb::AiredSubjects { language: language(&r.language), grade: as_i32(r.grade), subjects: r.subjects })
            .collect(),
        readings: rows
            .readings
            .into_iter()
            .map(|r| pb::Reading { grades: r.grades.into_iter().map(as_i32).collect(), written: r.written, read_as: r.read_as })
            .collect(),
        weekly_hours: rows
            .hours
            .into_iter()
            .map(|r| pb::WeeklyHours {
                language: language(&r.language),
                grade: as_i32(r.grade),
                hours: r.hours.into_iter().map(|h| pb::SubjectHours { subject: h.subject, per_week: as_i32(h.per_week) }).collect(),
            })
            .collect(),
        imported_by: imported_by.to_owned(),
    })
}

/// Builds the request from a directory holding grid.toml, aired_subjects.toml, weekly_hours.toml
/// and campaign.toml.
pub fn request_from_dir(dir: &Path, imported_by: &str) -> anyhow::Result<pb::ImportGridRequest> {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).map_err(|e| anyhow::anyhow!("{}: {e}", dir.join(name).display()));
    request_from_texts(&read("grid.toml")?, &read("aired_subjects.toml")?, &read("weekly_hours.toml")?, &read("campaign.toml")?, imported_by)
}

/// The spring 2020 campaign as transcribed in this repository.
pub fn spring_2020_request(imported_by: &str) -> pb::ImportGridRequest {
    request_from_texts(spring_2020::GRID, spring_2020::AIRED_SUBJECTS, spring_2020::WEEKLY_HOURS, spring_2020::CAMPAIGN, imported_by)
        .expect("the 2020 transcription is valid (checked by tests)")
}

#[derive(Parser)]
#[command(version, about = "Qashyq TV grid service")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serves the TV grid (the default).
    Serve,
    /// Imports a campaign's documents (grid.toml, aired_subjects.toml, weekly_hours.toml,
    /// campaign.toml) and prints the validation report.
    Import {
        #[arg(long)]
        dir: std::path::PathBuf,
        /// Who imports, for the record.
        #[arg(long, env = "USER", default_value = "admin")]
        imported_by: String,
        #[arg(long, env = "QASHYQ_GATEWAY_URL", default_value = "http://127.0.0.1:15050")]
        url: String,
        #[arg(long, env = "QASHYQ_API_KEY", hide_env_values = true)]
        key: Option<String>,
        /// Publishes the imported version at once: it airs from the first day nothing has aired.
        #[arg(long)]
        publish: bool,
    },
}

/// Runs the command line: serves the grid, or runs an administrator's command.
pub async fn main() -> anyhow::Result<()> {
    match Cli::parse().command.unwrap_or(Command::Serve) {
        Command::Serve => qashyq_platform::service::main::<crate::TvGrid>().await,
        Command::Import { dir, imported_by, url, key, publish } => {
            let request = request_from_dir(&dir, &imported_by)?;
            let channel = BearerKey::new(key.as_deref())?.on(Channel::from_shared(url)?.connect().await?);
            let mut client = TvGridServiceClient::new(channel);
            let response = client.import_grid(request).await?.into_inner();
            let report = response.report.unwrap_or_default();
            println!("imported {} version {}: {} findings", response.campaign, response.version, report.findings.len());
            for finding in &report.findings {
                println!("  [{}] {}", finding.rule, finding.description);
            }
            for note in &report.notes {
                println!("  note: {note}");
            }
            if publish {
                let publication = client
                    .publish_grid(PublishGridRequest { campaign: response.campaign.clone(), version: response.version, published_by: imported_by })
                    .await?
                    .into_inner();
                let from = publication.effective_from.unwrap_or_default();
                println!(
                    "published {} version {} as publication {}, in effect from {:04}-{:02}-{:02}, {} changes",
                    publication.campaign,
                    publication.version,
                    publication.publication,
                    from.year,
                    from.month,
                    from.day,
                    publication.changes.len()
                );
                for change in &publication.changes {
                    println!("  change: {}", change.description);
                }
            }
            Ok(())
        }
    }
}
