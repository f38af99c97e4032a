//! Every event the service received, whatever its type (R-RP-3): what the projections are
//! rebuilt from, and what a later version projects a type this one does not know from.

use prost::Message;
use qashyq_proto::events::v1::EventEnvelope;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

/// Keeps an event, in the consumer's transaction.
pub async fn keep(tx: &mut PgConnection, event_id: Uuid, envelope: &EventEnvelope) -> Result<(), sqlx::Error> {
    let occurred_at = envelope.occurred_at.as_ref().and_then(qashyq_platform::time::from_timestamp);
    sqlx::query("INSERT INTO event_log (event_id, event_type, producer, occurred_at, envelope) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING")
        .bind(event_id)
        .bind(&envelope.event_type)
        .bind(&envelope.producer)
        .bind(occurred_at)
        .bind(envelope.encode_to_vec())
        .execute(tx)
        .await?;
    Ok(())
}

/// Holds new events back until the transaction ends (a rebuild replays a log nobody adds to),
/// empties the projections, and puts back the schools counted before the log was kept.
pub async fn begin_rebuild(tx: &mut PgConnection, tables: &[&str]) -> Result<(), sqlx::Error> {
    sqlx::query("LOCK TABLE event_log IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await?;
    sqlx::query(&format!("TRUNCATE {}", tables.join(", "))).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO schools (school_id, region_code, district_id, name, connectivity, learning_mode) SELECT * FROM legacy_schools")
        .execute(tx)
        .await?;
    Ok(())
}

/// The events after `after` (a sequence number), in the order they were received, at most
/// `limit`; with the sequence of the last.
pub async fn next_batch(tx: &mut PgConnection, after: i64, limit: i64) -> Result<Vec<(i64, EventEnvelope)>, sqlx::Error> {
    let rows = sqlx::query("SELECT seq, envelope FROM event_log WHERE seq > $1 ORDER BY seq LIMIT $2").bind(after).bind(limit).fetch_all(tx).await?;
    rows.into_iter()
        .map(|row| {
            let bytes: Vec<u8> = row.try_get("envelope")?;
            let envelope = EventEnvelope::decode(bytes.as_slice()).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            Ok((row.try_get("seq")?, envelope))
        })
        .collect()
}
