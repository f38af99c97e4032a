//! Typed settings per service: a service reads its own `QASHYQ_<NAME>_*` beside the common
//! settings, and the URLs of the mesh it may use are the peers it declares.

mod common;

use std::net::SocketAddr;

use qashyq_platform::{Application, ServiceContext, ServiceDef, ServiceParts, config::CommonConfig, service::service_settings};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;

#[derive(Debug, Clone, Deserialize, PartialEq)]
struct ProbeSettings {
    #[serde(default = "default_greeting")]
    greeting: String,
}

fn default_greeting() -> String {
    "сәлем".into()
}

/// A service that checks, while it is built, what it was given.
struct Probe;

impl ServiceDef for Probe {
    const NAME: &'static str = "probe";
    const DEFAULT_PORT: u16 = 0;
    const GRPC_SERVICES: &'static [&'static str] = &[];
    const PEERS: &'static [&'static str] = &["tvgrid"];
    type Settings = ProbeSettings;

    async fn build(ctx: &ServiceContext, settings: ProbeSettings) -> anyhow::Result<ServiceParts> {
        assert_eq!(settings, ProbeSettings { greeting: "сәлем".into() }, "no QASHYQ_PROBE_* set: the defaults");
        assert_eq!(ctx.peer_url("tvgrid")?, "http://tvgrid.example:15052");
        let undeclared = ctx.peer_url("reporting").unwrap_err().to_string();
        assert!(undeclared.contains("does not declare reporting"), "{undeclared}");
        Ok(ServiceParts::new(Routes::default()))
    }
}

#[tokio::test]
async fn a_service_gets_its_own_settings_and_only_the_peers_it_declares() {
    let db = common::Db::create().await;
    let mut config = CommonConfig::local_defaults();
    config.database_url = db.url().to_owned().into();
    config.listen_addr = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.admin_addr = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.set_service_url("tvgrid", "http://tvgrid.example:15052".into());
    Application::build::<Probe>(config, CancellationToken::new()).await.expect("built, every check inside passed");
    db.drop_it().await;
}

#[test]
fn settings_are_read_from_the_services_own_prefix() {
    let vars = [("QASHYQ_PROBE_GREETING".to_owned(), "hello".to_owned()), ("QASHYQ_OTHER_GREETING".to_owned(), "no".to_owned())];
    let read: ProbeSettings = envy::prefixed("QASHYQ_PROBE_").from_iter(vars).unwrap();
    assert_eq!(read.greeting, "hello");
    // Nothing of the service's in the environment of this test: every default applies.
    assert_eq!(service_settings::<ProbeSettings>("probe").unwrap().greeting, "сәлем");
}
