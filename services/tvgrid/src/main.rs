//! `qashyq-tvgrid` serves the TV grid; `qashyq-tvgrid import --dir DIR [--publish]` imports a
//! campaign's documents through the API (the gateway with an API key, or the service directly)
//! and, when asked, publishes the new version.

use clap::{Parser, Subcommand};
use qashyq_proto::tvgrid::v1::{PublishGridRequest, tv_grid_service_client::TvGridServiceClient};
use qashyq_platform::grpc::client::BearerKey;
use tonic::transport::Channel;

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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command.unwrap_or(Command::Serve) {
        Command::Serve => qashyq_platform::service::main::<qashyq_tvgrid::TvGrid>().await,
        Command::Import { dir, imported_by, url, key, publish } => {
            let request = qashyq_tvgrid::documents::request_from_dir(&dir, &imported_by)?;
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
