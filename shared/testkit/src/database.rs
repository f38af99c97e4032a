//! A fresh PostgreSQL database per test, dropped when the test ends.

use sqlx::{Connection, PgConnection};
use uuid::Uuid;

/// Server used for test databases: `QASHYQ_TEST_DATABASE_ADMIN_URL`, else the local default.
fn admin_url() -> String {
    std::env::var("QASHYQ_TEST_DATABASE_ADMIN_URL").unwrap_or_else(|_| "postgres://qashyq:qashyq@127.0.0.1:5432/postgres".to_owned())
}

pub struct TestDatabase {
    name: String,
    url: String,
}

impl TestDatabase {
    /// Creates an empty database with a unique name (`qashyq_test_<uuid>`).
    pub async fn create() -> anyhow::Result<Self> {
        let admin = admin_url();
        let name = format!("qashyq_test_{}", Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(&admin).await?;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await?;
        conn.close().await?;
        let url = replace_database(&admin, &name);
        Ok(Self { name, url })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs outside async: use a short-lived runtime on its own thread.
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    if let Ok(mut conn) = PgConnection::connect(&admin_url()).await {
                        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
                    }
                });
            }
        })
        .join();
    }
}

/// Returns `url` with its database name replaced (keeps user, host, port and parameters).
fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_end..].find('/').map_or(base.len(), |i| authority_end + i);
    let mut result = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        result.push('?');
        result.push_str(query);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn replaces_only_the_database() {
        assert_eq!(replace_database("postgres://u@h:5432/postgres", "t1"), "postgres://u@h:5432/t1");
        assert_eq!(replace_database("postgres://u@h:5432/p?sslmode=disable", "t1"), "postgres://u@h:5432/t1?sslmode=disable");
        assert_eq!(replace_database("postgres://u@h", "t1"), "postgres://u@h/t1");
    }
}

/// Brings `schema` of the database at `url` to an earlier version of its service's migrations
/// (the platform's, then the service's up to `last_version`), to write data as that schema did
/// and check that the service upgrades it.
pub async fn migrate_up_to(url: &str, schema: &str, migrator: &sqlx::migrate::Migrator, last_version: i64) -> anyhow::Result<()> {
    let earlier = sqlx::migrate::Migrator {
        migrations: migrator.migrations.iter().filter(|m| m.version <= last_version).cloned().collect::<Vec<_>>().into(),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    qashyq_platform::db::migrate(url, schema, &earlier).await
}
