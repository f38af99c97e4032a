//! `qashyq`: a small client of the public gateway, for people and scripts. It waits for the mesh
//! to be healthy, loads the demo data through the gateway (as an integrator would), and makes the
//! example calls the README shows.

use std::time::Duration;

use clap::{Parser, Subcommand};
use qashyq_platform::grpc::client::{BearerKey, KeyedChannel};
use tonic::{Code, transport::Channel};
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient};

use qashyq_proto::{
    reporting::v1::{GetConnectivityReportRequest, reporting_service_client::ReportingServiceClient},
    schedule::v1::{
        Connectivity, LearningMode, ListRegionsRequest, ListSchoolsRequest, RegisterSchoolRequest, catalogue_service_client::CatalogueServiceClient,
        directory_service_client::DirectoryServiceClient,
    },
    tvgrid::v1::{ListChannelsRequest, tv_grid_service_client::TvGridServiceClient},
};

#[derive(Parser)]
#[command(version, about = "Client of the Qashyq gateway")]
struct Cli {
    /// Gateway address.
    #[arg(long, env = "QASHYQ_GATEWAY_URL", default_value = "http://127.0.0.1:50050", global = true)]
    gateway: String,
    /// API key (from `qashyq-gateway create-api-key`).
    #[arg(long, env = "QASHYQ_API_KEY", global = true, hide_env_values = true)]
    key: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Waits until every given gRPC server reports SERVING.
    WaitHealthy {
        urls: Vec<String>,
        #[arg(long, default_value_t = 120)]
        timeout_seconds: u64,
    },
    /// Registers the demo schools (again: existing ones are kept).
    LoadDemo,
    /// Lists the regions of the catalogue.
    Regions,
    /// Lists schools, optionally of one region.
    Schools {
        #[arg(long, default_value = "")]
        region: String,
    },
    /// Lists broadcast channels.
    Channels,
    /// Schools by connectivity per region, from the reporting service.
    Connectivity {
        #[arg(long, default_value = "")]
        region: String,
    },
}

async fn gateway(cli: &Cli) -> anyhow::Result<KeyedChannel> {
    let key = cli.key.as_deref().ok_or_else(|| anyhow::anyhow!("an API key is needed: --key or QASHYQ_API_KEY"))?;
    let channel = Channel::from_shared(cli.gateway.clone())?.connect().await?;
    Ok(BearerKey::new(Some(key))?.on(channel))
}

async fn wait_healthy(urls: &[String], timeout: Duration) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + timeout;
    for url in urls {
        loop {
            let serving = async {
                let channel = Channel::from_shared(url.clone())?.connect().await?;
                let response = HealthClient::new(channel).check(HealthCheckRequest { service: String::new() }).await?;
                anyhow::Ok(response.into_inner().status == ServingStatus::Serving as i32)
            }
            .await
            .unwrap_or(false);
            if serving {
                break;
            }
            anyhow::ensure!(tokio::time::Instant::now() < deadline, "{url} is not healthy after {timeout:?}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    Ok(())
}

/// Demo schools: a mix of regions, connectivity classes and learning modes (seed 004 counts
/// schools by connectivity; seed 003 lets small ungraded rural schools stay in person).
const DEMO_SCHOOLS: &[(&str, &str, Connectivity, LearningMode, bool)] = &[
    ("KZ-ALA", "School-gymnasium No. 12", Connectivity::Broadband, LearningMode::Distance, false),
    ("KZ-ALA", "School-lyceum No. 38", Connectivity::Broadband, LearningMode::Distance, false),
    ("KZ-AST", "School No. 54", Connectivity::Broadband, LearningMode::DutyClasses, false),
    ("KZ-AKM", "Zhaksy rural school", Connectivity::Slow, LearningMode::Distance, false),
    ("KZ-AKM", "Karakol ungraded school", Connectivity::None, LearningMode::InPersonShifts, true),
    ("KZ-KZY", "Aral school No. 3", Connectivity::Slow, LearningMode::Distance, false),
    ("KZ-KZY", "Zhalagash ungraded school", Connectivity::None, LearningMode::InPersonShifts, true),
    ("KZ-VOS", "Ridder school No. 7", Connectivity::Broadband, LearningMode::Distance, false),
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match &cli.command {
        Command::WaitHealthy { urls, timeout_seconds } => wait_healthy(urls, Duration::from_secs(*timeout_seconds)).await?,
        Command::LoadDemo => {
            let mut directory = DirectoryServiceClient::new(gateway(&cli).await?);
            let mut created = 0;
            for &(region, name, connectivity, mode, ungraded) in DEMO_SCHOOLS {
                let request = RegisterSchoolRequest {
                    region_code: region.into(),
                    name: name.into(),
                    connectivity: connectivity as i32,
                    learning_mode: mode as i32,
                    ungraded_rural: ungraded,
                };
                match directory.register_school(request).await {
                    Ok(_) => created += 1,
                    Err(status) if status.code() == Code::AlreadyExists => {}
                    Err(status) => return Err(status.into()),
                }
            }
            println!("demo data: {created} schools registered, {} already there", DEMO_SCHOOLS.len() - created);
        }
        Command::Regions => {
            let regions = CatalogueServiceClient::new(gateway(&cli).await?).list_regions(ListRegionsRequest {}).await?.into_inner();
            for r in regions.regions {
                println!("{}\t{}\t{}", r.code, r.name_kk, r.name_ru);
            }
        }
        Command::Schools { region } => {
            let mut directory = DirectoryServiceClient::new(gateway(&cli).await?);
            let mut page = qashyq_proto::common::v1::PageRequest::default();
            loop {
                let response = directory
                    .list_schools(ListSchoolsRequest { region_code: region.clone(), page: Some(page.clone()) })
                    .await?
                    .into_inner();
                for s in response.schools {
                    let connectivity = Connectivity::try_from(s.connectivity).map_or("?", |c| c.as_str_name());
                    println!("{}\t{}\t{}\t{}", s.school_id, s.region_code, connectivity, s.name);
                }
                match response.page.map(|p| p.next_page_token).filter(|t| !t.is_empty()) {
                    Some(token) => page.page_token = token,
                    None => break,
                }
            }
        }
        Command::Channels => {
            let channels = TvGridServiceClient::new(gateway(&cli).await?).list_channels(ListChannelsRequest::default()).await?.into_inner();
            for c in channels.channels {
                println!("{}\t{}", c.channel_id, c.name);
            }
        }
        Command::Connectivity { region } => {
            let report = ReportingServiceClient::new(gateway(&cli).await?)
                .get_connectivity_report(GetConnectivityReportRequest { region_code: region.clone() })
                .await?
                .into_inner();
            println!("region\tschools\tbroadband\tslow\toffline");
            for r in report.regions.iter().chain(report.total.as_ref()) {
                let name = if r.region_code.is_empty() { "total" } else { &r.region_code };
                println!("{name}\t{}\t{}\t{}\t{}", r.schools, r.broadband, r.slow, r.offline);
            }
        }
    }
    Ok(())
}
