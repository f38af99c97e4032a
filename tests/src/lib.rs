//! Helpers for the end-to-end tests in `tests/`: the mesh of services started in-process against
//! one fresh database and one private event exchange, as `make run` starts them as processes.

use qashyq_platform::config::CommonConfig;
use qashyq_testkit::{RunningService, TestDatabase, spawn, test_config};

/// Services of one test, sharing a database and an exchange.
pub struct Mesh {
    pub config: CommonConfig,
    pub schedule: RunningService,
    pub reporting: RunningService,
    // Dropped last: services must stop before their database goes.
    pub db: TestDatabase,
}

impl Mesh {
    /// Starts the services on a fresh database; `adjust` may change one service's settings
    /// (e.g. point it at a fault proxy) and is called with the service's name.
    pub async fn start_with(adjust: impl Fn(&str, &mut CommonConfig)) -> anyhow::Result<Self> {
        let db = TestDatabase::create().await?;
        let config = test_config(db.url());
        let for_service = |name: &str| {
            let mut own = config.clone();
            adjust(name, &mut own);
            own
        };
        let schedule = spawn::<qashyq_schedule::Schedule>(for_service("schedule")).await?;
        let reporting = spawn::<qashyq_reporting::Reporting>(for_service("reporting")).await?;
        Ok(Self { config, schedule, reporting, db })
    }

    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(|_, _| {}).await
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        self.schedule.stop().await?;
        self.reporting.stop().await?;
        Ok(())
    }
}
