//! What the platform's own integration tests share. (They cannot use `qashyq-testkit`, which is
//! built on the platform.)

#![allow(dead_code)]

use sqlx::Connection;

/// A fresh database for one test, dropped by [`Db::drop_it`].
pub struct Db {
    admin: String,
    url: String,
}

impl Db {
    pub async fn create() -> Self {
        let admin = std::env::var("QASHYQ_TEST_DATABASE_ADMIN_URL").unwrap_or_else(|_| "postgres://qashyq:qashyq@127.0.0.1:5432/postgres".into());
        let name = format!("qashyq_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
        let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
        Self { admin, url }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn drop_it(self) {
        let name = self.url.rsplit_once('/').unwrap().1.to_owned();
        let mut conn = sqlx::PgConnection::connect(&self.admin).await.unwrap();
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await.unwrap();
    }
}

/// Waits up to `seconds` for `check` to hold, polling every 20 ms.
pub async fn eventually<F, Fut>(seconds: u64, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}
