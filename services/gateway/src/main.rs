//! `qashyq-gateway` serves the public endpoint; its other commands administer principals (they
//! print a key or a person once, and need the database, not the network).

use std::time::Duration;

use clap::{Parser, Subcommand};
use qashyq_gateway::{Gateway, admin};
use qashyq_platform::{
    config::CommonConfig,
    principal::{Role, Scope},
};

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
    /// Creates an administrators' automation key and prints it; only its hash is stored.
    CreateApiKey {
        #[arg(long)]
        name: String,
    },
    /// Registers an integrator (e.g. kundelik.kz) and the schools it serves, and prints its id.
    CreateIntegrator {
        #[arg(long)]
        name: String,
        /// Region codes whose schools it serves (repeatable).
        #[arg(long = "region")]
        regions: Vec<String>,
        /// District ids whose schools it serves (repeatable).
        #[arg(long = "district")]
        districts: Vec<uuid::Uuid>,
        /// School ids it serves (repeatable).
        #[arg(long = "school")]
        schools: Vec<uuid::Uuid>,
        #[arg(long, default_value_t = 200)]
        rate_limit_per_second: i32,
    },
    /// Issues an integrator a key and prints it; its other keys keep working for the overlap.
    IssueApiKey {
        #[arg(long)]
        integrator_id: uuid::Uuid,
        /// Seconds the integrator's other keys keep working (0: until revoked).
        #[arg(long, default_value_t = 0)]
        overlap_seconds: u64,
    },
    /// Binds a client certificate to an integrator for mutual TLS, by its SHA-256 fingerprint
    /// (`openssl x509 -in client.pem -outform der | sha256sum`).
    BindCertificate {
        #[arg(long)]
        integrator_id: uuid::Uuid,
        #[arg(long)]
        fingerprint: String,
    },
    /// Revokes an API key by its id.
    RevokeApiKey {
        #[arg(long)]
        key_id: uuid::Uuid,
    },
    /// Creates a person who signs in; the password is read from QASHYQ_PASSWORD.
    CreatePerson {
        #[arg(long)]
        login: String,
        #[arg(long)]
        full_name: String,
        /// ministry, regional-observer, quality-observer, content-reviewer,
        /// proctoring-reviewer or administrator.
        #[arg(long)]
        role: String,
        /// The region of a regional observer.
        #[arg(long)]
        region: Option<String>,
        #[arg(long, env = "QASHYQ_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Sets a person's password (from QASHYQ_PASSWORD) and ends every sign-in of theirs.
    ResetPassword {
        #[arg(long)]
        login: String,
        #[arg(long, env = "QASHYQ_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let command = Cli::parse().command.unwrap_or(Command::Serve);
    if let Command::Serve = command {
        return qashyq_platform::service::main::<Gateway>().await;
    }
    let config = CommonConfig::from_env()?;
    match command {
        Command::Serve => unreachable!("served above"),
        Command::CreateApiKey { name } => {
            let created = admin::create_api_key(&config, &name).await?;
            eprintln!("created key {} for {name:?}; it is shown once, store it now", created.key_id);
            println!("{}", created.key);
        }
        Command::CreateIntegrator { name, regions, districts, schools, rate_limit_per_second } => {
            let integrator = admin::create_integrator(&config, &name, &Scope { regions, districts, schools }, rate_limit_per_second).await?;
            eprintln!("created integrator {name:?}; issue it a key with issue-api-key");
            println!("{}", integrator.id);
        }
        Command::IssueApiKey { integrator_id, overlap_seconds } => {
            let created = admin::issue_api_key(&config, integrator_id, Duration::from_secs(overlap_seconds)).await?;
            eprintln!("issued key {}; it is shown once, store it now", created.key_id);
            println!("{}", created.key);
        }
        Command::BindCertificate { integrator_id, fingerprint } => {
            admin::bind_certificate(&config, integrator_id, &fingerprint).await?;
            eprintln!("the certificate now stands for integrator {integrator_id} on the mutual TLS port");
        }
        Command::RevokeApiKey { key_id } => {
            admin::revoke_api_key(&config, key_id).await?;
            eprintln!("revoked key {key_id}");
        }
        Command::CreatePerson { login, full_name, role, region, password } => {
            let role = Role::parse(&role).ok_or_else(|| anyhow::anyhow!("{role:?} is not a role"))?;
            let person = admin::create_person(&config, &login, &full_name, role, region.as_deref(), &password).await?;
            eprintln!("created {} {login:?}", person.role);
            println!("{}", person.id);
        }
        Command::ResetPassword { login, password } => {
            let person = admin::reset_password(&config, &login, &password).await?;
            eprintln!("password of {:?} reset; their sign-ins are ended", person.login);
        }
    }
    Ok(())
}
