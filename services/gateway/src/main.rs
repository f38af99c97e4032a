//! `qashyq-gateway` serves the public endpoint; `qashyq-gateway create-api-key --name NAME`
//! creates an integrator's key and prints it once.

use clap::{Parser, Subcommand};
use qashyq_gateway::{Gateway, admin};

#[derive(Parser)]
#[command(version, about = "Qashyq public gateway")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serves the gateway (the default).
    Serve,
    /// Creates an API key for an integrator and prints it; only its hash is stored.
    CreateApiKey {
        /// Who the key is for, e.g. "kundelik.kz".
        #[arg(long)]
        name: String,
    },
    /// Revokes an API key by its id.
    RevokeApiKey {
        #[arg(long)]
        key_id: uuid::Uuid,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command.unwrap_or(Command::Serve) {
        Command::Serve => qashyq_platform::service::main::<Gateway>().await,
        Command::CreateApiKey { name } => {
            let created = admin::create_api_key(&qashyq_platform::config::CommonConfig::from_env()?, &name).await?;
            eprintln!("created key {} for {name:?}; it is shown once, store it now", created.key_id);
            println!("{}", created.key);
            Ok(())
        }
        Command::RevokeApiKey { key_id } => {
            admin::revoke_api_key(&qashyq_platform::config::CommonConfig::from_env()?, key_id).await?;
            eprintln!("revoked key {key_id}");
            Ok(())
        }
    }
}
