//! Helpers for the end-to-end tests in `tests/`: the whole mesh started in-process against one
//! fresh database and one private event exchange, as `make run` starts it as processes.

pub mod homework;
pub mod school_fixture;

pub use homework::ClassWithTeacher;

use qashyq_platform::config::CommonConfig;
use qashyq_platform::grpc::client::{BearerKey, KeyedChannel};
use qashyq_testkit::{RunningService, TestDatabase, spawn, test_config};

/// All seven services of one test, sharing a database and an exchange.
pub struct Mesh {
    pub config: CommonConfig,
    pub schedule: RunningService,
    pub tvgrid: RunningService,
    pub assignments: RunningService,
    pub content: RunningService,
    pub proctoring: RunningService,
    pub reporting: RunningService,
    pub gateway: RunningService,
    // Dropped last: services stop before their database goes.
    pub db: TestDatabase,
}

impl Mesh {
    /// Starts the mesh on a fresh database; `adjust` may change one service's settings (e.g.
    /// point it at a fault proxy) and is called with the service's name.
    pub async fn start_with(adjust: impl Fn(&str, &mut CommonConfig)) -> anyhow::Result<Self> {
        let db = TestDatabase::create().await?;
        let mut config = test_config(db.url());
        let for_service = |name: &str, config: &CommonConfig| {
            let mut own = config.clone();
            adjust(name, &mut own);
            own
        };
        // The TV grid first: the schedule service reads it.
        let tvgrid = spawn::<qashyq_tvgrid::TvGrid>(for_service("tvgrid", &config)).await?;
        config.set_service_url("tvgrid", tvgrid.url());
        let schedule = spawn::<qashyq_schedule::Schedule>(for_service("schedule", &config)).await?;
        let assignments = spawn::<qashyq_assignments::Assignments>(for_service("assignments", &config)).await?;
        let content = spawn::<qashyq_content::Content>(for_service("content", &config)).await?;
        let proctoring = spawn::<qashyq_proctoring::Proctoring>(for_service("proctoring", &config)).await?;
        let reporting = spawn::<qashyq_reporting::Reporting>(for_service("reporting", &config)).await?;
        for (name, service) in [
            ("schedule", &schedule),
            ("tvgrid", &tvgrid),
            ("assignments", &assignments),
            ("content", &content),
            ("proctoring", &proctoring),
            ("reporting", &reporting),
        ] {
            config.set_service_url(name, service.url());
        }
        let gateway = spawn::<qashyq_gateway::Gateway>(for_service("gateway", &config)).await?;
        Ok(Self { config, schedule, tvgrid, assignments, content, proctoring, reporting, gateway, db })
    }

    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(|_, _| {}).await
    }

    /// Stops the gateway and starts it again on the same address.
    pub async fn restart_gateway(&mut self) -> anyhow::Result<()> {
        self.gateway.restart::<qashyq_gateway::Gateway>(self.config.clone()).await
    }

    /// Stops a service of the mesh (by its short name) and starts it again on the same address.
    pub async fn restart(&mut self, service: &str) -> anyhow::Result<()> {
        let config = self.config.clone();
        match service {
            "schedule" => self.schedule.restart::<qashyq_schedule::Schedule>(config).await,
            "tvgrid" => self.tvgrid.restart::<qashyq_tvgrid::TvGrid>(config).await,
            "assignments" => self.assignments.restart::<qashyq_assignments::Assignments>(config).await,
            "content" => self.content.restart::<qashyq_content::Content>(config).await,
            "proctoring" => self.proctoring.restart::<qashyq_proctoring::Proctoring>(config).await,
            "reporting" => self.reporting.restart::<qashyq_reporting::Reporting>(config).await,
            other => anyhow::bail!("no service {other}"),
        }
    }

    /// Creates an API key as the admin command does.
    pub async fn api_key(&self, name: &str, rate_limit_per_second: i32) -> String {
        qashyq_gateway::admin::create_api_key_limited(&self.config, name, rate_limit_per_second).await.expect("key created").key
    }

    /// Registers an integrator serving `scope` and returns a key issued to it.
    pub async fn integrator_key(&self, name: &str, scope: qashyq_platform::principal::Scope) -> String {
        let integrator = qashyq_gateway::admin::create_integrator(&self.config, name, &scope, 1_000).await.expect("integrator created");
        qashyq_gateway::admin::issue_api_key(&self.config, integrator.id, std::time::Duration::ZERO).await.expect("key issued").key
    }

    /// Creates a person of `role` (a regional observer of `region`) and signs them in through the
    /// gateway; returns their access token.
    pub async fn person_token(&self, login: &str, role: qashyq_platform::principal::Role, region: Option<&str>) -> String {
        let password = "a long enough password";
        qashyq_gateway::admin::create_person(&self.config, login, login, role, region, password).await.expect("person created");
        let mut auth = qashyq_proto::gateway::v1::auth_service_client::AuthServiceClient::new(self.gateway.channel().await);
        let request = qashyq_proto::gateway::v1::LoginRequest { login: login.into(), password: password.into() };
        auth.login(request).await.expect("signed in").into_inner().access_token
    }

    /// A channel to the gateway that presents `key` on every call.
    pub async fn gateway_channel(&self, key: &str) -> AuthenticatedChannel {
        BearerKey::new(Some(key)).expect("ascii key").on(self.gateway.channel().await)
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        self.gateway.stop().await?;
        for service in [self.schedule, self.tvgrid, self.assignments, self.content, self.proctoring, self.reporting] {
            service.stop().await?;
        }
        Ok(())
    }
}

pub type AuthenticatedChannel = KeyedChannel;

/// The registration of a distance-learning school of `region` (no district).
pub fn distance_school_request(
    region: &str,
    name: &str,
    connectivity: qashyq_proto::schedule::v1::Connectivity,
) -> qashyq_proto::schedule::v1::RegisterSchoolRequest {
    qashyq_proto::schedule::v1::RegisterSchoolRequest {
        region_code: region.into(),
        name: name.into(),
        connectivity: connectivity as i32,
        learning_mode: qashyq_proto::schedule::v1::LearningMode::Distance as i32,
        ungraded_rural: false,
        district_id: String::new(),
    }
}

/// The `p` quantile (0–1) of latencies in microseconds, sorted, in milliseconds (for the bench
/// binaries' printed figures).
pub fn percentile_ms(sorted_micros: &[u64], p: f64) -> f64 {
    sorted_micros.get(((sorted_micros.len() as f64 * p) as usize).min(sorted_micros.len().saturating_sub(1))).copied().unwrap_or(0) as f64 / 1000.0
}
