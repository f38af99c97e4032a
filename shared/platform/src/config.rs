//! Configuration from environment variables (`QASHYQ_*`), with defaults that work on a developer
//! machine running PostgreSQL, Redis and RabbitMQ locally. Secrets are `SecretString`: they never
//! appear in `Debug` output or logs.

use std::net::SocketAddr;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Settings every service reads. The defaults match what `scripts/ensure-infra.sh` creates.
#[derive(Debug, Clone, Deserialize)]
pub struct CommonConfig {
    /// `QASHYQ_DATABASE_URL`: the PostgreSQL database holding every service's schema.
    #[serde(default = "defaults::database_url")]
    pub database_url: SecretString,
    /// `QASHYQ_DATABASE_MAX_CONNECTIONS`
    #[serde(default = "defaults::database_max_connections")]
    pub database_max_connections: u32,
    /// `QASHYQ_AMQP_URL`: RabbitMQ.
    #[serde(default = "defaults::amqp_url")]
    pub amqp_url: SecretString,
    /// `QASHYQ_REDIS_URL`
    #[serde(default = "defaults::redis_url")]
    pub redis_url: SecretString,
    /// `QASHYQ_LISTEN_ADDR`; when unset, `127.0.0.1:<the service's default port>`.
    #[serde(default)]
    pub listen_addr: Option<SocketAddr>,
    /// `QASHYQ_ADMIN_ADDR`: where `GET /metrics` (Prometheus text) is served; when unset,
    /// `127.0.0.1:<the service's port + 1000>`.
    #[serde(default)]
    pub admin_addr: Option<SocketAddr>,
    /// `QASHYQ_LOG_FORMAT`: `text` (default) or `json`.
    #[serde(default)]
    pub log_format: LogFormat,
    /// `QASHYQ_EVENTS_EXCHANGE`: the topic exchange domain events travel on. Tests use a
    /// private one each so that parallel tests never see each other's events.
    #[serde(default = "defaults::events_exchange")]
    pub events_exchange: String,
    /// `QASHYQ_EVENTS_EPHEMERAL`: declare the exchange auto-deleted and the queues expiring when
    /// unused (tests only; production topology is durable and permanent).
    #[serde(default)]
    pub events_ephemeral: bool,
    /// `QASHYQ_SHUTDOWN_GRACE_SECONDS`: how long in-flight calls may take to finish after a
    /// shutdown signal before the rest (e.g. long-lived watch streams) is cut.
    #[serde(default = "defaults::shutdown_grace_seconds")]
    pub shutdown_grace_seconds: u64,
    /// `QASHYQ_CLOCK_START`: an instant (RFC 3339) the business clock starts at and runs on from;
    /// unset or empty: the real clock (see [`crate::clock`]).
    #[serde(default, deserialize_with = "defaults::optional_instant")]
    pub clock_start: Option<chrono::DateTime<chrono::Utc>>,
    /// `QASHYQ_CLOCK_ANCHOR`: the real instant at which the clock read `QASHYQ_CLOCK_START`
    /// (every process of the mesh given the same one reads the same time); unset: process start.
    #[serde(default, deserialize_with = "defaults::optional_instant")]
    pub clock_anchor: Option<chrono::DateTime<chrono::Utc>>,
    /// `QASHYQ_PRINCIPAL_KEY`: the mesh's secret that signs the principal the gateway passes to
    /// the services (`x-qashyq-principal`, see [`crate::principal`]); the same in every process.
    /// Unset: a development key, with a warning at start.
    #[serde(default)]
    pub principal_key: Option<SecretString>,
    /// `QASHYQ_DB_SCHEMA_SUFFIX`: appended to each service's schema name; empty in production.
    #[serde(default)]
    pub db_schema_suffix: String,
    /// `QASHYQ_SCHEDULE_URL` … `QASHYQ_REPORTING_URL`: where the services of the mesh listen,
    /// for the gateway and for service-to-service calls.
    #[serde(default = "defaults::schedule_url")]
    pub schedule_url: String,
    #[serde(default = "defaults::tvgrid_url")]
    pub tvgrid_url: String,
    #[serde(default = "defaults::assignments_url")]
    pub assignments_url: String,
    #[serde(default = "defaults::content_url")]
    pub content_url: String,
    #[serde(default = "defaults::proctoring_url")]
    pub proctoring_url: String,
    #[serde(default = "defaults::reporting_url")]
    pub reporting_url: String,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl CommonConfig {
    /// Reads `QASHYQ_*` variables.
    pub fn from_env() -> Result<Self, envy::Error> {
        from_env_prefixed("QASHYQ_")
    }

    /// Returns the settings a developer machine needs, ignoring the environment.
    pub fn local_defaults() -> Self {
        serde_json_defaults()
    }

    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }

    pub fn amqp_url(&self) -> &str {
        self.amqp_url.expose_secret()
    }

    pub fn redis_url(&self) -> &str {
        self.redis_url.expose_secret()
    }

    /// The key principals are signed and verified with.
    pub fn principal_key(&self) -> crate::principal::PrincipalKey {
        match &self.principal_key {
            Some(secret) if !secret.expose_secret().is_empty() => crate::principal::PrincipalKey::new(secret.expose_secret().as_bytes()),
            _ => crate::principal::PrincipalKey::new(crate::principal::DEVELOPMENT_KEY.as_bytes()),
        }
    }

    /// The shifted clock the settings ask for, if any.
    pub fn clock(&self) -> Option<crate::clock::Clock> {
        self.clock_start.map(|start| crate::clock::Clock::shifted(start, self.clock_anchor.unwrap_or_else(chrono::Utc::now)))
    }

    /// Returns the URL of a service of the mesh by its short name (`"schedule"`).
    pub fn service_url(&self, service: &str) -> Option<&str> {
        Some(match service {
            "schedule" => &self.schedule_url,
            "tvgrid" => &self.tvgrid_url,
            "assignments" => &self.assignments_url,
            "content" => &self.content_url,
            "proctoring" => &self.proctoring_url,
            "reporting" => &self.reporting_url,
            _ => return None,
        })
    }

    /// Points the mesh URL of `service` at `url` (tests, tools).
    pub fn set_service_url(&mut self, service: &str, url: String) {
        match service {
            "schedule" => self.schedule_url = url,
            "tvgrid" => self.tvgrid_url = url,
            "assignments" => self.assignments_url = url,
            "content" => self.content_url = url,
            "proctoring" => self.proctoring_url = url,
            "reporting" => self.reporting_url = url,
            _ => {}
        }
    }
}

/// Reads any settings struct from variables that start with `prefix` (e.g. a service's own
/// `QASHYQ_GATEWAY_*`).
pub fn from_env_prefixed<T: serde::de::DeserializeOwned>(prefix: &str) -> Result<T, envy::Error> {
    envy::prefixed(prefix).from_env()
}

fn serde_json_defaults() -> CommonConfig {
    // Deserialising from an empty set of variables applies every `serde(default)`.
    envy::from_iter::<_, CommonConfig>(std::iter::empty::<(String, String)>()).expect("every CommonConfig field has a default")
}

mod defaults {
    use secrecy::SecretString;
    use serde::Deserialize;

    /// Reads an optional RFC 3339 instant; an empty value is none.
    pub fn optional_instant<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<chrono::DateTime<chrono::Utc>>, D::Error> {
        let raw = Option::<String>::deserialize(deserializer)?;
        match raw.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => chrono::DateTime::parse_from_rfc3339(text)
                .map(|at| Some(at.with_timezone(&chrono::Utc)))
                .map_err(|e| serde::de::Error::custom(format!("{text:?} is not an RFC 3339 instant: {e}"))),
        }
    }

    pub fn database_url() -> SecretString {
        SecretString::from("postgres://qashyq:qashyq@127.0.0.1:5432/qashyq")
    }
    pub fn database_max_connections() -> u32 {
        10
    }
    pub fn amqp_url() -> SecretString {
        SecretString::from("amqp://qashyq:qashyq@127.0.0.1:5672/qashyq")
    }
    pub fn redis_url() -> SecretString {
        SecretString::from("redis://127.0.0.1:6379/0")
    }
    pub fn shutdown_grace_seconds() -> u64 {
        // Below Kubernetes' default 30 s termination grace period.
        20
    }
    pub fn events_exchange() -> String {
        "qashyq.events".to_owned()
    }
    // Default ports: gateway 15050, then one per service in this order.
    pub fn schedule_url() -> String {
        "http://127.0.0.1:15051".to_owned()
    }
    pub fn tvgrid_url() -> String {
        "http://127.0.0.1:15052".to_owned()
    }
    pub fn assignments_url() -> String {
        "http://127.0.0.1:15053".to_owned()
    }
    pub fn content_url() -> String {
        "http://127.0.0.1:15054".to_owned()
    }
    pub fn proctoring_url() -> String {
        "http://127.0.0.1:15055".to_owned()
    }
    pub fn reporting_url() -> String {
        "http://127.0.0.1:15056".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_point_at_local_servers() {
        let config = CommonConfig::local_defaults();
        assert_eq!(config.database_url(), "postgres://qashyq:qashyq@127.0.0.1:5432/qashyq");
        assert_eq!(config.events_exchange, "qashyq.events");
        assert_eq!(config.log_format, LogFormat::Text);
        assert!(config.listen_addr.is_none());
        assert!(config.admin_addr.is_none());
    }

    #[test]
    fn environment_overrides_defaults() {
        let vars = [
            ("DATABASE_URL".to_owned(), "postgres://app:hunter2@db:5432/q".to_owned()),
            ("LISTEN_ADDR".to_owned(), "0.0.0.0:7000".to_owned()),
            ("LOG_FORMAT".to_owned(), "json".to_owned()),
        ];
        let config: CommonConfig = envy::from_iter(vars).unwrap();
        assert_eq!(config.database_url(), "postgres://app:hunter2@db:5432/q");
        assert_eq!(config.listen_addr, Some("0.0.0.0:7000".parse().unwrap()));
        assert_eq!(config.log_format, LogFormat::Json);
    }

    #[test]
    fn default_ports_lie_below_the_ephemeral_range() {
        let config = CommonConfig::local_defaults();
        for service in ["schedule", "tvgrid", "assignments", "content", "proctoring", "reporting"] {
            let url = config.service_url(service).unwrap();
            let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
            assert!((1024..32768).contains(&port), "{service} defaults to {url}");
        }
    }

    #[test]
    fn a_clock_start_is_an_instant_or_nothing() {
        let config: CommonConfig = envy::from_iter([("CLOCK_START".to_owned(), "2020-04-06T08:45:00+06:00".to_owned())]).unwrap();
        assert_eq!(config.clock_start, Some("2020-04-06T02:45:00Z".parse().unwrap()));
        let config: CommonConfig = envy::from_iter([("CLOCK_START".to_owned(), String::new())]).unwrap();
        assert_eq!(config.clock_start, None);
        assert!(envy::from_iter::<_, CommonConfig>([("CLOCK_START".to_owned(), "monday".to_owned())]).is_err());
    }

    #[test]
    fn secrets_never_print() {
        let vars = [("AMQP_URL".to_owned(), "amqp://user:topsecret@mq/%2f".to_owned())];
        let config: CommonConfig = envy::from_iter(vars).unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("topsecret"), "{printed}");
        assert!(!printed.contains("hunter2"));
    }
}
