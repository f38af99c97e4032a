//! The PostgreSQL pool of one service and its migrations.
//!
//! All services may share one database, but each owns one schema and never reads another's:
//! every connection of the pool has `search_path` set to the service's schema, so the SQL of a
//! service names its tables unqualified and cannot reach another's by accident.

use std::{str::FromStr, time::Duration};

use sqlx::{
    Connection, PgConnection, PgPool,
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
};

/// Opens a pool whose connections live in `schema`. Connecting is lazy: the pool is ready before
/// the database is, and each query waits up to `acquire_timeout` for it.
pub fn pool(database_url: &str, schema: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    let options = connect_options(database_url, schema)?;
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(5))
        .idle_timeout(Duration::from_secs(300))
        .connect_lazy_with(options))
}

fn connect_options(database_url: &str, schema: &str) -> Result<PgConnectOptions, sqlx::Error> {
    Ok(PgConnectOptions::from_str(database_url)?.options([("search_path", schema)]).application_name(schema))
}

/// Creates the schema if needed and applies the platform's tables (outbox, inbox) and then the
/// service's own migrations, holding a PostgreSQL advisory lock for the schema throughout, so
/// that replicas starting together migrate once, one after the other.
pub async fn migrate(database_url: &str, schema: &str, service: &Migrator) -> anyhow::Result<()> {
    let mut conn = connect_with_retry(database_url, schema).await?;
    let lock_key = format!("qashyq.migrate.{schema}");
    sqlx::query("SELECT pg_advisory_lock(hashtext($1))").bind(&lock_key).execute(&mut conn).await?;
    let result = migrate_locked(&mut conn, schema, service).await;
    sqlx::query("SELECT pg_advisory_unlock(hashtext($1))").bind(&lock_key).execute(&mut conn).await?;
    conn.close().await?;
    result
}

async fn migrate_locked(conn: &mut PgConnection, schema: &str, service: &Migrator) -> anyhow::Result<()> {
    sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(schema))).execute(&mut *conn).await?;
    // The two migrators share `_sqlx_migrations` in the schema; versions never collide (the
    // platform's are small integers, services' are dates) and each ignores the other's.
    let mut platform = sqlx::migrate!("./migrations");
    platform.set_ignore_missing(true);
    platform.set_locking(false);
    platform.run_direct(&mut *conn).await?;
    let service = Migrator { migrations: service.migrations.clone(), ignore_missing: true, locking: false, no_tx: service.no_tx };
    service.run_direct(&mut *conn).await?;
    Ok(())
}

/// Connects, retrying for up to a minute: in `make run` and on Kubernetes a service may start
/// before its database accepts connections.
async fn connect_with_retry(database_url: &str, schema: &str) -> anyhow::Result<PgConnection> {
    let options = connect_options(database_url, schema)?;
    let mut delay = Duration::from_millis(200);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match PgConnection::connect_with(&options).await {
            Ok(conn) => return Ok(conn),
            Err(error) if tokio::time::Instant::now() < deadline => {
                tracing::warn!(%error, schema, "database not reachable yet, retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(error) => return Err(error.into()),
        }
    }
}

/// Quotes an SQL identifier (schema names come from configuration, not from users).
pub fn quote_ident(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}
